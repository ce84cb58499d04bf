using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dapper;
using Haven.Storage;

namespace Haven.Cases;

/// <summary>
/// The case log and its projection, inside the caller's transaction: every write appends a case event and folds it
/// onto the stored state (<see cref="CaseFold"/>), writing the projection columns in the same statement. The only
/// writer of <c>cases</c>, <c>case_events</c>, <c>case_items</c> and <c>case_sources</c>.
/// </summary>
internal static class CaseLog
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The columns of <see cref="CaseView"/>, for queries that return views.</summary>
    public const string ViewColumns =
        "case_id AS CaseId, subject_kind AS SubjectKind, subject_id AS SubjectId, network_id AS NetworkId, status AS Status, outcome AS Outcome, queue AS Queue, " +
        "priority AS Priority, score AS Score, due_at AS DueAt, assignee AS Assignee, claim_until AS ClaimUntil, held AS Held, asked_lead AS AskedLead, " +
        "report_wanted AS ReportWanted, items AS Items, reporters AS Reporters, qa_state AS QaState, decided_by AS DecidedBy, opened_at AS OpenedAt, " +
        "updated_at AS UpdatedAt, closed_at AS ClosedAt, last_event_n AS LastEventN";

    /// <summary>
    /// Opens a case for the subject, or returns the subject's open case when there is one (at most one open case per
    /// subject, held by the unique index <c>uq_cases_open_subject</c>). The flag says whether the case is new.
    /// </summary>
    public static async Task<(CaseState State, bool Opened)> OpenOrFindAsync(
        HavenStore store, DbConnection connection, DbTransaction transaction, string subjectKind, string subjectId, string? network, string priority, long due,
        string actor, CancellationToken cancellationToken)
    {
        var existing = await FindOpenAsync(store, connection, transaction, subjectKind, subjectId, cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            return (existing, false);
        }

        var now = store.NowUnixMilliseconds;
        var data = new CaseEventData { SubjectKind = subjectKind, SubjectId = subjectId, Network = network, Priority = priority, Due = due };

        // The id comes from the identity column, so the row is inserted first with a placeholder state and then
        // rewritten from the fold of its first event.
        var caseId = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "INSERT INTO cases (subject_kind, subject_id, network_id, status, queue, priority, score, sort_rank, due_at, held, asked_lead, report_wanted, items, reporters, opened_at, updated_at, last_event_n, state) " +
            "VALUES (@subjectKind, @subjectId, @network, 'open', 'review', 'normal', 0, 0, @due, @no, @no, @no, 0, 0, @now, @now, 0, '{}') " +
            "ON CONFLICT (subject_kind, subject_id) WHERE status = 'open' DO NOTHING RETURNING case_id",
            new { subjectKind, subjectId, network, due, now, no = false }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (caseId is null)
        {
            var raced = await FindOpenAsync(store, connection, transaction, subjectKind, subjectId, cancellationToken).ConfigureAwait(false);
            return (raced ?? throw new InvalidOperationException("An open case vanished while another was being opened."), false);
        }

        var opened = new CaseEvent(caseId.Value, 1, CaseEventKinds.Opened, actor, now, data);
        var state = CaseFold.Apply(null, opened);
        await InsertEventAsync(connection, transaction, opened, cancellationToken).ConfigureAwait(false);
        await WriteStateAsync(connection, transaction, state, 0, cancellationToken).ConfigureAwait(false);
        return (state, true);
    }

    /// <summary>Appends one event to the case and folds it onto <paramref name="before"/> (read in this transaction); returns the new state.</summary>
    public static async Task<CaseState> AppendAsync(
        HavenStore store, DbConnection connection, DbTransaction transaction, CaseState before, string kind, string actor, CaseEventData data, CancellationToken cancellationToken)
    {
        var e = new CaseEvent(before.CaseId, before.LastEventN + 1, kind, actor, store.NowUnixMilliseconds, data);
        var after = CaseFold.Apply(before, e);
        await InsertEventAsync(connection, transaction, e, cancellationToken).ConfigureAwait(false);
        await WriteStateAsync(connection, transaction, after, before.LastEventN, cancellationToken).ConfigureAwait(false);
        return after;
    }

    /// <summary>
    /// Marks <paramref name="source"/> (a decision id, a report's event position) as taken by the case; false when it was
    /// taken before, so a replayed decision or report adds nothing twice, whatever case it joined then.
    /// </summary>
    public static async Task<bool> ClaimSourceAsync(DbConnection connection, DbTransaction transaction, string source, long caseId, CancellationToken cancellationToken) =>
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO case_sources (source, case_id) VALUES (@source, @caseId) ON CONFLICT (source) DO NOTHING",
            new { source, caseId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false) == 1;

    /// <summary>True when <paramref name="source"/> has been taken by a case.</summary>
    public static async Task<bool> SourceTakenAsync(DbConnection connection, DbTransaction transaction, string source, CancellationToken cancellationToken) =>
        await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT case_id FROM case_sources WHERE source = @source", new { source }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false) is not null;

    /// <summary>Stores an item of the case (its body is structured JSON of ids, categories and numbers).</summary>
    /// <remarks><paramref name="reporter"/> (a report's reporter) is kept in the store only, to count dismissed reports per reporter.</remarks>
    public static Task InsertItemAsync(
        HavenStore store, DbConnection connection, DbTransaction transaction, long caseId, string itemId, string kind, string? rule, string source, object body,
        CancellationToken cancellationToken, string? reporter = null) =>
        connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO case_items (case_id, item_id, kind, rule_id, reporter, source, body, added_at) VALUES (@caseId, @itemId, @kind, @rule, @reporter, @source, @body, @now) " +
            "ON CONFLICT (case_id, item_id) DO NOTHING",
            new { caseId, itemId, kind, rule, reporter, source, body = body as string ?? JsonSerializer.Serialize(body, Json), now = store.NowUnixMilliseconds },
            transaction, cancellationToken: cancellationToken));

    /// <summary>The open case of a subject, or null.</summary>
    public static async Task<CaseState?> FindOpenAsync(HavenStore store, DbConnection connection, DbTransaction? transaction, string subjectKind, string subjectId, CancellationToken cancellationToken)
    {
        var json = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT state FROM cases WHERE subject_kind = @subjectKind AND subject_id = @subjectId AND status = 'open'" + SqlDialect.ForUpdate(store.Provider),
            new { subjectKind, subjectId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return json is null ? null : ReadState(json);
    }

    /// <summary>The state of a case (locked for the transaction on PostgreSQL), or null.</summary>
    public static async Task<CaseState?> ReadStateAsync(HavenStore store, DbConnection connection, DbTransaction? transaction, long caseId, CancellationToken cancellationToken)
    {
        var json = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT state FROM cases WHERE case_id = @caseId" + (transaction is null ? string.Empty : SqlDialect.ForUpdate(store.Provider)),
            new { caseId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return json is null ? null : ReadState(json);
    }

    /// <summary>The event log of a case, in order.</summary>
    public static async Task<IReadOnlyList<CaseEvent>> ReadEventsAsync(DbConnection connection, DbTransaction? transaction, long caseId, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<EventRow>(new CommandDefinition(
            "SELECT case_id AS CaseId, n AS N, kind AS Kind, actor AS Actor, at AS At, data AS Data FROM case_events WHERE case_id = @caseId ORDER BY n",
            new { caseId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToEvent())];
    }

    /// <summary>Every case event in (case, position) order, read in pages, for the whole-store verification.</summary>
    public static async IAsyncEnumerable<CaseEvent> ReadAllEventsAsync(DbConnection connection, DbTransaction? transaction, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        long afterCase = 0;
        long afterN = 0;
        while (true)
        {
            var rows = (await connection.QueryAsync<EventRow>(new CommandDefinition(
                "SELECT case_id AS CaseId, n AS N, kind AS Kind, actor AS Actor, at AS At, data AS Data FROM case_events " +
                "WHERE case_id > @afterCase OR (case_id = @afterCase AND n > @afterN) ORDER BY case_id, n LIMIT 5000",
                new { afterCase, afterN }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
            foreach (var row in rows)
            {
                yield return row.ToEvent();
            }

            if (rows.Count < 5000)
            {
                yield break;
            }

            (afterCase, afterN) = (rows[^1].CaseId, rows[^1].N);
        }
    }

    /// <summary>The stored state JSON of a case, parsed.</summary>
    public static CaseState ReadState(string json) => JsonSerializer.Deserialize<CaseState>(json, Json) ?? throw new InvalidOperationException("Unreadable case state.");

    /// <summary>The state as stored.</summary>
    public static string WriteState(CaseState state) => JsonSerializer.Serialize(state, Json);

    private static Task InsertEventAsync(DbConnection connection, DbTransaction transaction, CaseEvent e, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO case_events (case_id, n, kind, actor, at, data) VALUES (@CaseId, @N, @Kind, @Actor, @At, @data)",
            new { e.CaseId, e.N, e.Kind, e.Actor, e.At, data = JsonSerializer.Serialize(e.Data, Json) }, transaction, cancellationToken: cancellationToken));

    private static async Task WriteStateAsync(DbConnection connection, DbTransaction transaction, CaseState state, long previousN, CancellationToken cancellationToken)
    {
        var view = CaseFold.View(state);
        var updated = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE cases SET network_id = @NetworkId, status = @Status, outcome = @Outcome, queue = @Queue, priority = @Priority, score = @Score, sort_rank = @rank, " +
            "due_at = @due, assignee = @Assignee, claim_until = @claimUntil, held = @Held, asked_lead = @AskedLead, report_wanted = @ReportWanted, items = @Items, " +
            "reporters = @Reporters, qa_state = @QaState, decided_by = @DecidedBy, updated_at = @updated, closed_at = @closed, last_event_n = @LastEventN, state = @state " +
            "WHERE case_id = @CaseId AND last_event_n = @previousN",
            new
            {
                view.NetworkId,
                view.Status,
                view.Outcome,
                view.Queue,
                view.Priority,
                view.Score,
                rank = -view.Score,
                due = state.Due,
                view.Assignee,
                claimUntil = state.ClaimUntil,
                view.Held,
                view.AskedLead,
                view.ReportWanted,
                view.Items,
                view.Reporters,
                view.QaState,
                view.DecidedBy,
                updated = state.UpdatedAt,
                closed = state.ClosedAt,
                view.LastEventN,
                state = WriteState(state),
                view.CaseId,
                previousN,
            },
            transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (updated != 1)
        {
            // Every writer reads the state in its transaction (locked on PostgreSQL), so this is a bug, not a race.
            throw new InvalidOperationException($"Case {state.CaseId} moved past event {previousN} during the write.");
        }
    }

    private sealed record EventRow(long CaseId, long N, string Kind, string Actor, long At, string Data)
    {
        public CaseEvent ToEvent() => new(CaseId, N, Kind, Actor, At, JsonSerializer.Deserialize<CaseEventData>(Data, Json) ?? new CaseEventData());
    }
}
