using System.Buffers;
using System.Security.Cryptography;

namespace Haven.Media;

/// <summary>MD5 and SHA-256 of media bytes, lower-case hex, computed in one streaming pass.</summary>
public readonly record struct ExactHashes(string Md5, string Sha256)
{
    private const int BufferSize = 81920;

    /// <summary>Hashes bytes already in memory.</summary>
    public static ExactHashes Compute(ReadOnlySpan<byte> bytes) =>
        new(Convert.ToHexStringLower(MD5.HashData(bytes)), Convert.ToHexStringLower(SHA256.HashData(bytes)));

    /// <summary>
    /// Streams <paramref name="source"/> through both hashes and, when <paramref name="copy"/> is given, into it as well,
    /// stopping with <see cref="MediaErrorKind.TooManyBytes"/> once more than <paramref name="maxBytes"/> arrive.
    /// </summary>
    public static async Task<(ExactHashes? Hashes, long Length, MediaError? Error)> ComputeAsync(
        Stream source, long maxBytes, Stream? copy, CancellationToken cancellationToken)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        long length = 0;
        try
        {
            int read;
            while ((read = await source.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                length += read;
                if (length > maxBytes)
                {
                    return (null, length, ImageDecoder.TooManyBytes(length, maxBytes));
                }

                md5.AppendData(buffer, 0, read);
                sha256.AppendData(buffer, 0, read);
                if (copy is not null)
                {
                    await copy.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return (new ExactHashes(Convert.ToHexStringLower(md5.GetHashAndReset()), Convert.ToHexStringLower(sha256.GetHashAndReset())), length, null);
    }
}
