using System.Data.Common;
using System.Net.Sockets;
using Haven.Events;
using Haven.Text;
using Microsoft.Data.Sqlite;

namespace Haven.Signals;

/// <summary>What <see cref="SignalProcessor.RetryDeadAsync"/> did.</summary>
/// <param name="Retried">Processed and removed from the dead events.</param>
/// <param name="StillDead">Failed again (one more attempt recorded).</param>
/// <param name="NotFound">Asked for, but not dead (never was, or retried meanwhile).</param>
internal sealed record DeadRetryResult(int Retried, int StillDead, int NotFound);

/// <summary>
/// Failures of the signals stage (docs/pipeline.md, "Failures"): telling a transient failure from a poison event,
/// finding the events that fail alone, and retrying dead events.
/// </summary>
internal sealed partial class SignalProcessor
{
    /// <summary>
    /// A failure that says nothing about the events: cancellation, the database busy, unreachable or asking for a retry
    /// (a serialization failure or deadlock on PostgreSQL; <see cref="DbException.IsTransient"/>), a timeout or I/O
    /// error. Such a batch is retried as a whole, never split, so no event is set aside for it.
    /// </summary>
    internal static bool IsTransient(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        OperationCanceledException => true,
        _ when cancellationToken.IsCancellationRequested => true,
        // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN: the database, not the event.
        SqliteException { SqliteErrorCode: 5 or 6 or 8 or 10 or 13 or 14 } => true,
        DbException { IsTransient: true } => true,
        // PostgreSQL classes that describe the server or the connection, not the data: connection (08), transaction
        // state such as a read-only replica after failover (25), rollback (40), resources (53), object state (55),
        // operator intervention (57), system (58), internal (XX). Data and constraint errors stay poison candidates.
        Npgsql.PostgresException { SqlState: var state } when state.Length == 5 && state[..2] is "08" or "25" or "40" or "53" or "55" or "57" or "58" or "XX" => true,
        Npgsql.NpgsqlException and not Npgsql.PostgresException => true,
        TimeoutException or IOException or SocketException => true,
        _ when exception.InnerException is { } inner => IsTransient(inner, cancellationToken),
        _ => false,
    };

    /// <summary>
    /// Finds the events of a failed batch that fail alone, by bisection: each part is handled in a trial transaction
    /// that is always rolled back; a part that fails is split until single events remain. A batch with one poison event
    /// costs about 2·log₂(n) trials of shrinking size. A transient failure during the search ends it (thrown).
    /// </summary>
    private async Task<List<(Work Work, Exception Error)>> IsolateAsync(
        DbConnection connection, List<Work> live, Dictionary<string, PostInfo> known, LexiconSnapshot lexicon, CancellationToken cancellationToken)
    {
        var poison = new List<(Work, Exception)>();
        if (live.Count == 1)
        {
            // Only reached at the end of the log (batches hold two events whenever there are two): the batch failing
            // is this event failing alone, with nothing to compare it with; it is retried until a later event joins.
            return poison;
        }

        var half = live.Count / 2;
        var parts = new Stack<List<Work>>([live[half..], live[..half]]);
        while (parts.TryPop(out var part))
        {
            var failure = await TrialAsync(connection, part, known, lexicon, cancellationToken).ConfigureAwait(false);
            if (failure is null)
            {
                continue;
            }

            if (part.Count == 1)
            {
                poison.Add((part[0], failure));
                continue;
            }

            var middle = part.Count / 2;
            parts.Push(part[middle..]);
            parts.Push(part[..middle]);
        }

        return poison;
    }

    /// <summary>Handles <paramref name="part"/> in a transaction that is rolled back whatever happens; returns the failure, if any.</summary>
    private async Task<Exception?> TrialAsync(DbConnection connection, List<Work> part, Dictionary<string, PostInfo> known, LexiconSnapshot lexicon, CancellationToken cancellationToken)
    {
        await using var transaction = await _store.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        try
        {
            await HandleAllAsync(connection, transaction, part, known, lexicon, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (!IsTransient(e, cancellationToken))
        {
            return e;
        }
        finally
        {
            await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Processes dead events again through the same handlers, each in its own transaction (so one that still fails
    /// holds back no other): on success its outcome is committed together with its removal from the dead events and an
    /// audit entry <c>event.dead.retried</c>; on failure one more attempt is recorded. Decision and action ids are
    /// deterministic, so a retry never decides twice. <paramref name="seqs"/> null retries every dead event.
    /// </summary>
    public async Task<DeadRetryResult> RetryDeadAsync(IReadOnlyCollection<long>? seqs, CancellationToken cancellationToken = default)
    {
        var dead = await DeadEvents.ListAsync(_store, _options.Name, seqs, cancellationToken).ConfigureAwait(false);
        var notFound = seqs is null ? 0 : seqs.Distinct().Count() - dead.Count;
        int retried = 0, stillDead = 0;
        if (dead.Count == 0)
        {
            return new DeadRetryResult(0, 0, notFound);
        }

        await RefreshAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var entry in dead)
        {
            var stored = await EventLog.ReadAfterAsync(connection, entry.Seq - 1, 1, cancellationToken).ConfigureAwait(false);
            if (stored is not [{ } e] || e.Seq != entry.Seq)
            {
                notFound++;
                continue;
            }

            var outcome = await RetryOneAsync(connection, e, cancellationToken).ConfigureAwait(false);
            ProcessorLog.DeadRetried(_logger, e.Seq, outcome);
            switch (outcome)
            {
                case "processed":
                    retried++;
                    break;
                case "failed again":
                    stillDead++;
                    break;
                default:
                    notFound++;
                    break;
            }
        }

        return new DeadRetryResult(retried, stillDead, notFound);
    }

    private async Task<string> RetryOneAsync(DbConnection connection, StoredEvent e, CancellationToken cancellationToken)
    {
        var failed = new List<(StoredEvent Event, string Stage, Exception Error)>();
        var (live, known) = await PrepareAsync(connection, [e], failed, cancellationToken).ConfigureAwait(false);
        if (failed.Count == 0)
        {
            try
            {
                await using var transaction = await _store.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
                if (!await DeadEvents.ClearAsync(_store, connection, transaction, _options.Name, e, cancellationToken).ConfigureAwait(false))
                {
                    await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                    return "no longer dead";
                }

                var state = await HandleAllAsync(connection, transaction, live, known, _lexicon!, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                HavenMetrics.EventsProcessed.Add(1);
                state.Decided.ReportCommitted();
                foreach (var (reason, count) in state.MediaErrorReasons)
                {
                    HavenMetrics.MediaErrors.Add(count, new KeyValuePair<string, object?>(HavenMetrics.Tags.ErrorType, reason));
                }

                return "processed";
            }
            catch (Exception error) when (!IsTransient(error, cancellationToken))
            {
                failed.Add((e, DeadStage.Handle, error));
            }
        }

        var (_, stage, cause) = failed[0];
        await using (var transaction = await _store.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false))
        {
            await DeadEvents.RecordAsync(_store, connection, transaction, _options.Name, e, stage, cause, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        return "failed again";
    }
}
