using Haven.Kernels.Pdq;

namespace Haven.Media;

/// <summary>Everything Haven computes from one piece of media.</summary>
/// <param name="Pdq">The PDQ hash, or null when the image could not be decoded.</param>
/// <param name="Dihedral">The 8 dihedral PDQ hashes (orig, rot90, rot180, rot270, flipx, flipy, flipplus1, flipminus1), or empty.</param>
/// <param name="DecodeError">Why there is no PDQ hash; exact hashes are computed regardless.</param>
public sealed record MediaSignals(
    ExactHashes Exact,
    long Length,
    PdqHash? Pdq,
    int Quality,
    PdqHash[] Dihedral,
    int Width,
    int Height,
    string? Format,
    string Pipeline,
    MediaError? DecodeError)
{
    /// <summary>Signals of media that could not be hashed at all (no exact hashes either).</summary>
    public static MediaSignals Failed(long length, string pipeline, MediaError error) => new(default, length, null, 0, [], 0, 0, null, pipeline, error);

    /// <summary>True when a PDQ hash exists, is not all-zero, and reaches <paramref name="qualityGate"/>.</summary>
    public bool PdqUsable(int qualityGate) => Pdq is { IsZero: false } && Quality >= qualityGate;
}

/// <summary>Decodes media with <see cref="ImageDecoder"/> and computes MD5, SHA-256 and PDQ (with its 8 dihedral hashes from one DCT).</summary>
public sealed class MediaHasher
{
    private readonly ImageDecoder _decoder;

    public MediaHasher(ImageDecoder? decoder = null) => _decoder = decoder ?? new ImageDecoder();

    /// <summary>The decoder (and its limits) this hasher uses; the console's renderings decode with the same.</summary>
    public ImageDecoder Decoder => _decoder;

    /// <summary>The decoder's limits.</summary>
    public MediaLimits Limits => _decoder.Limits;

    /// <summary>The pipeline name recorded with every hash this hasher computes.</summary>
    public string Pipeline => _decoder.Pipeline;

    /// <summary>Hashes <paramref name="bytes"/>. Exact hashes are always computed (unless the media is over the byte limit); PDQ only for decodable images.</summary>
    public MediaSignals Hash(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > _decoder.Limits.MaxBytes)
        {
            return MediaSignals.Failed(bytes.Length, _decoder.Pipeline, ImageDecoder.TooManyBytes(bytes.Length, _decoder.Limits.MaxBytes));
        }

        return Hash(bytes, ExactHashes.Compute(bytes));
    }

    /// <summary>The decode working memory hashing <paramref name="bytes"/> takes (see <see cref="ImageDecoder.Estimate"/>).</summary>
    public DecodeEstimate Estimate(ReadOnlySpan<byte> bytes) => _decoder.Estimate(bytes);

    /// <summary>
    /// Hashes <paramref name="bytes"/> once <paramref name="budget"/> admits its decode (waiting in line, cancellable), so
    /// that every decode sharing the budget stays within its memory and parallelism bounds.
    /// </summary>
    public async Task<MediaSignals> HashAsync(ReadOnlyMemory<byte> bytes, DecodeBudget budget, CancellationToken cancellationToken = default)
    {
        using var lease = await budget.AcquireAsync(Estimate(bytes.Span).WorkingBytes, cancellationToken).ConfigureAwait(false);
        return Hash(bytes.Span);
    }

    /// <summary>Hashes <paramref name="bytes"/> whose exact hashes were already computed while they streamed in.</summary>
    public MediaSignals Hash(ReadOnlySpan<byte> bytes, ExactHashes exact)
    {
        var decoded = _decoder.Decode(bytes);
        if (decoded.Image is not { } image)
        {
            return new MediaSignals(exact, bytes.Length, null, 0, [], 0, 0, null, _decoder.Pipeline, decoded.Error);
        }

        var (hash, quality, dihedral) = HashPixels(image);
        return new MediaSignals(exact, bytes.Length, hash, quality, dihedral, image.SourceWidth, image.SourceHeight, image.EncodedFormat, _decoder.Pipeline, null);
    }

    /// <summary>
    /// Hashes the file at <paramref name="path"/>: refused before reading when larger than the byte limit, unreadable
    /// files reported as <see cref="MediaErrorKind.Unreadable"/>. <paramref name="exact"/> false skips MD5 and SHA-256
    /// (for output that prints only PDQ). Shared by <c>haven hash</c> and the native hasher, so both say the same.
    /// </summary>
    public MediaSignals HashFile(string path, bool exact = true)
    {
        try
        {
            var length = new FileInfo(path).Length;
            if (length > Limits.MaxBytes)
            {
                return MediaSignals.Failed(length, Pipeline, ImageDecoder.TooManyBytes(length, Limits.MaxBytes));
            }

            var bytes = File.ReadAllBytes(path);
            return exact ? Hash(bytes) : Hash(bytes, default(ExactHashes));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return MediaSignals.Failed(0, Pipeline, new MediaError(MediaErrorKind.Unreadable, "cannot read: " + e.Message));
        }
    }

    /// <summary>PDQ of decoded pixels (already at most 512×512, so the kernel applies no further resize).</summary>
    public static (PdqHash Hash, int Quality, PdqHash[] Dihedral) HashPixels(DecodedImage image)
    {
        var dihedral = new PdqHash[8];
        var format = image.Format == PixelLayout.Gray8 ? PdqPixelFormat.Gray8 : PdqPixelFormat.Rgba32;
        var result = PdqHasher.HashReference(image.Pixels, image.Width, image.Height, image.Stride, format, dihedral);
        return (result.Hash, result.Quality, dihedral);
    }
}
