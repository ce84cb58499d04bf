using System.Globalization;
using System.Text.Json;
using Haven.Cases;

namespace Haven.Server.Console;

/// <summary>One queue row: what a reviewer needs to pick a case, never its media (no thumbnails in the queue).</summary>
/// <param name="CaseId">The case id.</param>
/// <param name="Subject">Kind and id of the subject (<c>account a-1</c>).</param>
/// <param name="Queue">review or specialist.</param>
/// <param name="Priority">low, normal, high or urgent.</param>
/// <param name="Due">The due clock as words ("due in 42 min", "3 h overdue").</param>
/// <param name="Overdue">True once past due.</param>
/// <param name="Items">Items of evidence.</param>
/// <param name="Reporters">Distinct reporters.</param>
/// <param name="Holder">Who holds it now (claim, assignment, hold), or null.</param>
/// <param name="Flags">Short notes: held, asked a lead, mandatory report wanted, QA.</param>
/// <param name="Status">open or closed (with the outcome).</param>
public sealed record QueueRow(long CaseId, string Subject, string Queue, string Priority, string Due, bool Overdue, long Items, long Reporters, string? Holder, IReadOnlyList<string> Flags, string Status);

/// <summary>The queue page's model.</summary>
/// <param name="Rows">The page of cases.</param>
/// <param name="Queue">The queue shown (null: all).</param>
/// <param name="Queues">Queues this person may pick from.</param>
/// <param name="Network">The network filter, if any.</param>
/// <param name="Next">Cursor of the next page, or null.</param>
/// <param name="MayWork">The person may claim cases ("Next case").</param>
/// <param name="Notice">A message from the last action, if any.</param>
public sealed record QueueModel(IReadOnlyList<QueueRow> Rows, string? Queue, IReadOnlyList<string> Queues, string? Network, string? Next, bool MayWork, string? Notice);

/// <summary>One item of evidence as the case page shows it: a heading and label/value lines.</summary>
/// <param name="Id">Stable item id.</param>
/// <param name="Kind">decision, media_match, text, counter, report, discovery, note.</param>
/// <param name="Title">Heading line.</param>
/// <param name="Lines">Label and value pairs.</param>
/// <param name="AddedAt">When it joined the case.</param>
public sealed record EvidenceView(string Id, string Kind, string Title, IReadOnlyList<KeyValuePair<string, string>> Lines, string AddedAt);

/// <summary>One entry of the case timeline.</summary>
/// <param name="N">Position in the case log.</param>
/// <param name="At">When.</param>
/// <param name="Who">Who (a person's name, <c>system</c>, or a key).</param>
/// <param name="What">What happened, in words.</param>
public sealed record TimelineView(long N, string At, string Who, string What);

/// <summary>One action a form on the case page can take.</summary>
/// <param name="Path">The form's action path under the case.</param>
/// <param name="Label">Button text.</param>
/// <param name="Key">Keyboard shortcut, or null.</param>
/// <param name="Style">Button style: primary, secondary or danger.</param>
public sealed record CaseAction(string Path, string Label, string? Key, string Style);

/// <summary>The case page's model (media, confirmation choices and the network picture are added by their own parts).</summary>
public sealed record CaseModel
{
    /// <summary>The case id.</summary>
    public required long CaseId { get; init; }

    /// <summary>Kind and id of the subject.</summary>
    public required string Subject { get; init; }

    /// <summary>open or closed (outcome).</summary>
    public required string Status { get; init; }

    /// <summary>True while open.</summary>
    public required bool IsOpen { get; init; }

    /// <summary>review or specialist.</summary>
    public required string Queue { get; init; }

    /// <summary>Priority.</summary>
    public required string Priority { get; init; }

    /// <summary>Due clock in words.</summary>
    public required string Due { get; init; }

    /// <summary>Past due.</summary>
    public required bool Overdue { get; init; }

    /// <summary>Who holds it, and until when, or null.</summary>
    public string? Holder { get; init; }

    /// <summary>Other people who had this case open in the last minutes.</summary>
    public IReadOnlyList<string> AlsoViewing { get; init; } = [];

    /// <summary>Notes: held, asked a lead, report wanted, QA state, decided by.</summary>
    public IReadOnlyList<string> Flags { get; init; } = [];

    /// <summary>The discovered network, if any.</summary>
    public string? Network { get; init; }

    /// <summary>Distinct reporters.</summary>
    public long Reporters { get; init; }

    /// <summary>The case log position the page was rendered at (forms send it back).</summary>
    public required long LastEventN { get; init; }

    /// <summary>Evidence items.</summary>
    public IReadOnlyList<EvidenceView> Evidence { get; init; } = [];

    /// <summary>The case log, oldest first.</summary>
    public IReadOnlyList<TimelineView> Timeline { get; init; } = [];

    /// <summary>Simple actions (one button each) open to this person now.</summary>
    public IReadOnlyList<CaseAction> Actions { get; init; } = [];

    /// <summary>The person may dismiss (a form with a reason).</summary>
    public bool MayDismiss { get; init; }

    /// <summary>Dismissal reasons.</summary>
    public IReadOnlyList<string> DismissReasons { get; init; } = [];

    /// <summary>The person may assign (a lead).</summary>
    public bool MayAssign { get; init; }

    /// <summary>Other open or recent cases of the same account.</summary>
    public IReadOnlyList<QueueRow> OtherCases { get; init; } = [];

    /// <summary>The texts of the subject (its post, or an account's flagged posts), lexicon hits marked.</summary>
    public IReadOnlyList<TextView> Texts { get; init; } = [];

    /// <summary>Platform actions the person may choose when confirming ("action → target"), empty when they may not confirm.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ConfirmChoices { get; init; } = [];

    /// <summary>The person may confirm this case now.</summary>
    public bool MayConfirm { get; init; }

    /// <summary>The case has media: confirming needs a category (A1, A2, B1, B2) and puts the media in the confirmed bank.</summary>
    public bool NeedsCategory { get; init; }

    /// <summary>The case's media items (previews only; bytes never).</summary>
    public IReadOnlyList<MediaView> Media { get; init; } = [];

    /// <summary>The person may reveal media (specialist and above, open case).</summary>
    public bool MayReveal { get; init; }

    /// <summary>The person's role sees media previews at all (a viewer sees none).</summary>
    public bool MaySeeMedia { get; init; }

    /// <summary>A message from the last action.</summary>
    public string? Notice { get; init; }

    /// <summary>Why the last action was refused.</summary>
    public string? Error { get; init; }
}

/// <summary>Turns cases into view models.</summary>
internal static class CaseViews
{
    /// <summary>A due clock: "due in 42 min", "due in 3 h", "2 h overdue".</summary>
    public static (string Text, bool Overdue) Clock(DateTimeOffset due, DateTimeOffset now)
    {
        var left = due - now;
        var span = left.Duration();
        var words = span.TotalMinutes < 90 ? $"{Math.Max(1, (int)span.TotalMinutes)} min" : span.TotalHours < 48 ? $"{(int)span.TotalHours} h" : $"{(int)span.TotalDays} d";
        return left >= TimeSpan.Zero ? ("due in " + words, false) : (words + " overdue", true);
    }

    /// <summary>The queue row of <paramref name="view"/> at <paramref name="now"/>.</summary>
    public static QueueRow Row(CaseView view, DateTimeOffset now)
    {
        var (due, overdue) = Clock(view.DueAt, now);
        return new QueueRow(
            view.CaseId,
            $"{view.SubjectKind} {view.SubjectId}",
            view.Queue,
            view.Priority,
            view.Status == CaseStatuses.Open ? due : "-",
            view.Status == CaseStatuses.Open && overdue,
            view.Items,
            view.Reporters,
            view.HolderAt(now),
            Flags(view),
            view.Status == CaseStatuses.Open ? "open" : $"closed ({view.Outcome ?? "closed"})");
    }

    /// <summary>Short notes about a case.</summary>
    public static IReadOnlyList<string> Flags(CaseView view)
    {
        var flags = new List<string>();
        if (view.Held)
        {
            flags.Add("held");
        }

        if (view.AskedLead)
        {
            flags.Add("asked a lead");
        }

        if (view.ReportWanted)
        {
            flags.Add("mandatory report wanted");
        }

        if (view.QaState is { } qa)
        {
            flags.Add("QA " + qa);
        }

        if (view.DecidedBy is { } by)
        {
            flags.Add("decided by " + by);
        }

        return flags;
    }

    /// <summary>An evidence item in words. Bodies hold ids, rules, categories, distances and lexicon hits, never media.</summary>
    public static EvidenceView Evidence(CaseItem item)
    {
        using var body = JsonDocument.Parse(item.Body);
        var root = body.RootElement;
        var lines = new List<KeyValuePair<string, string>>();
        void Line(string label, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                lines.Add(new(label, value));
            }
        }

        string? Text(string name) => root.TryGetProperty(name, out var v) && v.ValueKind is not JsonValueKind.Null and not JsonValueKind.Undefined
            ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText()
            : null;

        string title;
        switch (item.Kind)
        {
            case CaseItemKinds.Decision:
                title = "Policy decision: " + (Text("rule") ?? item.RuleId ?? "?");
                Line("subject", Text("subject"));
                if (root.TryGetProperty("actions", out var actions) && actions.ValueKind == JsonValueKind.Array)
                {
                    Line("actions", string.Join(", ", actions.EnumerateArray().Select(a => $"{Prop(a, "action")} → {Prop(a, "target")}")));
                }

                Line("policy version", Text("policyVersion"));
                break;
            case CaseItemKinds.MediaMatch:
                title = $"Bank match: {Text("bank")} ({Text("category") ?? "no category"})";
                Line("post", Text("post"));
                Line("signal", Text("signalType"));
                Line("distance", Text("distance"));
                break;
            case CaseItemKinds.Text:
                title = "Language: lexicon hits";
                if (root.TryGetProperty("hits", out var hits) && hits.ValueKind == JsonValueKind.Array)
                {
                    foreach (var hit in hits.EnumerateArray())
                    {
                        Line(Prop(hit, "category") ?? "hit", $"lexicon entry {Prop(hit, "entryId")} (weight {Prop(hit, "weight")})");
                    }
                }

                Line("total weight", Text("totalWeight"));
                break;
            case CaseItemKinds.Counter:
                title = $"Counter: {Text("name")} = {Text("value")}";
                Line("threshold", Text("atLeast"));
                break;
            case CaseItemKinds.Report:
                title = "User report: " + (Text("reason") ?? "?");
                break;
            case CaseItemKinds.Discovery:
                title = "Network discovery";
                Line("network", Text("network"));
                Line("account", Text("account"));
                if (root.TryGetProperty("counters", out var counters) && counters.ValueKind == JsonValueKind.Object)
                {
                    foreach (var c in counters.EnumerateObject())
                    {
                        Line(c.Name, c.Value.GetRawText());
                    }
                }

                break;
            default:
                title = item.Kind;
                Line("note", Text("note"));
                break;
        }

        Line("rule", item.RuleId);
        return new EvidenceView(item.ItemId, item.Kind, title, lines, item.AddedAt.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture));
    }

    /// <summary>A case event in words.</summary>
    public static TimelineView Timeline(CaseEvent e)
    {
        var d = e.Data;
        var what = e.Kind switch
        {
            CaseEventKinds.ItemAdded => "evidence added" + (d.Rule is null ? string.Empty : $" ({d.Rule})"),
            _ => e.Kind.Replace('_', ' '),
        };
        if (d.Reason is { } reason)
        {
            what += ": " + reason;
        }

        if (d.Person is { } person)
        {
            what += " → " + person;
        }

        return new TimelineView(e.N, DateTimeOffset.FromUnixTimeMilliseconds(e.At).ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture), CaseFold.Person(e.Actor), what);
    }

    private static string? Prop(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null
            ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText()
            : null;
}
