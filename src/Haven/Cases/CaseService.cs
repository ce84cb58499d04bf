using System.Data.Common;
using System.Globalization;
using Dapper;
using Haven.Audit;
using Haven.People;
using Haven.Policy;
using Haven.Storage;

namespace Haven.Cases;

/// <summary>
/// Cases for people: the queue, the case page, claims and every decision a person takes on a case. Each change is one
/// transaction: the case event, its fold onto the projection and an audit entry under the acting person
/// (<c>person:NAME</c>), with ids only in the audit details. Refusals are typed <see cref="CaseError"/>s and change nothing;
/// a form carries the case's <see cref="CaseView.LastEventN"/>, so a stale page or a second submission is refused.
/// </summary>
internal sealed partial class CaseService(HavenStore store, CaseSettings settings, IReadOnlyList<string>? adapters = null)
{
    // The adapters that receive the platform actions of a confirmation (Enforcement/EnforcementTargets.Adapters).
    private readonly IReadOnlyList<string> _adapters = adapters ?? [Enforcement.OutboxAction.WebhookAdapter];

    /// <summary>Reasons a dismissal may give.</summary>
    public static IReadOnlyList<string> DismissReasons { get; } = ["not_violating", "insufficient_evidence", "duplicate", "wrong_subject", "other"];

    /// <summary>The settings in use.</summary>
    public CaseSettings Settings => settings;

    /// <summary>A case with its items and log (reporter ids left out of the log).</summary>
    public async Task<Result<CaseDetail, CaseError>> GetAsync(long caseId, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var view = await ReadViewAsync(connection, null, caseId, cancellationToken).ConfigureAwait(false);
        if (view is null)
        {
            return new CaseNotFound(caseId);
        }

        var items = await connection.QueryAsync<ItemRow>(new CommandDefinition(
            "SELECT item_id AS ItemId, kind AS Kind, rule_id AS RuleId, body AS Body, added_at AS AddedAt FROM case_items WHERE case_id = @caseId ORDER BY added_at, item_id",
            new { caseId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var events = await CaseLog.ReadEventsAsync(connection, null, caseId, cancellationToken).ConfigureAwait(false);
        return new CaseDetail(
            view,
            [.. items.Select(i => new CaseItem(i.ItemId, i.Kind, i.RuleId, i.Body, DateTimeOffset.FromUnixTimeMilliseconds(i.AddedAt)))],
            [.. events.Select(e => e with { Data = e.Data with { Reporter = null } })]);
    }

    /// <summary>One case's projection, or null.</summary>
    public async Task<CaseView?> FindAsync(long caseId, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await ReadViewAsync(connection, null, caseId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The queue: cases matching <paramref name="query"/>, highest score first, then due first, then oldest id; keyset
    /// pages (the cursor is the last row's sort key), answered from the indexes <c>ix_cases_queue</c>,
    /// <c>ix_cases_order</c> and <c>ix_cases_assignee</c>.
    /// </summary>
    public async Task<Result<CasePage, CaseError>> ListAsync(CaseQuery query, CancellationToken cancellationToken = default)
    {
        if (query.Limit is < 1 or > 500)
        {
            return new CaseRequestInvalid("limit must be between 1 and 500.");
        }

        if ((query.Queue is not null && !CaseQueues.IsKnown(query.Queue)) || (query.Status is not null && !CaseStatuses.IsKnown(query.Status))
            || (query.SubjectKind is not null && !CaseSubjects.IsKnown(query.SubjectKind))
            || (query.QaState is not null && query.QaState is not (QaStates.Requested or QaStates.Agreed or QaStates.Disagreed)))
        {
            return new CaseRequestInvalid("unknown queue, status, subject kind or QA state.");
        }

        long rank = 0, due = 0, id = 0;
        if (query.After is not null && !TryReadCursor(query.After, out rank, out due, out id))
        {
            return new CaseRequestInvalid("the cursor is not one this listing gave.");
        }

        var where = new List<string>();
        if (query.Status is not null)
        {
            where.Add("status = @Status");
        }

        if (query.Queue is not null)
        {
            where.Add("queue = @Queue");
        }

        if (query.Assignee is not null)
        {
            where.Add("assignee = @Assignee");
        }

        if (query.SubjectKind is not null)
        {
            where.Add("subject_kind = @SubjectKind");
        }

        if (query.Network is not null)
        {
            where.Add("network_id = @Network");
        }

        if (query.QaState is not null)
        {
            where.Add("qa_state = @QaState");
        }

        if (query.Rule is not null)
        {
            where.Add("EXISTS (SELECT 1 FROM case_items i WHERE i.rule_id = @Rule AND i.case_id = cases.case_id)");
        }

        if (query.After is not null)
        {
            where.Add("(sort_rank, due_at, case_id) > (@rank, @due, @id)");
        }

        var sql = "SELECT " + CaseLog.ViewColumns + " FROM cases" + (where.Count == 0 ? string.Empty : " WHERE " + string.Join(" AND ", where)) +
                  " ORDER BY sort_rank, due_at, case_id LIMIT @take";
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = (await connection.QueryAsync<ViewRow>(new CommandDefinition(
            sql,
            new { query.Status, query.Queue, query.Assignee, query.SubjectKind, query.Network, query.Rule, query.QaState, rank, due, id, take = (long)query.Limit + 1 },
            cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        var page = rows.Take(query.Limit).Select(r => r.ToView()).ToList();
        var next = rows.Count > query.Limit ? Cursor(page[^1]) : null;
        return new CasePage(page, next);
    }

    /// <summary>Opens a case by hand (or returns the subject's open case, refused as <see cref="CaseAlreadyOpen"/>).</summary>
    public async Task<Result<CaseView, CaseError>> OpenAsync(Actor actor, string subjectKind, string subjectId, string? note, CancellationToken cancellationToken = default)
    {
        if (!actor.Role.MayDecide())
        {
            return new CaseRoleTooLow(PersonRole.Reviewer.Name(), "Opening a case");
        }

        if (!CaseSubjects.IsKnown(subjectKind) || string.IsNullOrWhiteSpace(subjectId) || subjectId.Length > 256)
        {
            return new CaseRequestInvalid("a case needs a subject kind (account, content, community, network) and an id of 1–256 characters.");
        }

        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await store.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var now = store.NowUnixMilliseconds;
        var due = now + (long)settings.DueAfter("normal").TotalMilliseconds;
        var network = subjectKind == CaseSubjects.Network ? subjectId : null;
        var (state, opened) = await CaseLog.OpenOrFindAsync(store, connection, transaction, subjectKind, subjectId, network, "normal", due, actor.AuditName, cancellationToken).ConfigureAwait(false);
        if (!opened)
        {
            return new CaseAlreadyOpen(state.CaseId);
        }

        if (!string.IsNullOrWhiteSpace(note))
        {
            var itemId = "note:" + state.CaseId.ToString(CultureInfo.InvariantCulture) + ":1";
            await CaseLog.InsertItemAsync(store, connection, transaction, state.CaseId, itemId, CaseItemKinds.Note, null, itemId, new { note, by = actor.Name }, cancellationToken).ConfigureAwait(false);
            state = await CaseLog.AppendAsync(store, connection, transaction, state, CaseEventKinds.ItemAdded, actor.AuditName, new CaseEventData { Item = itemId }, cancellationToken).ConfigureAwait(false);
        }

        await AuditAsync(connection, transaction, actor, "case.opened", state, new { subjectKind }, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return CaseFold.View(state);
    }

    /// <summary>
    /// Claims the case for <paramref name="actor"/> until the claim lapses (<see cref="CaseSettings.ClaimLapse"/>);
    /// claiming again extends one's own claim. A case someone else holds is refused with who and until when.
    /// </summary>
    public Task<Result<CaseView, CaseError>> ClaimAsync(Actor actor, long caseId, long? expectedN = null, CancellationToken cancellationToken = default) =>
        ChangeAsync(actor, caseId, expectedN, Need.Decide, cancellationToken, (state, now) =>
            (CaseEventKinds.Claimed, new CaseEventData { Until = now + (long)settings.ClaimLapse.TotalMilliseconds }, null));

    /// <summary>Gives the case back to the queue (its holder, or a lead).</summary>
    public Task<Result<CaseView, CaseError>> ReleaseAsync(Actor actor, long caseId, long? expectedN = null, CancellationToken cancellationToken = default) =>
        ChangeAsync(actor, caseId, expectedN, Need.Decide, cancellationToken, (_, _) => (CaseEventKinds.Released, new CaseEventData(), null));

    /// <summary>Puts the case on hold: the holder keeps it, without a lapse, until released.</summary>
    public Task<Result<CaseView, CaseError>> HoldAsync(Actor actor, long caseId, long? expectedN = null, CancellationToken cancellationToken = default) =>
        ChangeAsync(actor, caseId, expectedN, Need.Decide, cancellationToken, (_, _) => (CaseEventKinds.Held, new CaseEventData(), null));

    /// <summary>Asks a lead to look at the case (with an optional note, stored in the log, never audited).</summary>
    public Task<Result<CaseView, CaseError>> AskLeadAsync(Actor actor, long caseId, string? note, long? expectedN = null, CancellationToken cancellationToken = default) =>
        ChangeAsync(actor, caseId, expectedN, Need.Decide, cancellationToken, (_, _) => (CaseEventKinds.AskedLead, new CaseEventData { Note = note }, null));

    /// <summary>A lead assigns the case to <paramref name="person"/> (no lapse), whoever held it.</summary>
    public Task<Result<CaseView, CaseError>> AssignAsync(Actor actor, long caseId, string person, long? expectedN = null, CancellationToken cancellationToken = default) =>
        string.IsNullOrWhiteSpace(person)
            ? Task.FromResult<Result<CaseView, CaseError>>(new CaseRequestInvalid("assign needs a person."))
            : ChangeAsync(actor, caseId, expectedN, Need.Lead, cancellationToken, (_, _) => (CaseEventKinds.Assigned, new CaseEventData { Person = person }, null));

    /// <summary>Sends the case to the specialist queue; the holder's claim ends.</summary>
    public Task<Result<CaseView, CaseError>> EscalateAsync(Actor actor, long caseId, string? note, long? expectedN = null, CancellationToken cancellationToken = default) =>
        ChangeAsync(actor, caseId, expectedN, Need.Decide, cancellationToken, (_, _) => (CaseEventKinds.Escalated, new CaseEventData { Note = note }, null));

    /// <summary>Marks a mandatory report as wanted (the reporting issue files them); specialists and above.</summary>
    public Task<Result<CaseView, CaseError>> RequestReportAsync(Actor actor, long caseId, long? expectedN = null, CancellationToken cancellationToken = default) =>
        ChangeAsync(actor, caseId, expectedN, Need.Specialist, cancellationToken, (_, _) => (CaseEventKinds.ReportRequested, new CaseEventData(), null));

    /// <summary>
    /// Dismisses the case with a reason from <see cref="DismissReasons"/> and an optional note; the case closes. Each
    /// decision of the policy in the case is labelled a false positive of its rule (<c>policy backtest</c> reports them),
    /// and a share of dismissals goes to a second reviewer (<see cref="CaseSettings.QaShare"/>).
    /// </summary>
    public Task<Result<CaseView, CaseError>> DismissAsync(Actor actor, long caseId, string reason, string? note, long? expectedN = null, CancellationToken cancellationToken = default) =>
        !DismissReasons.Contains(reason)
            ? Task.FromResult<Result<CaseView, CaseError>>(new CaseActionNotAllowed($"unknown dismissal reason '{reason}'; use one of {string.Join(", ", DismissReasons)}."))
            : ChangeAsync(
                actor, caseId, expectedN, Need.Decide, cancellationToken, (_, _) => (CaseEventKinds.Dismissed, new CaseEventData { Reason = reason, Note = note }, null),
                async (connection, transaction, state) =>
                {
                    await LabelRulesAsync(connection, transaction, state, RuleLabels.FalsePositive, actor, cancellationToken).ConfigureAwait(false);
                    return await RequestQaAsync(connection, transaction, state, actor, cancellationToken).ConfigureAwait(false);
                });

    /// <summary>A lead closes the case without a decision.</summary>
    public Task<Result<CaseView, CaseError>> CloseAsync(Actor actor, long caseId, string? note, long? expectedN = null, CancellationToken cancellationToken = default) =>
        ChangeAsync(actor, caseId, expectedN, Need.Lead, cancellationToken, (_, _) => (CaseEventKinds.Closed, new CaseEventData { Reason = CaseOutcomes.Closed, Note = note }, null));

    /// <summary>A lead reopens a closed case (refused while the subject has another open case).</summary>
    public async Task<Result<CaseView, CaseError>> ReopenAsync(Actor actor, long caseId, long? expectedN = null, CancellationToken cancellationToken = default)
    {
        if (!actor.Role.MayLead())
        {
            return new CaseRoleTooLow(PersonRole.Lead.Name(), "Reopening a case");
        }

        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await store.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var state = await CaseLog.ReadStateAsync(store, connection, transaction, caseId, cancellationToken).ConfigureAwait(false);
        if (state is null)
        {
            return new CaseNotFound(caseId);
        }

        if (expectedN is { } n && n != state.LastEventN)
        {
            return new CaseVersionConflict(caseId, n, state.LastEventN);
        }

        if (state.Status == CaseStatuses.Open)
        {
            return new CaseAlreadyOpen(caseId);
        }

        var other = await CaseLog.FindOpenAsync(store, connection, transaction, state.SubjectKind, state.SubjectId, cancellationToken).ConfigureAwait(false);
        if (other is not null)
        {
            return new CaseAlreadyOpen(other.CaseId);
        }

        state = await CaseLog.AppendAsync(store, connection, transaction, state, CaseEventKinds.Reopened, actor.AuditName, new CaseEventData(), cancellationToken).ConfigureAwait(false);
        await AuditAsync(connection, transaction, actor, "case." + CaseEventKinds.Reopened, state, new { }, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return CaseFold.View(state);
    }

    /// <summary>Records that <paramref name="actor"/> has the case page open now (presence; not an event of the case).</summary>
    public async Task TouchAsync(Actor actor, long caseId, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO case_presence (case_id, person, seen_at) VALUES (@caseId, @person, @now) ON CONFLICT (case_id, person) DO UPDATE SET seen_at = excluded.seen_at",
            new { caseId, person = actor.Name, now = store.NowUnixMilliseconds }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Who else had the case page open within <see cref="CaseSettings.PresenceWindow"/>, most recent first.</summary>
    public async Task<IReadOnlyList<(string Person, DateTimeOffset SeenAt)>> ViewersAsync(long caseId, string? except = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var since = store.NowUnixMilliseconds - (long)settings.PresenceWindow.TotalMilliseconds;
        var rows = await connection.QueryAsync<(string Person, long SeenAt)>(new CommandDefinition(
            "SELECT person, seen_at FROM case_presence WHERE case_id = @caseId AND seen_at >= @since ORDER BY seen_at DESC, person",
            new { caseId, since }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Where(r => r.Person != except).Select(r => (r.Person, DateTimeOffset.FromUnixTimeMilliseconds(r.SeenAt)))];
    }

    /// <summary>
    /// Recomputes every case from its log alone. The stored projection must equal it (a test checks that on both stores).
    /// </summary>
    public async Task<IReadOnlyList<CaseState>> ProjectFromLogAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var states = new List<CaseState>();
        CaseState? current = null;
        await foreach (var e in CaseLog.ReadAllEventsAsync(connection, null, cancellationToken).ConfigureAwait(false))
        {
            if (current is not null && current.CaseId != e.CaseId)
            {
                states.Add(current);
                current = null;
            }

            current = CaseFold.Apply(current, e);
        }

        if (current is not null)
        {
            states.Add(current);
        }

        return states;
    }

    /// <summary>Every stored case state, by id (the projection <see cref="ProjectFromLogAsync"/> is compared with).</summary>
    public async Task<IReadOnlyList<(CaseState State, CaseView Row)>> ReadProjectionAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<ViewRow>(new CommandDefinition(
            "SELECT " + CaseLog.ViewColumns + ", state AS State FROM cases ORDER BY case_id", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => (CaseLog.ReadState(r.State!), r.ToView()))];
    }

    private enum Need
    {
        Decide,
        Specialist,
        Lead,
    }

    /// <summary>
    /// The one path of a change by a person: read the case locked, check it is there, open, at the version the form was
    /// made from, within the person's role and not held by someone else; then append the event and audit it.
    /// </summary>
    private async Task<Result<CaseView, CaseError>> ChangeAsync(
        Actor actor, long caseId, long? expectedN, Need need, CancellationToken cancellationToken,
        Func<CaseState, long, (string Kind, CaseEventData Data, CaseError? Refusal)> decide,
        Func<DbConnection, DbTransaction, CaseState, Task<CaseState>>? then = null)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await store.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var state = await CaseLog.ReadStateAsync(store, connection, transaction, caseId, cancellationToken).ConfigureAwait(false);
        if (state is null)
        {
            return new CaseNotFound(caseId);
        }

        var now = store.NowUnixMilliseconds;
        var refusal = Check(actor, state, expectedN, need, now);
        if (refusal is not null)
        {
            return refusal;
        }

        var (kind, data, refused) = decide(state, now);
        if (refused is not null)
        {
            return refused;
        }

        state = await CaseLog.AppendAsync(store, connection, transaction, state, kind, actor.AuditName, data, cancellationToken).ConfigureAwait(false);
        if (then is not null)
        {
            state = await then(connection, transaction, state).ConfigureAwait(false);
        }

        await AuditAsync(connection, transaction, actor, "case." + kind, state, new { reason = data.Reason, person = data.Person }, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return CaseFold.View(state);
    }

    private static CaseError? Check(Actor actor, CaseState state, long? expectedN, Need need, long now)
    {
        if (state.Status != CaseStatuses.Open)
        {
            return new CaseClosed(state.CaseId);
        }

        if (expectedN is { } n && n != state.LastEventN)
        {
            return new CaseVersionConflict(state.CaseId, n, state.LastEventN);
        }

        switch (need)
        {
            case Need.Lead when !actor.Role.MayLead():
                return new CaseRoleTooLow(PersonRole.Lead.Name(), "This action");
            case Need.Specialist when !actor.Role.MayReveal():
                return new CaseRoleTooLow(PersonRole.Specialist.Name(), "This action");
            case Need.Decide when !actor.Role.MayDecide():
                return new CaseRoleTooLow(PersonRole.Reviewer.Name(), "Working a case");
            case Need.Decide when state.Queue == CaseQueues.Specialist && actor.Role < PersonRole.Specialist:
                return new CaseRoleTooLow(PersonRole.Specialist.Name(), "A case in the specialist queue");
            default:
                break;
        }

        // A lead acts over a claim on purpose (assigning, closing); anyone else is stopped by it.
        var holder = state.Assignee is not null && (state.ClaimUntil is null || state.ClaimUntil > now) ? state.Assignee : null;
        if (holder is not null && holder != actor.Name && need != Need.Lead)
        {
            return new CaseClaimedByOther(state.CaseId, holder, state.ClaimUntil is { } until ? DateTimeOffset.FromUnixTimeMilliseconds(until) : null);
        }

        return null;
    }

    private async Task AuditAsync(DbConnection connection, DbTransaction transaction, Actor actor, string action, CaseState state, object details, CancellationToken cancellationToken)
    {
        var previous = AuditContext.Actor;
        AuditContext.Actor = actor.AuditName;
        try
        {
            await AuditLog.AppendAsync(store, connection, transaction, action, "case:" + state.CaseId.ToString(CultureInfo.InvariantCulture),
                new { caseId = state.CaseId, n = state.LastEventN, details }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            AuditContext.Actor = previous;
        }
    }

    private static async Task<CaseView?> ReadViewAsync(DbConnection connection, DbTransaction? transaction, long caseId, CancellationToken cancellationToken)
    {
        var row = await connection.QueryFirstOrDefaultAsync<ViewRow>(new CommandDefinition(
            "SELECT " + CaseLog.ViewColumns + " FROM cases WHERE case_id = @caseId", new { caseId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToView();
    }

    private static string Cursor(CaseView last) => string.Create(CultureInfo.InvariantCulture, $"{-last.Score}.{last.DueAt.ToUnixTimeMilliseconds()}.{last.CaseId}");

    private static bool TryReadCursor(string cursor, out long rank, out long due, out long id)
    {
        rank = due = id = 0;
        var parts = cursor.Split('.');
        return parts.Length == 3
            && long.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out rank)
            && long.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out due)
            && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out id);
    }

    private sealed class ItemRow
    {
        public string ItemId { get; set; } = string.Empty;

        public string Kind { get; set; } = string.Empty;

        public string? RuleId { get; set; }

        public string Body { get; set; } = string.Empty;

        public long AddedAt { get; set; }
    }

    private sealed class ViewRow
    {
        public long CaseId { get; set; }

        public string SubjectKind { get; set; } = string.Empty;

        public string SubjectId { get; set; } = string.Empty;

        public string? NetworkId { get; set; }

        public string Status { get; set; } = string.Empty;

        public string? Outcome { get; set; }

        public string Queue { get; set; } = string.Empty;

        public string Priority { get; set; } = string.Empty;

        public long Score { get; set; }

        public long DueAt { get; set; }

        public string? Assignee { get; set; }

        public long? ClaimUntil { get; set; }

        public bool Held { get; set; }

        public bool AskedLead { get; set; }

        public bool ReportWanted { get; set; }

        public long Items { get; set; }

        public long Reporters { get; set; }

        public string? QaState { get; set; }

        public string? DecidedBy { get; set; }

        public long OpenedAt { get; set; }

        public long UpdatedAt { get; set; }

        public long? ClosedAt { get; set; }

        public long LastEventN { get; set; }

        public string? State { get; set; }

        public CaseView ToView() => new(
            CaseId, SubjectKind, SubjectId, NetworkId, Status, Outcome, Queue, Priority, Score, DateTimeOffset.FromUnixTimeMilliseconds(DueAt), Assignee,
            ClaimUntil is { } until ? DateTimeOffset.FromUnixTimeMilliseconds(until) : null, Held, AskedLead, ReportWanted, Items, Reporters, QaState, DecidedBy,
            DateTimeOffset.FromUnixTimeMilliseconds(OpenedAt), DateTimeOffset.FromUnixTimeMilliseconds(UpdatedAt),
            ClosedAt is { } closed ? DateTimeOffset.FromUnixTimeMilliseconds(closed) : null, LastEventN);
    }
}
