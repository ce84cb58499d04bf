namespace Haven.Banks;

/// <summary>A named set of signals.</summary>
/// <param name="Id">Store id.</param>
/// <param name="Name">Unique name, see <see cref="BankName"/>.</param>
/// <param name="Description">Free text for operators.</param>
/// <param name="Enabled">Only enabled banks feed the match index.</param>
/// <param name="CreatedAt">When the bank was created.</param>
internal sealed record Bank(long Id, string Name, string Description, bool Enabled, DateTimeOffset CreatedAt);

/// <summary>A bank with its entry counts per signal type.</summary>
internal sealed record BankSummary(Bank Bank, long PdqCount, long Md5Count, long Sha256Count)
{
    /// <summary>All entries.</summary>
    public long TotalCount => PdqCount + Md5Count + Sha256Count;

    /// <summary>Entries of one signal type.</summary>
    public long CountOf(SignalType type) => type switch
    {
        SignalType.Pdq => PdqCount,
        SignalType.Md5 => Md5Count,
        SignalType.Sha256 => Sha256Count,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };
}

/// <summary>A stored signal.</summary>
internal sealed record BankEntry(
    long Id,
    long BankId,
    SignalType SignalType,
    string Value,
    int? Quality,
    string? Category,
    string? Source,
    string? ExternalId,
    DateTimeOffset AddedAt);

/// <summary>
/// A signal about to be stored, already validated: <see cref="Value"/> is canonical lower-case hex of the right length,
/// not all-zero; <see cref="Quality"/> is null or 0..100 and only set for PDQ. Build through <see cref="TryCreate"/>.
/// </summary>
internal readonly record struct NewBankEntry
{
    private NewBankEntry(SignalType signalType, string value, int? quality, string? category, string? source, string? externalId)
    {
        SignalType = signalType;
        Value = value;
        Quality = quality;
        Category = category;
        Source = source;
        ExternalId = externalId;
    }

    /// <summary>Signal type.</summary>
    public SignalType SignalType { get; }

    /// <summary>Canonical lower-case hex.</summary>
    public string Value { get; }

    /// <summary>PDQ quality 0..100 or null.</summary>
    public int? Quality { get; }

    /// <summary>Category such as an NCMEC class, or null.</summary>
    public string? Category { get; }

    /// <summary>Where the signal came from, or null.</summary>
    public string? Source { get; }

    /// <summary>The provider's id for the signal, or null.</summary>
    public string? ExternalId { get; }

    /// <summary>Validates and normalises one entry; <paramref name="error"/> says what is wrong otherwise.</summary>
    public static bool TryCreate(
        SignalType signalType,
        ReadOnlySpan<char> value,
        int? quality,
        string? category,
        string? source,
        string? externalId,
        out NewBankEntry entry,
        out string error)
    {
        entry = default;
        if (!SignalValue.TryNormalize(signalType, value, out var normalized, out error) ||
            !SignalValue.TryValidateQuality(signalType, quality, out error))
        {
            return false;
        }

        entry = new NewBankEntry(signalType, normalized, quality, NullIfBlank(category), NullIfBlank(source), NullIfBlank(externalId));
        return true;
    }

    private static string? NullIfBlank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}

/// <summary>
/// One row of the enabled-banks read used to build the match index. Passed by reference to a callback so reading
/// ten million rows allocates only their value strings; <see cref="Category"/> strings are shared between rows.
/// </summary>
internal readonly record struct EnabledEntry(long Id, long BankId, SignalType SignalType, string Value, int? Quality, string? Category, string? ExternalId);

/// <summary>Which entries of a bank to remove.</summary>
internal abstract record EntrySelector
{
    private EntrySelector()
    {
    }

    /// <summary>By store entry id.</summary>
    public static EntrySelector ByIds(params IReadOnlyList<long> ids) => new Ids(ids);

    /// <summary>By hex value (any signal type, case-insensitive).</summary>
    public static EntrySelector ByValues(params IReadOnlyList<string> values) => new Values(values);

    /// <summary>By the provider's external id.</summary>
    public static EntrySelector ByExternalIds(params IReadOnlyList<string> externalIds) => new ExternalIds(externalIds);

    /// <summary>Selection by entry id.</summary>
    public sealed record Ids(IReadOnlyList<long> Keys) : EntrySelector;

    /// <summary>Selection by value.</summary>
    public sealed record Values(IReadOnlyList<string> Keys) : EntrySelector;

    /// <summary>Selection by external id.</summary>
    public sealed record ExternalIds(IReadOnlyList<string> Keys) : EntrySelector;
}
