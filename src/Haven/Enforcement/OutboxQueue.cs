using Dapper;
using Haven.Audit;
using Haven.Storage;
using Microsoft.Extensions.Logging;

namespace Haven.Enforcement;

/// <summary>Operator view of the outbox: list rows and replay dead ones. Needs no adapter configuration.</summary>
internal sealed class OutboxQueue(HavenStore store)
{
    private readonly ILogger _logger = store.LoggerFactory.CreateLogger<OutboxQueue>();

    /// <summary>Rows, oldest first, optionally in one state only, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<OutboxEntry>> ListAsync(OutboxState? state = null, int limit = 1000, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            "SELECT id, action_id, adapter, kind, payload, created_at, attempts, next_attempt_at, state, last_error, delivered_at FROM outbox " +
            (state is null ? string.Empty : "WHERE state = @state ") + "ORDER BY id LIMIT @limit",
            new { state = state?.ToText(), limit }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToEntry())];
    }

    /// <summary>Finds one row by action id.</summary>
    public async Task<OutboxEntry?> FindAsync(string actionId, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            "SELECT id, action_id, adapter, kind, payload, created_at, attempts, next_attempt_at, state, last_error, delivered_at FROM outbox WHERE action_id = @actionId",
            new { actionId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToEntry();
    }

    /// <summary>Every row a decision enqueued (action ids <c>DECISION_ID:KIND</c> and <c>DECISION_ID:KIND@ADAPTER</c>), in enqueue order.</summary>
    public async Task<IReadOnlyList<OutboxEntry>> ListForDecisionAsync(string decisionId, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

        // ';' follows ':' in byte order, so the range holds exactly the ids that start with "DECISION_ID:".
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            "SELECT id, action_id, adapter, kind, payload, created_at, attempts, next_attempt_at, state, last_error, delivered_at FROM outbox " +
            "WHERE action_id >= @from AND action_id < @to ORDER BY id",
            new { from = decisionId + ":", to = decisionId + ";" }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToEntry())];
    }

    /// <summary>
    /// Moves dead rows back to pending, due now, with attempts reset and the last error cleared; each move is audited
    /// (<c>outbox.replayed</c>) in the same transaction. <paramref name="actionIds"/> null means every dead row.
    /// Ids that are unknown or not dead are reported, not changed.
    /// </summary>
    public async Task<OutboxReplayResult> ReplayAsync(IReadOnlyCollection<string>? actionIds, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await store.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var now = store.NowUnixMilliseconds;
        List<StateRow> found;
        if (actionIds is null)
        {
            found = [.. (await connection.QueryAsync<StateRow>(new CommandDefinition(
                "SELECT action_id, state, attempts FROM outbox WHERE state = 'dead' ORDER BY id", transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false))];
        }
        else
        {
            found = [];
            foreach (var id in actionIds.Distinct(StringComparer.Ordinal))
            {
                var row = await connection.QuerySingleOrDefaultAsync<StateRow>(new CommandDefinition(
                    "SELECT action_id, state, attempts FROM outbox WHERE action_id = @id", new { id }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                if (row is not null)
                {
                    found.Add(row);
                }
            }
        }

        var replayed = new List<string>();
        var notDead = new List<string>();
        foreach (var (actionId, state, attempts) in found)
        {
            if (state != OutboxState.Dead.ToText())
            {
                notDead.Add(actionId);
                continue;
            }

            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = @now, last_error = NULL WHERE action_id = @actionId AND state = 'dead'",
                new { now, actionId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await AuditLog.AppendAsync(store, connection, transaction, "outbox.replayed", Subject(actionId), new { actionId, previousAttempts = attempts }, cancellationToken).ConfigureAwait(false);
            replayed.Add(actionId);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        var notFound = actionIds is null
            ? []
            : actionIds.Distinct(StringComparer.Ordinal).Where(id => !found.Any(f => f.Action_id == id)).ToList();
        OutboxLog.Replayed(_logger, replayed.Count, notFound.Count, notDead.Count);
        return new OutboxReplayResult(replayed, notFound, notDead);
    }

    /// <summary>The audit subject of an action.</summary>
    internal static string Subject(string actionId) => "outbox:" + actionId;

    private sealed record StateRow(string Action_id, string State, long Attempts);

    private sealed record Row(long Id, string Action_id, string Adapter, string Kind, string Payload, long Created_at, long Attempts, long Next_attempt_at, string State, string? Last_error, long? Delivered_at)
    {
        public OutboxEntry ToEntry() => new(
            Id, Action_id, Adapter, Kind, Payload, DateTimeOffset.FromUnixTimeMilliseconds(Created_at), (int)Attempts,
            DateTimeOffset.FromUnixTimeMilliseconds(Next_attempt_at),
            OutboxStates.TryParse(State, out var s) ? s : throw new InvalidOperationException($"Unknown outbox state '{State}'."),
            Last_error, Delivered_at is { } d ? DateTimeOffset.FromUnixTimeMilliseconds(d) : null);
    }
}
