using System.Text.Json.Serialization;

namespace Haven.Cases;

/// <summary>
/// Everything the fold keeps about a case between events. Stored as JSON in <c>cases.state</c> (so the next event
/// folds onto it without re-reading the log); the columns of <c>cases</c> are derived from it by
/// <see cref="CaseFold.View"/>. Reporter ids are kept here, in the store only, to count distinct reporters.
/// </summary>
internal sealed record CaseState
{
    /// <summary>The case id.</summary>
    public long CaseId { get; init; }

    /// <summary>See <see cref="CaseSubjects"/>.</summary>
    public string SubjectKind { get; init; } = string.Empty;

    /// <summary>The platform's id of the subject (or the network's id).</summary>
    public string SubjectId { get; init; } = string.Empty;

    /// <summary>The discovered network of the subject, if any.</summary>
    public string? Network { get; init; }

    /// <summary>See <see cref="CaseStatuses"/>.</summary>
    public string Status { get; init; } = CaseStatuses.Open;

    /// <summary>See <see cref="CaseOutcomes"/>; null while open.</summary>
    public string? Outcome { get; init; }

    /// <summary>The highest priority asked for.</summary>
    public string Priority { get; init; } = "normal";

    /// <summary>The earliest due time asked for (Unix ms).</summary>
    public long Due { get; init; }

    /// <summary>Escalated to specialists.</summary>
    public bool Escalated { get; init; }

    /// <summary>Any media item or bank match.</summary>
    public bool HasMedia { get; init; }

    /// <summary>The most severe bank category seen.</summary>
    public string? Category { get; init; }

    /// <summary>Any solicitation language.</summary>
    public bool Solicitation { get; init; }

    /// <summary>Any trade-request language.</summary>
    public bool Trade { get; init; }

    /// <summary>The highest reach seen.</summary>
    public long Reach { get; init; }

    /// <summary>Distinct reporter ids, sorted (ordinal).</summary>
    public IReadOnlyList<string> Reporters { get; init; } = [];

    /// <summary>Rules whose decisions are items of the case, sorted (ordinal).</summary>
    public IReadOnlyList<string> Rules { get; init; } = [];

    /// <summary>Items added.</summary>
    public long Items { get; init; }

    /// <summary>The person holding the case (claim, hold or assignment), or null.</summary>
    public string? Assignee { get; init; }

    /// <summary>When a claim lapses (Unix ms); null for an assignment or a hold, which do not lapse.</summary>
    public long? ClaimUntil { get; init; }

    /// <summary>On hold.</summary>
    public bool Held { get; init; }

    /// <summary>A lead was asked to look.</summary>
    public bool AskedLead { get; init; }

    /// <summary>A mandatory report is wanted.</summary>
    public bool ReportWanted { get; init; }

    /// <summary>Media reveals recorded.</summary>
    public long Reveals { get; init; }

    /// <summary>See <see cref="QaStates"/>.</summary>
    public string? QaState { get; init; }

    /// <summary>The person whose confirmation or dismissal closed the case.</summary>
    public string? DecidedBy { get; init; }

    /// <summary>When the case was opened (Unix ms).</summary>
    public long OpenedAt { get; init; }

    /// <summary>The time of the last event (Unix ms).</summary>
    public long UpdatedAt { get; init; }

    /// <summary>When the case was closed (Unix ms), or null while open.</summary>
    public long? ClosedAt { get; init; }

    /// <summary>The position of the last event folded.</summary>
    public long LastEventN { get; init; }

    /// <summary>The queue the case belongs in: media or escalated cases need a specialist.</summary>
    [JsonIgnore]
    public string Queue => Escalated || HasMedia ? CaseQueues.Specialist : CaseQueues.Review;

    /// <summary>The triage score (<see cref="TriageScore"/>).</summary>
    [JsonIgnore]
    public long Score => TriageScore.Compute(new TriageInputs(Priority, Category, HasMedia, Solicitation, Trade, Reporters.Count, Reach));
}

/// <summary>
/// The case fold: the state of a case is a pure function of its events in log order, as a subject's status is of its
/// decisions (Policy/StatusFold). Used to update the projection as events are appended and to recompute every case
/// from the log (<see cref="CaseService.ProjectFromLogAsync"/>).
/// </summary>
internal static class CaseFold
{
    /// <summary>Folds a whole log (which must start with <c>opened</c>).</summary>
    public static CaseState Fold(IEnumerable<CaseEvent> events)
    {
        CaseState? state = null;
        foreach (var e in events)
        {
            state = Apply(state, e);
        }

        return state ?? throw new ArgumentException("A case log is never empty.", nameof(events));
    }

    /// <summary>The state after <paramref name="e"/>; <paramref name="before"/> is null only for <c>opened</c>.</summary>
    public static CaseState Apply(CaseState? before, CaseEvent e)
    {
        var d = e.Data;
        if (before is null)
        {
            if (e.Kind != CaseEventKinds.Opened)
            {
                throw new InvalidOperationException($"Case {e.CaseId} starts with '{e.Kind}', not 'opened'.");
            }

            return new CaseState
            {
                CaseId = e.CaseId,
                SubjectKind = d.SubjectKind ?? string.Empty,
                SubjectId = d.SubjectId ?? string.Empty,
                Network = d.Network,
                Priority = CasePriorities.IsKnown(d.Priority) ? d.Priority! : "normal",
                Due = d.Due ?? e.At,
                OpenedAt = e.At,
                UpdatedAt = e.At,
                LastEventN = e.N,
            };
        }

        var s = before with { UpdatedAt = e.At, LastEventN = e.N };
        return e.Kind switch
        {
            CaseEventKinds.ItemAdded => s with
            {
                Items = s.Items + 1,
                Network = s.Network ?? d.Network,
                Priority = CasePriorities.Max(s.Priority, d.Priority),
                Due = d.Due is { } due ? Math.Min(s.Due, due) : s.Due,
                HasMedia = s.HasMedia || d.Media == true || d.Category is not null,
                Category = TriageScore.MoreSevere(s.Category, d.Category),
                Solicitation = s.Solicitation || d.Solicitation == true,
                Trade = s.Trade || d.Trade == true,
                Reach = Math.Max(s.Reach, d.Reach ?? 0),
                Reporters = Insert(s.Reporters, d.Reporter),
                Rules = Insert(s.Rules, d.Rule),
                Escalated = s.Escalated || d.Escalate == true,
                ReportWanted = s.ReportWanted || d.ReportWanted == true,
            },
            CaseEventKinds.Claimed => s with { Assignee = Person(e.Actor), ClaimUntil = d.Until, Held = false },
            CaseEventKinds.Released => s with { Assignee = null, ClaimUntil = null, Held = false },
            CaseEventKinds.Assigned => s with { Assignee = d.Person, ClaimUntil = null, Held = false, AskedLead = false },
            CaseEventKinds.Held => s with { Assignee = Person(e.Actor), ClaimUntil = null, Held = true },
            CaseEventKinds.AskedLead => s with { AskedLead = true },
            CaseEventKinds.Revealed => s with { Reveals = s.Reveals + 1 },
            CaseEventKinds.Confirmed => Close(s, CaseOutcomes.Confirmed, e) with { DecidedBy = Person(e.Actor) },
            CaseEventKinds.Dismissed => Close(s, CaseOutcomes.Dismissed, e) with { DecidedBy = Person(e.Actor) },
            CaseEventKinds.Escalated => s with { Escalated = true, Assignee = null, ClaimUntil = null, Held = false },
            CaseEventKinds.ReportRequested => s with { ReportWanted = true },
            CaseEventKinds.Reopened => s with { Status = CaseStatuses.Open, Outcome = null, ClosedAt = null, DecidedBy = null },
            CaseEventKinds.Closed => Close(s, d.Reason == CaseOutcomes.Handled ? CaseOutcomes.Handled : CaseOutcomes.Closed, e),
            CaseEventKinds.QaRequested => s with { QaState = QaStates.Requested },
            CaseEventKinds.QaAgreed => s with { QaState = QaStates.Agreed },
            CaseEventKinds.QaDisagreed => s with { QaState = QaStates.Disagreed },
            CaseEventKinds.Opened => throw new InvalidOperationException($"Case {e.CaseId} is opened twice."),
            _ => throw new InvalidOperationException($"Unknown case event kind '{e.Kind}'."),
        };
    }

    /// <summary>The projection row of <paramref name="state"/>.</summary>
    public static CaseView View(CaseState state) => new(
        state.CaseId, state.SubjectKind, state.SubjectId, state.Network, state.Status, state.Outcome, state.Queue, state.Priority, state.Score,
        DateTimeOffset.FromUnixTimeMilliseconds(state.Due), state.Assignee,
        state.ClaimUntil is { } until ? DateTimeOffset.FromUnixTimeMilliseconds(until) : null,
        state.Held, state.AskedLead, state.ReportWanted, state.Items, state.Reporters.Count, state.QaState, state.DecidedBy,
        DateTimeOffset.FromUnixTimeMilliseconds(state.OpenedAt), DateTimeOffset.FromUnixTimeMilliseconds(state.UpdatedAt),
        state.ClosedAt is { } closed ? DateTimeOffset.FromUnixTimeMilliseconds(closed) : null, state.LastEventN);

    /// <summary>The person's name from an actor <c>person:NAME</c> (other actors as they are).</summary>
    public static string Person(string actor) => actor.StartsWith("person:", StringComparison.Ordinal) ? actor["person:".Length..] : actor;

    private static CaseState Close(CaseState s, string outcome, CaseEvent e) =>
        s with { Status = CaseStatuses.Closed, Outcome = outcome, ClosedAt = e.At, Assignee = null, ClaimUntil = null, Held = false, AskedLead = false };

    private static IReadOnlyList<string> Insert(IReadOnlyList<string> sorted, string? value)
    {
        if (value is null)
        {
            return sorted;
        }

        var list = sorted as List<string> ?? [.. sorted];
        var at = list.BinarySearch(value, StringComparer.Ordinal);
        if (at >= 0)
        {
            return sorted;
        }

        var copy = new List<string>(list.Count + 1);
        copy.AddRange(list);
        copy.Insert(~at, value);
        return copy;
    }
}
