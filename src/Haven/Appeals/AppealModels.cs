using Haven.Enforcement;
using Haven.Policy;

namespace Haven.Appeals;

/// <summary>Where an appeal stands (the stored text of <c>appeals.status</c>).</summary>
internal static class AppealStatuses
{
    /// <summary>Waiting for a lead or specialist.</summary>
    public const string Open = "open";

    /// <summary>Decided: the original decision stands.</summary>
    public const string Upheld = "upheld";

    /// <summary>Decided: the original decision was wrong; its actions were reversed.</summary>
    public const string Overturned = "overturned";

    /// <summary>Not admissible (see <see cref="AppealRejections"/>); recorded, never decided.</summary>
    public const string Rejected = "rejected";

    /// <summary>Every status.</summary>
    public static IReadOnlyList<string> All { get; } = [Open, Upheld, Overturned, Rejected];
}

/// <summary>Why an <c>appeal.created</c> event was recorded as rejected (the stored <c>appeals.rejected_code</c>).</summary>
internal static class AppealRejections
{
    /// <summary>No decision has the given <c>decisionId</c>.</summary>
    public const string DecisionNotFound = "decision_not_found";

    /// <summary>No outbox action has the given <c>actionId</c> (or its payload names no decision).</summary>
    public const string ActionNotFound = "action_not_found";

    /// <summary>The appealing account is not the account the decision concerns (the subject, or the author of the content).</summary>
    public const string NotConcerned = "not_concerned";

    /// <summary>The decision was recorded in shadow mode: nothing was done, so there is nothing to appeal.</summary>
    public const string NotEnforced = "not_enforced";

    /// <summary>The decision is itself the reversal of an overturned appeal.</summary>
    public const string NotAppealable = "not_appealable";

    /// <summary>An appeal against this decision was already decided.</summary>
    public const string AlreadyDecided = "already_decided";
}

/// <summary>An appeal's outcome as a lead or specialist decides it.</summary>
internal enum AppealOutcome
{
    /// <summary>The decision stands; the rule gets the label <see cref="RuleLabels.Upheld"/>.</summary>
    Upheld,

    /// <summary>The decision was wrong: label <see cref="RuleLabels.Overturned"/> and reverse actions through the outbox.</summary>
    Overturned,
}

/// <summary>Names of <see cref="AppealOutcome"/>.</summary>
internal static class AppealOutcomes
{
    /// <summary><c>upheld</c> or <c>overturned</c>.</summary>
    public static string Name(this AppealOutcome outcome) => outcome == AppealOutcome.Upheld ? AppealStatuses.Upheld : AppealStatuses.Overturned;

    /// <summary>Parses <c>upheld</c> or <c>overturned</c>; false for anything else.</summary>
    public static bool TryParse(string? text, out AppealOutcome outcome)
    {
        outcome = text == AppealStatuses.Overturned ? AppealOutcome.Overturned : AppealOutcome.Upheld;
        return text is AppealStatuses.Upheld or AppealStatuses.Overturned;
    }
}

/// <summary>One appeal as stored: ids, codes and who, never the appellant's text (that stays in the event log).</summary>
/// <param name="N">Its position, for keyset paging.</param>
/// <param name="EventSeq">The <c>appeal.created</c> event that opened it.</param>
/// <param name="PlatformAppealId">The platform's id for the appeal.</param>
/// <param name="Account">The appealing account.</param>
/// <param name="ContestedDecisionId">The <c>decisionId</c> as the event gave it, or null.</param>
/// <param name="ContestedActionId">The <c>actionId</c> as the event gave it, or null.</param>
/// <param name="DecisionId">The decision the appeal contests, when it exists.</param>
/// <param name="OriginalDecidedBy">Who decided the original decision: a person's name, or <c>policy</c>.</param>
/// <param name="Version">Bumped by every change; <see cref="AppealService.DecideAsync"/> and assignment take the version the person saw.</param>
internal sealed record Appeal(
    long N,
    string AppealId,
    long EventSeq,
    string PlatformAppealId,
    string Account,
    string? ContestedDecisionId,
    string? ContestedActionId,
    string? DecisionId,
    string? RuleId,
    string? SubjectKind,
    string? SubjectId,
    string? Reason,
    string Status,
    string? RejectedCode,
    string OriginalDecidedBy,
    string? AssignedTo,
    string? DecidedBy,
    string? OutcomeReason,
    string? ReversalDecisionId,
    long Version,
    DateTimeOffset OccurredAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? DecidedAt)
{
    /// <summary>True while the appeal can be assigned and decided.</summary>
    public bool IsOpen => Status == AppealStatuses.Open;
}

/// <summary>One <c>appeal.created</c> event recorded against an appeal (the first, and each that joined it while it was open).</summary>
internal sealed record AppealRequestRecord(long EventSeq, string PlatformAppealId, string Account, DateTimeOffset OccurredAt);

/// <summary>An appeal with what a reviewer needs to decide it.</summary>
/// <param name="Decision">The contested decision (rule, actions, evidence), when it exists.</param>
/// <param name="Actions">The outbox rows of the contested decision, every adapter.</param>
/// <param name="CaseId">The open or closed case about the subject, when cases exist.</param>
/// <param name="Requests">Every <c>appeal.created</c> event recorded against it.</param>
/// <param name="Reversal">The reversal decision of an overturned appeal.</param>
/// <param name="ReversalActions">The reverse actions the reversal enqueued.</param>
internal sealed record AppealDetails(
    Appeal Appeal,
    DecisionRecord? Decision,
    IReadOnlyList<OutboxEntry> Actions,
    string? CaseId,
    IReadOnlyList<AppealRequestRecord> Requests,
    DecisionRecord? Reversal,
    IReadOnlyList<OutboxEntry> ReversalActions);

/// <summary>Which appeals to list.</summary>
/// <param name="Status">One of <see cref="AppealStatuses"/>, or null for all.</param>
/// <param name="RuleId">Only appeals against decisions of this rule, or null for all.</param>
/// <param name="After">The <see cref="Appeal.N"/> of the last appeal of the previous page (keyset), or 0.</param>
/// <param name="Limit">Page size, 1–500.</param>
internal sealed record AppealFilter(string? Status = null, string? RuleId = null, long After = 0, int Limit = 50);

/// <summary>One page of appeals, oldest first.</summary>
/// <param name="Next">The <see cref="AppealFilter.After"/> of the next page, or null on the last one.</param>
internal sealed record AppealPage(IReadOnlyList<Appeal> Appeals, long? Next);

/// <summary>Appeals against one rule's decisions and how they ended.</summary>
/// <param name="Appeals">Admissible appeals (rejected ones are not counted).</param>
/// <param name="OverturnRate">Overturned ÷ (upheld + overturned), or null before any was decided.</param>
internal sealed record AppealRate(string RuleId, long Appeals, long Open, long Upheld, long Overturned, double? OverturnRate);

/// <summary>The outcome of <see cref="AppealIntake.RecordAsync"/>.</summary>
/// <param name="Status"><c>open</c> (new), <c>joined</c> (added to an open appeal of the same decision), <c>rejected</c>, or <c>duplicate</c> (the event was recorded before).</param>
/// <param name="RejectedCode">For <c>rejected</c>, one of <see cref="AppealRejections"/>.</param>
internal sealed record AppealIntakeResult(string AppealId, string Status, string? RejectedCode);

/// <summary>What a decided appeal did.</summary>
/// <param name="ReversalDecisionId">For an overturned appeal, the reversal recorded in the decision log.</param>
/// <param name="ReverseActionsEnqueued">Reverse actions written to the outbox (every adapter).</param>
internal sealed record AppealDecided(Appeal Appeal, string? ReversalDecisionId, int ReverseActionsEnqueued);

/// <summary>Expected failures of appeal operations, returned as values; each has a stable code.</summary>
internal abstract record AppealError(string Code, string Message)
{
    /// <inheritdoc />
    public sealed override string ToString() => Message;
}

/// <summary>No appeal has this id.</summary>
internal sealed record AppealNotFound(string AppealId) : AppealError("appeal_not_found", $"No appeal '{AppealId}'.");

/// <summary>The person's role may not do this.</summary>
internal sealed record AppealNotPermitted(string Reason) : AppealError("not_permitted", Reason);

/// <summary>The person decided the original decision, so may neither decide its appeal nor be assigned it.</summary>
internal sealed record AppealConflictOfInterest(string Name) : AppealError("conflict_of_interest", $"'{Name}' decided the appealed decision; another lead or specialist must decide the appeal.");

/// <summary>The appeal is decided or rejected; it changes no more.</summary>
internal sealed record AppealClosed(string AppealId, string Status) : AppealError("appeal_closed", $"Appeal '{AppealId}' is {Status}; it can no longer change.");

/// <summary>The appeal changed since the person read it (a double submission, or someone else acted first).</summary>
internal sealed record AppealVersionConflict(string AppealId, long Expected, long Current) : AppealError("version_conflict", $"Appeal '{AppealId}' is at version {Current}, not {Expected}: it changed since you read it (or this was submitted twice). Read it again.");

/// <summary>The appeal is assigned to someone else.</summary>
internal sealed record AppealAssignedToOther(string AppealId, string AssignedTo) : AppealError("assigned_to_other", $"Appeal '{AppealId}' is assigned to '{AssignedTo}'; only they or a lead may decide it.");

/// <summary>The named person does not exist, is disabled, or may not take appeals.</summary>
internal sealed record AppealAssigneeInvalid(string Name, string Reason) : AppealError("assignee_invalid", $"'{Name}' cannot be assigned: {Reason}.");

/// <summary>An argument is unusable (an empty reason, an unknown status).</summary>
internal sealed record AppealRequestInvalid(string Reason) : AppealError("invalid_request", Reason);
