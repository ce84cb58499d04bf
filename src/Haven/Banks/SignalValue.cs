using Haven.Kernels.Pdq;

namespace Haven.Banks;

/// <summary>Validation and normalisation of a signal's text form (lower-case hex of the exact length).</summary>
internal static class SignalValue
{
    /// <summary>
    /// Checks <paramref name="text"/> as a <paramref name="type"/> value. On success <paramref name="value"/> is the
    /// canonical lower-case hex; otherwise <paramref name="error"/> says what is wrong (never echoing the value).
    /// The all-zero value is refused for every type: PDQ emits it on failure, and for MD5/SHA-256 it is never a real digest.
    /// </summary>
    public static bool TryNormalize(SignalType type, ReadOnlySpan<char> text, out string value, out string error)
    {
        value = string.Empty;
        var expected = type.HexLength();
        if (text.Length != expected)
        {
            error = $"wrong length for {type.Name()}: {text.Length} characters, expected {expected} hex digits";
            return false;
        }

        if (!IsHex(text))
        {
            error = $"malformed {type.Name()} value: only hex digits 0-9 a-f are allowed";
            return false;
        }

        if (IsAllZero(text))
        {
            error = $"all-zero {type.Name()} value refused (it marks a failed hash, not media)";
            return false;
        }

        value = type == SignalType.Pdq ? PdqHash.Parse(text).ToString() : text.ToString().ToLowerInvariant();
        error = string.Empty;
        return true;
    }

    /// <summary>Checks a PDQ quality: 0..100, and only PDQ has one.</summary>
    public static bool TryValidateQuality(SignalType type, int? quality, out string error)
    {
        if (quality is null)
        {
            error = string.Empty;
            return true;
        }

        if (type != SignalType.Pdq)
        {
            error = $"quality applies to pdq only, not {type.Name()}";
            return false;
        }

        if (quality is < 0 or > 100)
        {
            error = $"quality {quality} is outside 0..100";
            return false;
        }

        error = string.Empty;
        return true;
    }

    private static bool IsHex(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsAllZero(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (c != '0')
            {
                return false;
            }
        }

        return true;
    }
}
