namespace Haven.Banks;

/// <summary>The kinds of signal a bank holds. Stored by <see cref="SignalTypes.Name"/>.</summary>
internal enum SignalType
{
    /// <summary>PDQ perceptual image hash: 64 hex digits, with a quality 0..100.</summary>
    Pdq,

    /// <summary>MD5 of the media bytes: 32 hex digits.</summary>
    Md5,

    /// <summary>SHA-256 of the media bytes: 64 hex digits.</summary>
    Sha256,
}

/// <summary>Names and sizes of <see cref="SignalType"/>.</summary>
internal static class SignalTypes
{
    /// <summary>Every signal type, in storage order.</summary>
    public static IReadOnlyList<SignalType> All { get; } = [SignalType.Pdq, SignalType.Md5, SignalType.Sha256];

    /// <summary>The stored and displayed name: <c>pdq</c>, <c>md5</c>, <c>sha256</c>.</summary>
    public static string Name(this SignalType type) => type switch
    {
        SignalType.Pdq => "pdq",
        SignalType.Md5 => "md5",
        SignalType.Sha256 => "sha256",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>Number of hex digits in the text form.</summary>
    public static int HexLength(this SignalType type) => type switch
    {
        SignalType.Pdq => 64,
        SignalType.Md5 => 32,
        SignalType.Sha256 => 64,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>Parses a stored or user-given name (case-insensitive).</summary>
    public static bool TryParse(ReadOnlySpan<char> name, out SignalType type)
    {
        var trimmed = name.Trim();
        if (trimmed.Equals("pdq", StringComparison.OrdinalIgnoreCase))
        {
            type = SignalType.Pdq;
            return true;
        }

        if (trimmed.Equals("md5", StringComparison.OrdinalIgnoreCase))
        {
            type = SignalType.Md5;
            return true;
        }

        if (trimmed.Equals("sha256", StringComparison.OrdinalIgnoreCase))
        {
            type = SignalType.Sha256;
            return true;
        }

        type = default;
        return false;
    }

    /// <summary>Parses a name read back from the database, where anything else is corruption (a bug).</summary>
    internal static SignalType FromStored(string name) =>
        TryParse(name, out var type) ? type : throw new InvalidOperationException($"Unknown stored signal type '{name}'.");
}
