using System.Buffers;
using System.Data.Common;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Dapper;
using Haven.Audit;
using Haven.Storage;
using Microsoft.Extensions.Logging;

namespace Haven.Enforcement;

/// <summary>
/// Delivers outbox rows to the platform as signed webhooks (docs/enforcement.md). Each round claims due pending rows
/// (PostgreSQL: <c>FOR UPDATE SKIP LOCKED</c>, so several dispatchers never take the same row; SQLite: one writer),
/// pushes their due time out by a lease so a crashed dispatcher's rows come back, sends them outside any transaction,
/// then records each outcome: 2xx delivered, a permanent failure dead at once, a transient one retried with
/// exponential backoff until <see cref="WebhookOptions.MaxAttempts"/>. Delivery is at least once; the receiver
/// de-duplicates on <c>Idempotency-Key</c>.
/// </summary>
internal sealed class WebhookDispatcher : IDisposable
{
    /// <summary>Header with the send time, Unix seconds.</summary>
    public const string TimestampHeader = "X-Haven-Timestamp";

    /// <summary>Header with the action id; the receiver applies each key at most once.</summary>
    public const string IdempotencyHeader = "Idempotency-Key";

    private readonly HavenStore _store;
    private readonly WebhookOptions _options;
    private readonly HttpClient _client;
    private readonly Func<double> _jitter;
    private readonly ILogger _logger;
    private readonly OutboxQueue _queue;

    /// <summary>Creates a dispatcher; <paramref name="handler"/> and <paramref name="jitter"/> are for tests.</summary>
    /// <exception cref="ArgumentException">The options are invalid (the host validates them at start-up).</exception>
    public WebhookDispatcher(HavenStore store, WebhookOptions options, HttpMessageHandler? handler = null, Func<double>? jitter = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid webhook options: " + string.Join(" ", problems), nameof(options));
        }

        _store = store;
        _options = options;
        _jitter = jitter ?? Random.Shared.NextDouble;
        _logger = store.LoggerFactory.CreateLogger<WebhookDispatcher>();
        _queue = new OutboxQueue(store);
        _client = new HttpClient(
            handler ?? new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = options.Timeout, PooledConnectionLifetime = TimeSpan.FromMinutes(5) },
            disposeHandler: handler is null)
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>
    /// How long a claimed row stays invisible to other dispatchers: the worst case of a sequential batch plus a margin.
    /// If it runs out mid-send the row may be sent twice, which the idempotency key makes harmless.
    /// </summary>
    internal TimeSpan Lease => (_options.Timeout * _options.BatchSize) + TimeSpan.FromMinutes(1);

    /// <summary>Claims and sends every row due now, up to <see cref="WebhookOptions.BatchSize"/>; returns what happened.</summary>
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
            var (verdict, failure) = await SendAsync(row, cancellationToken).ConfigureAwait(false);
            var outcome = await RecordAsync(row, verdict, failure, cancellationToken).ConfigureAwait(false);
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
    /// <see cref="WebhookOptions.PollInterval"/>, until cancelled. A failing database is logged and retried.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var summary = DispatchSummary.Empty;
            try
            {
                summary = await RunOnceAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (DbException ex)
            {
                OutboxLog.RoundFailed(_logger, ex);
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

    /// <summary>The exact request body for one attempt: <c>{"actionId","kind","payload","attempt"}</c>, UTF-8.</summary>
    internal static byte[] BuildBody(string actionId, string kind, string payloadJson, int attempt)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("actionId", actionId);
            writer.WriteString("kind", kind);
            writer.WritePropertyName("payload");
            writer.WriteRawValue(payloadJson);
            writer.WriteNumber("attempt", attempt);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <inheritdoc />
    public void Dispose() => _client.Dispose();

    private async Task<List<Claimed>> ClaimAsync(CancellationToken cancellationToken)
    {
        var now = _store.NowUnixMilliseconds;
        var leaseUntil = now + (long)Lease.TotalMilliseconds;
        var skipLocked = _store.Provider == StoreProvider.Postgres ? " FOR UPDATE SKIP LOCKED" : string.Empty;
        await using var connection = await _store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await _store.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<Claimed>(new CommandDefinition(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = @leaseUntil " +
            "WHERE id IN (SELECT id FROM outbox WHERE state = 'pending' AND adapter = @adapter AND next_attempt_at <= @now " +
            "ORDER BY next_attempt_at, id LIMIT @batch" + skipLocked + ") " +
            "RETURNING id, action_id, kind, payload, attempts",
            new { leaseUntil, now, adapter = OutboxAction.WebhookAdapter, batch = _options.BatchSize },
            transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var claimed = rows.OrderBy(r => r.Id).ToList();
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return claimed;
    }

    private async Task<(DeliveryVerdict Verdict, string Failure)> SendAsync(Claimed row, CancellationToken cancellationToken)
    {
        var attempt = (int)row.Attempts;
        var body = BuildBody(row.Action_id, row.Kind, row.Payload, attempt);
        using var request = new HttpRequestMessage(HttpMethod.Post, _options.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.TryAddWithoutValidation(WebhookSignature.Header, WebhookSignature.Compute(_options.Secret, body));
        request.Headers.TryAddWithoutValidation(TimestampHeader, _store.Time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation(IdempotencyHeader, row.Action_id);
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("Haven-Outbox", "1"));

        using var deadline = new CancellationTokenSource(_options.Timeout, _store.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            // Only the status matters; the response body is never read or stored.
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            return (RetryPolicy.Classify(status), "HTTP " + status.ToString(CultureInfo.InvariantCulture));
        }
        catch (HttpRequestException ex)
        {
            return (DeliveryVerdict.Transient, $"network error ({ex.HttpRequestError}): {ex.Message}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (DeliveryVerdict.Transient, $"timeout after {_options.Timeout.TotalSeconds:0.###} s");
        }
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
