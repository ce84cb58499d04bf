using Haven.Banks;

namespace Haven.Policy;

/// <summary>What a signal set is about.</summary>
internal enum SubjectKind
{
    /// <summary>A post or a media item.</summary>
    Content,

    /// <summary>An account.</summary>
    Account,
}

/// <summary>One bank match: which bank and category, by which signal, how far (0 for MD5 and SHA-256).</summary>
internal sealed record BankMatchSignal(string Bank, string? Category, SignalType SignalType, int Distance);

/// <summary>One lexicon hit: category, weight and entry id; never the matched text.</summary>
internal sealed record TextHitSignal(string Category, double Weight, long EntryId);

/// <summary>One user report against the subject: its reason only, never the reporter or free text.</summary>
internal sealed record ReportSignal(string Reason);

/// <summary>
/// Everything the policy may look at for one subject. Carries ids, categories and numbers only, so a decision's
/// evidence can never contain content (DESIGN §6).
/// </summary>
internal sealed record SignalSet
{
    /// <summary>Creates a signal set; null collections are empty.</summary>
    public SignalSet(
        SubjectKind subjectKind,
        string subjectId,
        IReadOnlyList<BankMatchSignal>? bankMatches = null,
        IReadOnlyList<TextHitSignal>? textHits = null,
        IReadOnlyDictionary<string, long>? counters = null,
        IReadOnlyList<ReportSignal>? reports = null)
    {
        SubjectKind = subjectKind;
        SubjectId = subjectId;
        BankMatches = bankMatches ?? [];
        TextHits = textHits ?? [];
        Counters = counters ?? new Dictionary<string, long>();
        Reports = reports ?? [];
    }

    /// <summary>Content or account.</summary>
    public SubjectKind SubjectKind { get; }

    /// <summary>The platform's id of the subject.</summary>
    public string SubjectId { get; }

    /// <summary>Bank matches of the subject's media.</summary>
    public IReadOnlyList<BankMatchSignal> BankMatches { get; }

    /// <summary>Lexicon hits on the subject's text.</summary>
    public IReadOnlyList<TextHitSignal> TextHits { get; }

    /// <summary>Account counters by name, e.g. <c>sexualising_replies_distinct_owners_7d</c>.</summary>
    public IReadOnlyDictionary<string, long> Counters { get; }

    /// <summary>User reports against the subject.</summary>
    public IReadOnlyList<ReportSignal> Reports { get; }
}
