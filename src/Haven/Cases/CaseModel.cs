namespace Haven.Cases;

/// <summary>What a case is about (the <c>cases.subject_kind</c> column).</summary>
internal static class CaseSubjects
{
    /// <summary>An account on the platform.</summary>
    public const string Account = "account";

    /// <summary>A piece of content (a post, reply, repost or quote).</summary>
    public const string Content = "content";

    /// <summary>A community (forum, group, server).</summary>
    public const string Community = "community";

    /// <summary>A discovered network, named by its discovery run.</summary>
    public const string Network = "network";

    /// <summary>Every kind, in the order commands list them.</summary>
    public static IReadOnlyList<string> All { get; } = [Account, Content, Community, Network];

    /// <summary>True for one of <see cref="All"/>.</summary>
    public static bool IsKnown(string? kind) => kind is Account or Content or Community or Network;
}

/// <summary>The kinds of case events: the append-only log each case is a fold of.</summary>
internal static class CaseEventKinds
{
    /// <summary>The case was opened (by the policy, a report, discovery or a person).</summary>
    public const string Opened = "opened";

    /// <summary>An item of evidence joined the case.</summary>
    public const string ItemAdded = "item_added";

    /// <summary>A person claimed the case: a lock that lapses at <see cref="CaseEventData.Until"/>.</summary>
    public const string Claimed = "claimed";

    /// <summary>The holder gave the case back to the queue.</summary>
    public const string Released = "released";

    /// <summary>A lead assigned the case to <see cref="CaseEventData.Person"/> (no lapse).</summary>
    public const string Assigned = "assigned";

    /// <summary>The holder put the case on hold: kept by them, no lapse.</summary>
    public const string Held = "held";

    /// <summary>The holder asked a lead to look.</summary>
    public const string AskedLead = "asked_lead";

    /// <summary>A person revealed one media item (recorded by the review console).</summary>
    public const string Revealed = "revealed";

    /// <summary>A person confirmed the case: actions recorded as a decision; the case closes.</summary>
    public const string Confirmed = "confirmed";

    /// <summary>A person dismissed the case with a reason; the case closes.</summary>
    public const string Dismissed = "dismissed";

    /// <summary>The case was sent to the specialist queue.</summary>
    public const string Escalated = "escalated";

    /// <summary>A mandatory report (NCMEC, NCA) is wanted for the case.</summary>
    public const string ReportRequested = "report_requested";

    /// <summary>A lead reopened a closed case.</summary>
    public const string Reopened = "reopened";

    /// <summary>A lead closed the case (or it was closed as handled after a confirmation elsewhere).</summary>
    public const string Closed = "closed";

    /// <summary>The decision of the case was sent to a second reviewer.</summary>
    public const string QaRequested = "qa_requested";

    /// <summary>The second reviewer agreed.</summary>
    public const string QaAgreed = "qa_agreed";

    /// <summary>The second reviewer disagreed.</summary>
    public const string QaDisagreed = "qa_disagreed";

    /// <summary>Every kind.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        Opened, ItemAdded, Claimed, Released, Assigned, Held, AskedLead, Revealed, Confirmed, Dismissed, Escalated,
        ReportRequested, Reopened, Closed, QaRequested, QaAgreed, QaDisagreed,
    ];
}

/// <summary>The two queues: cases with media (or escalated) need a child-safety specialist; the rest any reviewer.</summary>
internal static class CaseQueues
{
    /// <summary>Cases without media, for reviewers.</summary>
    public const string Review = "review";

    /// <summary>Cases with media or escalated, for specialists.</summary>
    public const string Specialist = "specialist";

    /// <summary>True for <see cref="Review"/> or <see cref="Specialist"/>.</summary>
    public static bool IsKnown(string? queue) => queue is Review or Specialist;
}

/// <summary>A case is open (in a queue) or closed (decided, dismissed, closed by a lead or as handled).</summary>
internal static class CaseStatuses
{
    /// <summary>In a queue.</summary>
    public const string Open = "open";

    /// <summary>Out of the queues; a lead may reopen it.</summary>
    public const string Closed = "closed";

    /// <summary>True for <see cref="Open"/> or <see cref="Closed"/>.</summary>
    public static bool IsKnown(string? status) => status is Open or Closed;
}

/// <summary>How a closed case ended (<c>cases.outcome</c>).</summary>
internal static class CaseOutcomes
{
    /// <summary>A person confirmed it and chose actions.</summary>
    public const string Confirmed = "confirmed";

    /// <summary>A person dismissed it with a reason.</summary>
    public const string Dismissed = "dismissed";

    /// <summary>A lead closed it without a decision.</summary>
    public const string Closed = "closed";

    /// <summary>Closed because a confirmation on another case of the subject handled it.</summary>
    public const string Handled = "handled";
}

/// <summary>Review priorities, as the policy names them, lowest first.</summary>
internal static class CasePriorities
{
    /// <summary><c>low</c>, <c>normal</c>, <c>high</c>, <c>urgent</c>.</summary>
    public static IReadOnlyList<string> All { get; } = ["low", "normal", "high", "urgent"];

    /// <summary>0 for low … 3 for urgent; -1 for anything else.</summary>
    public static int Rank(string? priority) => priority is null ? -1 : IndexOf(priority);

    /// <summary>The higher of two priorities.</summary>
    public static string Max(string a, string? b) => Rank(b) > Rank(a) ? b! : a;

    /// <summary>True for one of <see cref="All"/>.</summary>
    public static bool IsKnown(string? priority) => Rank(priority) >= 0;

    private static int IndexOf(string priority)
    {
        for (var i = 0; i < All.Count; i++)
        {
            if (string.Equals(All[i], priority, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}

/// <summary>Quality-assurance state of a decided case.</summary>
internal static class QaStates
{
    /// <summary>Waiting for a second reviewer.</summary>
    public const string Requested = "requested";

    /// <summary>The second reviewer agreed.</summary>
    public const string Agreed = "agreed";

    /// <summary>The second reviewer disagreed.</summary>
    public const string Disagreed = "disagreed";
}

/// <summary>
/// The fields of one case event, stored as JSON in <c>case_events.data</c> (absent fields are null). Everything the
/// fold needs is here, so the projection is a function of the log alone: an <c>item_added</c> carries its triage inputs
/// and its due time (computed when it was added, from the settings of that moment).
/// </summary>
internal sealed record CaseEventData
{
    /// <summary><c>opened</c>: the subject's kind.</summary>
    public string? SubjectKind { get; init; }

    /// <summary><c>opened</c>: the subject's id.</summary>
    public string? SubjectId { get; init; }

    /// <summary><c>opened</c>, <c>item_added</c>: the discovered network the subject belongs to.</summary>
    public string? Network { get; init; }

    /// <summary><c>item_added</c>: the item's stable id.</summary>
    public string? Item { get; init; }

    /// <summary><c>opened</c>, <c>item_added</c>: the review priority asked for.</summary>
    public string? Priority { get; init; }

    /// <summary><c>opened</c>, <c>item_added</c>: when the case is due at that priority (Unix ms).</summary>
    public long? Due { get; init; }

    /// <summary><c>item_added</c>: the item is (or matched) media.</summary>
    public bool? Media { get; init; }

    /// <summary><c>item_added</c>: the most severe bank category among its matches (A1, A2, B1, B2 or another).</summary>
    public string? Category { get; init; }

    /// <summary><c>item_added</c>: solicitation language.</summary>
    public bool? Solicitation { get; init; }

    /// <summary><c>item_added</c>: trade-request language.</summary>
    public bool? Trade { get; init; }

    /// <summary><c>item_added</c> of a report: the reporter's account id (kept in the store only, never logged or shown).</summary>
    public string? Reporter { get; init; }

    /// <summary><c>item_added</c>: the subject account's followers when the item was added.</summary>
    public long? Reach { get; init; }

    /// <summary><c>item_added</c>: the rule whose decision the item comes from.</summary>
    public string? Rule { get; init; }

    /// <summary><c>item_added</c>: the decision asks for escalation.</summary>
    public bool? Escalate { get; init; }

    /// <summary><c>item_added</c>: the decision asks for a mandatory report.</summary>
    public bool? ReportWanted { get; init; }

    /// <summary><c>assigned</c>: the person the case is assigned to.</summary>
    public string? Person { get; init; }

    /// <summary><c>claimed</c>: when the claim lapses (Unix ms).</summary>
    public long? Until { get; init; }

    /// <summary><c>dismissed</c>, <c>closed</c>: the reason code.</summary>
    public string? Reason { get; init; }

    /// <summary>A free note by the person (stored, never logged or audited).</summary>
    public string? Note { get; init; }

    /// <summary><c>confirmed</c>: the actions chosen.</summary>
    public IReadOnlyList<string>? Actions { get; init; }

    /// <summary><c>confirmed</c>: the decision recorded in the decision log.</summary>
    public string? Decision { get; init; }
}

/// <summary>One case event as stored: the case, its position in the case's log (1, 2, …), kind, actor, time and data.</summary>
internal sealed record CaseEvent(long CaseId, long N, string Kind, string Actor, long At, CaseEventData Data);

/// <summary>One item of evidence in a case: a stable id, its kind, the rule it came from and its structured JSON body.</summary>
internal sealed record CaseItem(string ItemId, string Kind, string? RuleId, string Body, DateTimeOffset AddedAt);

/// <summary>Kinds of case items.</summary>
internal static class CaseItemKinds
{
    /// <summary>A decision of the policy (rule, actions, evidence as recorded).</summary>
    public const string Decision = "decision";

    /// <summary>A bank match of a media item.</summary>
    public const string MediaMatch = "media_match";

    /// <summary>Lexicon hits of a text.</summary>
    public const string Text = "text";

    /// <summary>A counter and the threshold it reached.</summary>
    public const string Counter = "counter";

    /// <summary>A user report (reason only).</summary>
    public const string Report = "report";

    /// <summary>Discovery: network, rank, hops and roles.</summary>
    public const string Discovery = "discovery";

    /// <summary>A note by the person who opened the case by hand.</summary>
    public const string Note = "note";
}

/// <summary>A case as the queue and the case page show it (the projection; reporter ids are never in it, only their count).</summary>
internal sealed record CaseView(
    long CaseId,
    string SubjectKind,
    string SubjectId,
    string? NetworkId,
    string Status,
    string? Outcome,
    string Queue,
    string Priority,
    long Score,
    DateTimeOffset DueAt,
    string? Assignee,
    DateTimeOffset? ClaimUntil,
    bool Held,
    bool AskedLead,
    bool ReportWanted,
    long Items,
    long Reporters,
    string? QaState,
    string? DecidedBy,
    DateTimeOffset OpenedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? ClosedAt,
    long LastEventN)
{
    /// <summary>The person holding the case at <paramref name="now"/>: an assignment or hold, or a claim not yet lapsed.</summary>
    public string? HolderAt(DateTimeOffset now) => Assignee is null ? null : ClaimUntil is null || ClaimUntil > now ? Assignee : null;
}

/// <summary>A case with its items and its event log, for the case page.</summary>
internal sealed record CaseDetail(CaseView Case, IReadOnlyList<CaseItem> Items, IReadOnlyList<CaseEvent> Events);

/// <summary>Filters of the queue listing; null means any.</summary>
internal sealed record CaseQuery
{
    /// <summary><c>review</c> or <c>specialist</c>.</summary>
    public string? Queue { get; init; }

    /// <summary><c>open</c> (default) or <c>closed</c>.</summary>
    public string? Status { get; init; } = CaseStatuses.Open;

    /// <summary>Cases assigned to (or claimed by) this person.</summary>
    public string? Assignee { get; init; }

    /// <summary>Cases about this kind of subject.</summary>
    public string? SubjectKind { get; init; }

    /// <summary>Cases with an item from this rule.</summary>
    public string? Rule { get; init; }

    /// <summary>Cases of this discovered network.</summary>
    public string? Network { get; init; }

    /// <summary>Cases in this second-review state (<see cref="QaStates"/>); the QA listing is <c>Status = closed, QaState = requested</c>.</summary>
    public string? QaState { get; init; }

    /// <summary>Page size, 1–500.</summary>
    public int Limit { get; init; } = 50;

    /// <summary>The cursor of the previous page (<see cref="CasePage.Next"/>), or null for the first page.</summary>
    public string? After { get; init; }
}

/// <summary>One page of the queue and the cursor of the next (null on the last page).</summary>
internal sealed record CasePage(IReadOnlyList<CaseView> Cases, string? Next);
