using Haven.Banks;
using Haven.Kernels.Pdq;

namespace Haven.Matching;

/// <summary>A hash to look up, parsed from <c>pdq:</c>, <c>md5:</c>, <c>sha256:</c> or a bare hex string.</summary>
internal readonly record struct HashQuery(string Text, SignalType? Type, PdqHash Pdq, string Hex)
{
    /// <summary>
    /// Bare 32 hex digits are MD5; bare 64 hex digits are looked up both as PDQ (within the threshold) and as SHA-256
    /// (exactly), since both are 64 hex digits; a prefix picks one.
    /// </summary>
    public static bool TryParse(string? text, out HashQuery query, out string error)
    {
        query = default;
        var raw = (text ?? string.Empty).Trim();
        SignalType? type = null;
        var colon = raw.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0)
        {
            if (!SignalTypes.TryParse(raw.AsSpan(0, colon), out var parsed))
            {
                error = $"unknown signal type '{raw[..colon]}' (pdq, md5, sha256)";
                return false;
            }

            type = parsed;
            raw = raw[(colon + 1)..].Trim();
        }

        var hex = raw.ToLowerInvariant();
        if (hex.Length == 0 || !hex.All(char.IsAsciiHexDigit))
        {
            error = "not a hexadecimal hash";
            return false;
        }

        if (type is null && hex.Length is not (32 or 64) || type is { } t && hex.Length != t.HexLength())
        {
            error = $"wrong length: {hex.Length} hex digits (PDQ and SHA-256 have 64, MD5 32)";
            return false;
        }

        if (hex.All(c => c == '0'))
        {
            error = "all-zero hash (a failed hash, never matched)";
            return false;
        }

        type ??= hex.Length == 32 ? SignalType.Md5 : null;
        var pdq = hex.Length == 64 && type is null or SignalType.Pdq ? PdqHash.Parse(hex) : default;
        query = new HashQuery(text!.Trim(), type, pdq, hex);
        error = string.Empty;
        return true;
    }

    /// <summary>Every hit for this query.</summary>
    public IReadOnlyList<MatchHit> Lookup(MatchIndex index, MatchOptions options)
    {
        var hits = new List<MatchHit>();
        if (Type is null or SignalType.Pdq && Hex.Length == 64)
        {
            hits.AddRange(index.LookupPdq(Pdq, options.Threshold, options.Bank));
        }

        if (Type is null or SignalType.Sha256 && Hex.Length == 64)
        {
            hits.AddRange(index.LookupExact(SignalType.Sha256, Hex, options.Bank));
        }

        if (Type is SignalType.Md5)
        {
            hits.AddRange(index.LookupExact(SignalType.Md5, Hex, options.Bank));
        }

        return hits;
    }
}
