using Dapper;
using Haven.Audit;
using Haven.Storage;
using Microsoft.Extensions.Logging;

namespace Haven.Enforcement;

/// <summary>
/// Delivers one adapter's outbox rows (docs/enforcement.md). Each round claims due pending rows of
/// <see cref="IEnforcementAdapter.AdapterName"/> (PostgreSQL: <c>FOR UPDATE SKIP LOCKED</c>, so several dispatchers
/// never take the same row; SQLite: one writer), pushes their due time out by a lease so a crashed dispatcher's rows
/// come back, hands them to the adapter outside any transaction, then records each outcome: delivered, a permanent
/// failure dead at once, a transient one retried with exponential backoff until
/// <see cref="OutboxDispatchOptions.MaxAttempts"/>. Delivery is at least once.
/// </summary>
internal sealed class OutboxDispatcher
{
    private readonly HavenStore _store;
    private readonly OutboxDispatchOptions _options;
    private readonly IEnforcementAdapter _adapter;
    private readonly Func<double> _jitter;
    private readonly ILogger _logger;
    private readonly OutboxQueue _queue;

    /// <summary>Creates a dispatcher for <paramref name="adapter"/>; <paramref name="jitter"/> is for tests.</summary>
    /// <exception cref="ArgumentException">The options are invalid (the host validates them at start-up).</exception>
    public OutboxDispatcher(HavenStore store, OutboxDispatchOptions options, IEnforcementAdapter adapter, Func<double>? jitter = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(adapter);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException($"Invalid {adapter.AdapterName} options: " + string.Join(" ", problems), nameof(options));
        }

        _store = store;
        _options = options;
        _adapter = adapter;
        _jitter = jitter ?? Random.Shared.NextDouble;
        _logger = store.LoggerFactory.CreateLogger<OutboxDispatcher>();
        _queue = new OutboxQueue(store);
    }

    /// <summary>The adapter whose rows this dispatcher claims.</summary>
    public string AdapterName => _adapter.AdapterName;

    /// <summary>
    /// How long a claimed row stays invisible to other dispatchers: the worst case of a sequential batch plus a margin.
    /// If it runs out mid-send the row may be sent twice, which the idempotency of the actions makes harmless.
    /// </summary>
    internal TimeSpan Lease => (_options.Timeout * _options.BatchSize) + TimeSpan.FromMinutes(1);

    /// <summary>Claims and sends every row due now, up to <see cref="OutboxDispatchOptions.BatchSize"/>; returns what happened.</summary>
    public async Task<DispatchSummary> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        var claimed = await ClaimAsync(cancellationToken).ConfigureAwait(false);
        if (claimed.Count == 0)
        {
            return DispatchSummary.Empty;
        }

        int delivered = 0, retrying = 0, dead = 0;
        foreach (var row in claimed)
        {
            AdapterOutcome result;
            try
            {
                result = await _adapter.SendAsync(new OutboxDelivery(row.Action_id, row.Kind, row.Payload, (int)row.Attempts), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // The adapter broke its contract (a failed delivery is a verdict, not an exception): treated as transient,
                // so it is retried with backoff and dead after MaxAttempts, and the round goes on with the other rows.
                result = new AdapterOutcome(DeliveryVerdict.Transient, "adapter_exception:" + ex.GetType().Name);
            }

            var outcome = await RecordAsync(row, result.Verdict, result.Failure, cancellationToken).ConfigureAwait(false);
            switch (outcome)
            {
                case OutboxState.Delivered:
                    delivered++;
                    break;
                case OutboxState.Dead:
                    dead++;
                    break;
                case OutboxState.Pending:
                    retrying++;
                    break;
            }
        }

        return new DispatchSummary(claimed.Count, delivered, retrying, dead);
    }

    /// <summary>
    /// The host loop: rounds back to back while full batches come, otherwise one round per
    /// <see cref="OutboxDispatchOptions.PollInterval"/>, until cancelled. It survives any failure of a round (the
    /// database unreachable, a bug): reported by <see cref="LoopBackoff"/> and retried after a delay that doubles from
    /// the poll interval up to 5 minutes while rounds keep failing; rows a failed round had claimed come back when their
    /// lease runs out.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var backoff = new LoopBackoff("outbox_" + _adapter.AdapterName, _logger, _store.Time, _options.PollInterval, TimeSpan.FromMinutes(5) > _options.PollInterval ? TimeSpan.FromMinutes(5) : _options.PollInterval);
        while (!cancellationToken.IsCancellationRequested)
        {
            DispatchSummary summary;
            try
            {
                summary = await RunOnceAsync(cancellationToken).ConfigureAwait(false);
                backoff.Succeeded();
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                if (!await backoff.FailedAndWaitAsync(ex, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                continue;
            }

            if (summary.Claimed < _options.BatchSize)
            {
                try
                {
                    await Task.Delay(_options.PollInterval, _store.Time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Moves dead rows back to pending (all dead rows when <paramref name="actionIds"/> is null); see <see cref="OutboxQueue.ReplayAsync"/>.</summary>
    public Task<OutboxReplayResult> ReplayAsync(IReadOnlyCollection<string>? actionIds, CancellationToken cancellationToken = default) =>
        _queue.ReplayAsync(actionIds, cancellationToken);

    private async Task<List<Claimed>> ClaimAsync(CancellationToken cancellationToken)
    {
        var now = _store.NowUnixMilliseconds;
        var leaseUntil = now + (long)Lease.TotalMilliseconds;
        var skipLocked = SqlDialect.ForUpdateSkipLocked(_store.Provider);
        await using var connection = await _store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await _store.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<Claimed>(new CommandDefinition(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = @leaseUntil " +
            "WHERE id IN (SELECT id FROM outbox WHERE state = 'pending' AND adapter = @adapter AND next_attempt_at <= @now " +
            "ORDER BY next_attempt_at, id LIMIT @batch" + skipLocked + ") " +
            "RETURNING id, action_id, kind, payload, attempts",
            new { leaseUntil, now, adapter = _adapter.AdapterName, batch = _options.BatchSize },
            transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var claimed = rows.OrderBy(r => r.Id).ToList();
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return claimed;
    }

    private async Task<OutboxState?> RecordAsync(Claimed row, DeliveryVerdict verdict, string failure, CancellationToken cancellationToken)
    {
        var attempt = (int)row.Attempts;
        var now = _store.NowUnixMilliseconds;
        var state = verdict switch
        {
            DeliveryVerdict.Delivered => OutboxState.Delivered,
            DeliveryVerdict.Transient when attempt < _options.MaxAttempts => OutboxState.Pending,
            _ => OutboxState.Dead,
        };
        var delay = state == OutboxState.Pending ? RetryPolicy.Backoff(attempt, _options.BaseDelay, _options.MaxDelay, _jitter()) : TimeSpan.Zero;

        await using var connection = await _store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await _store.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);

        // The attempts guard: if our lease ran out and another round claimed the row, its result wins.
        const string Guard = " WHERE id = @id AND attempts = @attempt AND state = 'pending'";
        var (sql, args) = state switch
        {
            OutboxState.Delivered => ("UPDATE outbox SET state = 'delivered', delivered_at = @now, last_error = NULL" + Guard, (object)new { id = row.Id, attempt, now }),
            OutboxState.Pending => ("UPDATE outbox SET next_attempt_at = @next, last_error = @failure" + Guard, new { id = row.Id, attempt, next = now + (long)delay.TotalMilliseconds, failure }),
            _ => ("UPDATE outbox SET state = 'dead', last_error = @failure" + Guard, new { id = row.Id, attempt, failure }),
        };
        var changed = await connection.ExecuteAsync(new CommandDefinition(sql, args, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (changed != 1)
        {
            await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
            OutboxLog.LostClaim(_logger, row.Action_id, attempt);
            return null;
        }

        if (state == OutboxState.Delivered)
        {
            await AuditLog.AppendAsync(_store, connection, transaction, "outbox.delivered", OutboxQueue.Subject(row.Action_id), new { actionId = row.Action_id, kind = row.Kind, attempts = attempt }, cancellationToken).ConfigureAwait(false);
        }
        else if (state == OutboxState.Dead)
        {
            await AuditLog.AppendAsync(_store, connection, transaction, "outbox.dead", OutboxQueue.Subject(row.Action_id), new { actionId = row.Action_id, kind = row.Kind, attempts = attempt, failure }, cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        HavenMetrics.OutboxAttempts.Add(1, new(HavenMetrics.Tags.Adapter, _adapter.AdapterName), new(HavenMetrics.Tags.Outcome, state switch
        {
            OutboxState.Delivered => "delivered",
            OutboxState.Pending => "retrying",
            _ => "dead",
        }));
        switch (state)
        {
            case OutboxState.Delivered:
                OutboxLog.Delivered(_logger, row.Action_id, attempt);
                break;
            case OutboxState.Pending:
                OutboxLog.Retrying(_logger, row.Action_id, attempt, failure, (long)delay.TotalMilliseconds);
                break;
            default:
                OutboxLog.Dead(_logger, row.Action_id, attempt, failure);
                break;
        }

        return state;
    }

    private sealed record Claimed(long Id, string Action_id, string Kind, string Payload, long Attempts);
}
