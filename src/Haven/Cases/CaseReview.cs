namespace Haven.Cases;

/// <summary>A platform action a reviewer may choose for a case, and the platform object it applies to (<c>content:p-1</c>, <c>account:a-1</c>, <c>community:c-1</c>).</summary>
internal sealed record CaseActionChoice(string Action, string Target);

/// <summary>What a reviewer sends to confirm a case.</summary>
/// <param name="Actions">Platform actions chosen among <see cref="CaseService.AllowedActionsAsync"/> (each applies to every target offered for it); may be empty.</param>
/// <param name="Category">The bank category of the case's media (A1, A2, B1, B2): required when the case has media; the media go into the <c>confirmed</c> bank.</param>
/// <param name="Note">A free note (stored in the case log, never logged or audited).</param>
/// <param name="CloseRelated">Also close the subject account's other open cases (its account case and its content's cases) as handled.</param>
internal sealed record CaseConfirmRequest(IReadOnlyList<string> Actions, string? Category = null, string? Note = null, bool CloseRelated = false);

/// <summary>The result of a confirmation: the closed case, the decision recorded, what was enqueued and banked, and the cases closed as handled.</summary>
internal sealed record CaseConfirmation(CaseView Case, string DecisionId, IReadOnlyList<CaseActionChoice> Actions, int Enqueued, long Banked, IReadOnlyList<long> ClosedAsHandled);

/// <summary>Second-review agreement of one reviewer or one rule.</summary>
internal sealed record QaRate(string Key, long Agreed, long Disagreed)
{
    /// <summary>Agreed among answered second reviews, or null when none was answered.</summary>
    public double? Rate => Agreed + Disagreed == 0 ? null : (double)Agreed / (Agreed + Disagreed);
}

/// <summary>Second-review agreement per reviewer (the person who decided) and per rule of the case's decisions, and the reviews still waiting.</summary>
internal sealed record CaseQuality(IReadOnlyList<QaRate> Reviewers, IReadOnlyList<QaRate> Rules, long Waiting);

/// <summary>A reporter whose reports were dismissed often (the id is shown to leads only, never logged or audited).</summary>
internal sealed record ReporterStanding(string Reporter, long DismissedReports, bool Muted);

/// <summary>The bank categories a reviewer gives confirmed media (NCMEC classes).</summary>
internal static class CaseCategories
{
    /// <summary>A1, A2, B1, B2.</summary>
    public static IReadOnlyList<string> All { get; } = ["A1", "A2", "B1", "B2"];

    /// <summary>True for one of <see cref="All"/>.</summary>
    public static bool IsKnown(string? category) => category is "A1" or "A2" or "B1" or "B2";
}

/// <summary>
/// One decision as the API and the CLI send it: <c>confirm</c> (with actions, a category for media, and whether to
/// close related cases), <c>dismiss</c> (with a reason) or <c>escalate</c>; an optional note and the version the
/// decision was made from.
/// </summary>
internal sealed record CaseDecisionRequest(
    string Decision, IReadOnlyList<string>? Actions = null, string? Category = null, string? Reason = null, string? Note = null, long? ExpectedN = null, bool CloseRelated = false)
{
    /// <summary>The decisions a request may name.</summary>
    public static IReadOnlyList<string> Kinds { get; } = ["confirm", "dismiss", "escalate"];
}
