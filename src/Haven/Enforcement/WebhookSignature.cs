using System.Security.Cryptography;
using System.Text;

namespace Haven.Enforcement;

/// <summary>
/// The webhook signature (docs/enforcement.md): <c>X-Haven-Signature: sha256=HEX</c>, where HEX is the lower-case hex
/// HMAC-SHA256 of the exact request body bytes, keyed with the UTF-8 bytes of the shared secret. Small and dependency
/// free on purpose, so a platform can copy it.
/// </summary>
internal static class WebhookSignature
{
    /// <summary>The header carrying the signature.</summary>
    public const string Header = "X-Haven-Signature";

    /// <summary>The scheme prefix of the header value.</summary>
    public const string Prefix = "sha256=";

    /// <summary>The header value for <paramref name="body"/>: <c>sha256=</c> and 64 lower-case hex digits.</summary>
    public static string Compute(string secret, ReadOnlySpan<byte> body)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body, mac);
        return Prefix + Convert.ToHexStringLower(mac);
    }

    /// <summary>
    /// True when <paramref name="header"/> is the signature of <paramref name="body"/> under <paramref name="secret"/>.
    /// Compares in constant time; accepts upper- or lower-case hex; false for anything malformed.
    /// </summary>
    public static bool Verify(string secret, ReadOnlySpan<byte> body, string? header)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        if (header is null || !header.StartsWith(Prefix, StringComparison.Ordinal) || header.Length != Prefix.Length + (2 * HMACSHA256.HashSizeInBytes))
        {
            return false;
        }

        byte[] given;
        try
        {
            given = Convert.FromHexString(header.AsSpan(Prefix.Length));
        }
        catch (FormatException)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body, expected);
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }
}
