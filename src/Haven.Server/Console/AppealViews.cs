using System.Globalization;
using System.Text.Json;
using Haven.Appeals;
using Haven.Enforcement;
using Haven.Policy;

namespace Haven.Server.Console;

/// <summary>One appeal in the list: the contested decision's rule and actions, who decided it, and how long it waits.</summary>
/// <param name="AppealId">The appeal id (<c>ap-SEQ</c>).</param>
/// <param name="Status">open, upheld, overturned or rejected (with its code).</param>
/// <param name="Rule">The contested decision's rule, or "-".</param>
/// <param name="Subject">Kind and id of the decision's subject.</param>
/// <param name="Account">The appealing account.</param>
/// <param name="Actions">The decision's actions in words, or "-" when the decision is not known.</param>
/// <param name="DecidedBy">"policy" or "person NAME".</param>
/// <param name="AssignedTo">Who the appeal is assigned to, or null.</param>
/// <param name="Age">How long since it was received ("3 h").</param>
public sealed record AppealRowView(string AppealId, string Status, string Rule, string Subject, string Account, string Actions, string DecidedBy, string? AssignedTo, string Age);

/// <summary>Appeals against one rule's decisions and how they ended.</summary>
/// <param name="Rule">The rule.</param>
/// <param name="Appeals">Admissible appeals.</param>
/// <param name="Open">Still open.</param>
/// <param name="Upheld">Decided, the decision stands.</param>
/// <param name="Overturned">Decided, the decision was reversed.</param>
/// <param name="OverturnRate">Overturned ÷ decided as a percentage, or "-" before any was decided.</param>
public sealed record AppealRateView(string Rule, long Appeals, long Open, long Upheld, long Overturned, string OverturnRate);

/// <summary>The appeals page's model.</summary>
/// <param name="Rows">This page of appeals, oldest first.</param>
/// <param name="Status">The status filter (null: every status).</param>
/// <param name="Rule">The rule filter, or null.</param>
/// <param name="Statuses">Statuses to filter by.</param>
/// <param name="NextPage">The query of the next page, or null on the last.</param>
/// <param name="Rates">Overturn rate per rule.</param>
/// <param name="Error">Why the list could not be shown, if so.</param>
public sealed record AppealsModel(IReadOnlyList<AppealRowView> Rows, string? Status, string? Rule, IReadOnlyList<string> Statuses, string? NextPage, IReadOnlyList<AppealRateView> Rates, string? Error);

/// <summary>A decision as the appeal page shows it: rule, actions and evidence in words (no media).</summary>
/// <param name="DecisionId">The decision id.</param>
/// <param name="Rule">Its rule.</param>
/// <param name="Mode">enforce or shadow.</param>
/// <param name="PolicyVersion">The policy version that decided.</param>
/// <param name="DecidedBy">"policy" or "person NAME".</param>
/// <param name="DecidedAt">When.</param>
/// <param name="Actions">Each action: what, on which target.</param>
/// <param name="Evidence">Each piece of evidence in one line (bank, category, distance; lexicon categories; counters; report reasons).</param>
public sealed record DecisionView(string DecisionId, string Rule, string Mode, string PolicyVersion, string DecidedBy, string DecidedAt, IReadOnlyList<string> Actions, IReadOnlyList<string> Evidence);

/// <summary>One outbox row: a platform action and how its delivery stands.</summary>
/// <param name="ActionId">The action id the platform sees.</param>
/// <param name="Adapter">webhook or mastodon.</param>
/// <param name="Kind">The action (e.g. <c>suspend_account</c>, <c>unsuspend_account</c>).</param>
/// <param name="State">pending, delivered or dead.</param>
/// <param name="Attempts">Delivery attempts so far.</param>
/// <param name="CreatedAt">When it was enqueued.</param>
public sealed record OutboxView(string ActionId, string Adapter, string Kind, string State, int Attempts, string CreatedAt);

/// <summary>One <c>appeal.created</c> event recorded against the appeal (ids and time; the appellant's text stays in the event log).</summary>
/// <param name="PlatformAppealId">The platform's id for it.</param>
/// <param name="Account">The appealing account.</param>
/// <param name="At">When it was made.</param>
public sealed record AppealRequestView(string PlatformAppealId, string Account, string At);

/// <summary>The appeal page's model.</summary>
public sealed record AppealModel
{
    /// <summary>The appeal id.</summary>
    public required string AppealId { get; init; }

    /// <summary>open, upheld, overturned, or rejected (code).</summary>
    public required string Status { get; init; }

    /// <summary>True while it can be assigned and decided.</summary>
    public required bool IsOpen { get; init; }

    /// <summary>The appealing account.</summary>
    public required string Account { get; init; }

    /// <summary>The platform's reason code for the appeal, or null.</summary>
    public string? Reason { get; init; }

    /// <summary>The rule of the contested decision, or "-".</summary>
    public required string Rule { get; init; }

    /// <summary>Kind and id of the contested decision's subject.</summary>
    public required string Subject { get; init; }

    /// <summary>Who decided the original: "policy" or "person NAME".</summary>
    public required string OriginalDecidedBy { get; init; }

    /// <summary>Who it is assigned to, or null.</summary>
    public string? AssignedTo { get; init; }

    /// <summary>Who decided the appeal, or null while open.</summary>
    public string? DecidedBy { get; init; }

    /// <summary>The reviewer's reason for the outcome, or null.</summary>
    public string? OutcomeReason { get; init; }

    /// <summary>When it was received and how long ago.</summary>
    public required string Received { get; init; }

    /// <summary>The version the forms send back (a stale page or a second submission changes nothing).</summary>
    public required long Version { get; init; }

    /// <summary>The contested decision, when it exists.</summary>
    public DecisionView? Decision { get; init; }

    /// <summary>The contested decision's platform actions.</summary>
    public IReadOnlyList<OutboxView> Actions { get; init; } = [];

    /// <summary>Every request that opened or joined the appeal.</summary>
    public IReadOnlyList<AppealRequestView> Requests { get; init; } = [];

    /// <summary>The reversal of an overturned appeal.</summary>
    public DecisionView? Reversal { get; init; }

    /// <summary>The reverse actions the reversal enqueued.</summary>
    public IReadOnlyList<OutboxView> ReversalActions { get; init; } = [];

    /// <summary>The person may assign it (a lead, while open).</summary>
    public bool MayAssign { get; init; }

    /// <summary>The person may decide it (specialist or above, while open, and not the original's decider).</summary>
    public bool MayDecide { get; init; }

    /// <summary>Why this person cannot decide although their role could, or null.</summary>
    public string? CannotDecide { get; init; }

    /// <summary>A message from the last action.</summary>
    public string? Notice { get; init; }

    /// <summary>Why the last action was refused.</summary>
    public string? Error { get; init; }
}

/// <summary>Turns appeals into view models.</summary>
internal static class AppealViews
{
    private static readonly JsonSerializerOptions EvidenceJson = new(JsonSerializerDefaults.Web);

    /// <summary>"policy" or "person NAME" for an appeal's <see cref="Appeal.OriginalDecidedBy"/> (a name or <c>policy</c>).</summary>
    public static string Decider(string decidedBy) => decidedBy == AppealService.PolicyDecider ? "policy" : "person " + decidedBy;

    /// <summary>A status with its rejection code.</summary>
    public static string Status(Appeal appeal) => appeal.RejectedCode is { } code ? $"{appeal.Status} ({code.Replace('_', ' ')})" : appeal.Status;

    /// <summary>How long ago: "12 min", "3 h", "2 d".</summary>
    public static string Age(DateTimeOffset since, DateTimeOffset now)
    {
        var span = (now - since).Duration();
        return span.TotalMinutes < 90 ? $"{Math.Max(0, (int)span.TotalMinutes)} min" : span.TotalHours < 48 ? $"{(int)span.TotalHours} h" : $"{(int)span.TotalDays} d";
    }

    /// <summary>A share as a whole percentage, or "-".</summary>
    public static string Percent(double? share) => share is { } value ? value.ToString("P0", CultureInfo.InvariantCulture) : "-";

    /// <summary>A time as the console writes it.</summary>
    public static string Time(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>The list row of <paramref name="appeal"/> (with its decision, when known) at <paramref name="now"/>.</summary>
    public static AppealRowView Row(Appeal appeal, DecisionRecord? decision, DateTimeOffset now) => new(
        appeal.AppealId,
        Status(appeal),
        appeal.RuleId ?? "-",
        Subject(appeal),
        appeal.Account,
        decision is null ? "-" : string.Join(", ", decision.Actions.Select(ActionText)),
        Decider(appeal.OriginalDecidedBy),
        appeal.AssignedTo,
        Age(appeal.CreatedAt, now));

    /// <summary>The rate row of <paramref name="rate"/>.</summary>
    public static AppealRateView Rate(AppealRate rate) => new(rate.RuleId, rate.Appeals, rate.Open, rate.Upheld, rate.Overturned, Percent(rate.OverturnRate));

    /// <summary>The subject of an appeal's decision.</summary>
    public static string Subject(Appeal appeal) => appeal.SubjectKind is null ? "-" : $"{appeal.SubjectKind} {appeal.SubjectId}";

    /// <summary>A decision in words; its evidence as the policy recorded it, one line per leaf that held (no media, no hashes).</summary>
    public static DecisionView Decision(DecisionRecord decision, bool withEvidence) => new(
        decision.DecisionId,
        decision.RuleId,
        decision.Mode,
        decision.PolicyVersion,
        decision.DecidedBy is { } by ? by.Replace("person:", "person ", StringComparison.Ordinal) : "policy",
        Time(decision.DecidedAt),
        [.. decision.Actions.Select(ActionText)],
        withEvidence ? EvidenceLines(decision.EvidenceJson) : []);

    /// <summary>An outbox row in words.</summary>
    public static OutboxView Outbox(OutboxEntry entry) =>
        new(entry.ActionId, entry.Adapter, entry.Kind, entry.State.ToString().ToLowerInvariant(), entry.Attempts, Time(entry.CreatedAt));

    private static string ActionText(DecidedAction action) => $"{action.Action.Replace('_', ' ')} → {action.Target}";

    private static List<string> EvidenceLines(string json)
    {
        try
        {
            var evidence = JsonSerializer.Deserialize<List<PolicyEvidence>>(json, EvidenceJson) ?? [];
            return [.. evidence.Select(e => e.Summary)];
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            return ["The recorded evidence is in a form this page cannot show; see haven decisions."];
        }
    }
}
