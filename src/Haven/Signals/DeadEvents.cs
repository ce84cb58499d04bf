using System.Data.Common;
using Dapper;
using Haven.Audit;
using Haven.Events;
using Haven.Storage;

namespace Haven.Signals;

/// <summary>Where a dead event failed: reading its stored body, or handling it in the batch transaction.</summary>
internal static class DeadStage
{
    /// <summary>The stored body could not be read into the event's fields.</summary>
    public const string Parse = "parse";

    /// <summary>A handler (projections, signals, policy, decisions) or the batch's bulk writes threw on it alone.</summary>
    public const string Handle = "handle";
}

/// <summary>
/// An event the signals stage set aside so that the rest of the log could move on (docs/pipeline.md, "Failures"). Ids,
/// codes, times and counts only: never the event's content, never an exception message (it may quote content).
/// </summary>
/// <param name="Checkpoint">The processor (checkpoint name) it failed in.</param>
/// <param name="Seq">Its position in the event log.</param>
/// <param name="EventId">The platform's event id.</param>
/// <param name="Stage"><see cref="DeadStage.Parse"/> or <see cref="DeadStage.Handle"/>.</param>
/// <param name="ErrorType">The exception's type name.</param>
/// <param name="ErrorCode">A short stable code (<c>unreadable_body</c>, <c>handler_failed</c>, <c>db_23505</c>, …).</param>
/// <param name="FirstFailedAt">When it was first set aside.</param>
/// <param name="LastFailedAt">When it last failed (set aside, or a retry that failed again).</param>
/// <param name="Attempts">How many times it has failed.</param>
internal sealed record DeadEvent(
    string Checkpoint, long Seq, string EventId, string Stage, string ErrorType, string ErrorCode, DateTimeOffset FirstFailedAt, DateTimeOffset LastFailedAt, long Attempts);

/// <summary>The <c>dead_events</c> table: set aside in the batch transaction, listed, and cleared by a successful retry.</summary>
internal static class DeadEvents
{
    /// <summary>The short code for <paramref name="exception"/> thrown at <paramref name="stage"/>: content-free by construction.</summary>
    public static string ErrorCode(string stage, Exception exception) => (stage, exception) switch
    {
        (DeadStage.Parse, _) => "unreadable_body",
        (_, DbException { SqlState: { Length: > 0 } state }) => "db_" + state,
        (_, DbException db) => "db_" + db.ErrorCode.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => "handler_failed",
    };

    /// <summary>Sets <paramref name="e"/> aside in the caller's transaction (again: one more attempt), with an audit entry. The caller counts it once committed.</summary>
    public static async Task RecordAsync(HavenStore store, DbConnection connection, DbTransaction transaction, string checkpoint, StoredEvent e, string stage, Exception exception, CancellationToken cancellationToken)
    {
        var errorType = exception.GetType().Name;
        var errorCode = ErrorCode(stage, exception);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO dead_events (checkpoint_name, event_seq, event_id, stage, error_type, error_code, first_failed_at, last_failed_at, attempts) " +
            "VALUES (@checkpoint, @seq, @id, @stage, @errorType, @errorCode, @now, @now, 1) " +
            "ON CONFLICT (checkpoint_name, event_seq) DO UPDATE SET stage = excluded.stage, error_type = excluded.error_type, error_code = excluded.error_code, " +
            "last_failed_at = excluded.last_failed_at, attempts = dead_events.attempts + 1",
            new { checkpoint, seq = e.Seq, id = e.Id, stage, errorType, errorCode, now = store.NowUnixMilliseconds },
            transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await AuditLog.AppendAsync(store, connection, transaction, "event.dead", Subject(e.Id), new { seq = e.Seq, checkpoint, stage, errorType, errorCode }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes a dead event that has now been processed, with an audit entry; false when it is no longer dead (another retry took it).</summary>
    public static async Task<bool> ClearAsync(HavenStore store, DbConnection connection, DbTransaction transaction, string checkpoint, StoredEvent e, CancellationToken cancellationToken)
    {
        var attempts = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "DELETE FROM dead_events WHERE checkpoint_name = @checkpoint AND event_seq = @seq RETURNING attempts",
            new { checkpoint, seq = e.Seq }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (attempts is null)
        {
            return false;
        }

        await AuditLog.AppendAsync(store, connection, transaction, "event.dead.retried", Subject(e.Id), new { seq = e.Seq, checkpoint, attempts }, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Dead events of <paramref name="checkpoint"/>, by log position; only <paramref name="seqs"/> when given.</summary>
    public static async Task<IReadOnlyList<DeadEvent>> ListAsync(HavenStore store, string checkpoint = "signals", IReadOnlyCollection<long>? seqs = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(string Checkpoint, long Seq, string EventId, string Stage, string ErrorType, string ErrorCode, long First, long Last, long Attempts)>(new CommandDefinition(
            "SELECT checkpoint_name, event_seq, event_id, stage, error_type, error_code, first_failed_at, last_failed_at, attempts FROM dead_events " +
            "WHERE checkpoint_name = @checkpoint ORDER BY event_seq",
            new { checkpoint }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var wanted = seqs is null ? null : new HashSet<long>(seqs);
        return [.. rows.Where(r => wanted is null || wanted.Contains(r.Seq)).Select(r => new DeadEvent(
            r.Checkpoint, r.Seq, r.EventId, r.Stage, r.ErrorType, r.ErrorCode, DateTimeOffset.FromUnixTimeMilliseconds(r.First), DateTimeOffset.FromUnixTimeMilliseconds(r.Last), r.Attempts))];
    }

    private static string Subject(string eventId) => "event:" + eventId;
}
