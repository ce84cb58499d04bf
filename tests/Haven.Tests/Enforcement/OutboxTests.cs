using System.Text.Json;
using Dapper;
using Haven.Audit;
using Haven.Enforcement;
using Haven.Storage;
using Haven.Tests.Storage;

namespace Haven.Tests.Enforcement;

/// <summary>The outbox and the webhook dispatcher against a real HTTP server on loopback, on every store provider.</summary>
public abstract class OutboxTests : StoreSuite, IDisposable
{
    private const string Marker = "ids-only-marker-5c1e";

    private readonly WebhookTestServer _server = new();
    private readonly List<WebhookDispatcher> _dispatchers = [];

    private OutboxQueue Queue => new(Store);

    public void Dispose()
    {
        foreach (var dispatcher in _dispatchers)
        {
            dispatcher.Dispose();
        }

        _server.Dispose();
        GC.SuppressFinalize(this);
    }

    private WebhookDispatcher Dispatcher(Uri? url = null, int maxAttempts = 10, int batchSize = 32)
    {
        var dispatcher = new WebhookDispatcher(Store, new WebhookOptions
        {
            Url = url ?? _server.Url,
            Secret = WebhookTestServer.Secret,
            MaxAttempts = maxAttempts,
            BatchSize = batchSize,
            Timeout = TimeSpan.FromSeconds(5),
        }, jitter: () => 1.0);
        _dispatchers.Add(dispatcher);
        return dispatcher;
    }

    private static OutboxAction Action(int decision, string kind = "remove_content") =>
        new($"decision-{decision}:{kind}", kind, new Dictionary<string, string> { ["decisionId"] = $"decision-{decision}", ["contentId"] = $"{Marker}-{decision}" });

    private async Task EnqueueAsync(params OutboxAction[] actions)
    {
        foreach (var action in actions)
        {
            await new OutboxWriter(Store).EnqueueAsync(action);
        }
    }

    private async Task<OutboxEntry> RowAsync(string actionId) => (await Queue.FindAsync(actionId))!;

    private async Task<IReadOnlyList<AuditEntry>> AuditAsync(string action) =>
        [.. (await new AuditLog(Store).ReadAsync()).Where(e => e.Action == action)];

    [StoreFact]
    public async Task A_due_action_is_posted_signed_with_its_idempotency_key_and_marked_delivered()
    {
        var action = Action(1);
        await EnqueueAsync(action);

        var summary = await Dispatcher().RunOnceAsync();

        Assert.Equal(new DispatchSummary(1, 1, 0, 0), summary);
        var request = Assert.Single(_server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/hooks/haven", request.Path);
        Assert.True(request.SignatureValid);
        Assert.Equal(WebhookSignature.Compute(WebhookTestServer.Secret, request.Body), request.Signature);
        Assert.Equal(action.ActionId, request.IdempotencyKey);
        Assert.Equal(Time.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), request.Timestamp);
        Assert.StartsWith("application/json", request.ContentType);
        using (var body = JsonDocument.Parse(request.Body))
        {
            var root = body.RootElement;
            Assert.Equal(action.ActionId, root.GetProperty("actionId").GetString());
            Assert.Equal("remove_content", root.GetProperty("kind").GetString());
            Assert.Equal("decision-1", root.GetProperty("payload").GetProperty("decisionId").GetString());
            Assert.Equal($"{Marker}-1", root.GetProperty("payload").GetProperty("contentId").GetString());
            Assert.Equal(1, root.GetProperty("attempt").GetInt32());
        }

        var row = await RowAsync(action.ActionId);
        Assert.Equal(OutboxState.Delivered, row.State);
        Assert.Equal(1, row.Attempts);
        Assert.Equal(Time.GetUtcNow(), row.DeliveredAt);
        Assert.Null(row.LastError);
        var audit = Assert.Single(await AuditAsync("outbox.delivered"));
        Assert.Equal("outbox:" + action.ActionId, audit.Subject);
        Assert.Contains("\"attempts\":1", audit.Details);

        Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(DispatchSummary.Empty, await Dispatcher().RunOnceAsync());
        Assert.Single(_server.Requests);
    }

    [StoreFact]
    public async Task Enqueueing_the_same_action_id_twice_keeps_one_row_and_sends_once()
    {
        var writer = new OutboxWriter(Store);
        Assert.True(await writer.EnqueueAsync(Action(7)));
        Assert.False(await writer.EnqueueAsync(Action(7)));
        Assert.Single(await Queue.ListAsync());

        await Dispatcher().RunOnceAsync();
        Assert.False(await writer.EnqueueAsync(Action(7)));
        Assert.Equal(DispatchSummary.Empty, await Dispatcher().RunOnceAsync());
        Assert.Single(_server.Requests);
        Assert.Equal(OutboxState.Delivered, (await RowAsync(Action(7).ActionId)).State);
    }

    [StoreFact]
    public async Task An_action_enqueued_in_a_rolled_back_transaction_does_not_exist()
    {
        await using (var connection = await Store.OpenConnectionAsync())
        {
            await using var transaction = await Store.BeginWriteAsync(connection, CancellationToken.None);
            Assert.True(await new OutboxWriter(Store).EnqueueAsync(connection, transaction, Action(2)));
            await transaction.RollbackAsync();
        }

        Assert.Empty(await Queue.ListAsync());
        Assert.Equal(DispatchSummary.Empty, await Dispatcher().RunOnceAsync());
        Assert.Empty(_server.Requests);

        await using (var connection = await Store.OpenConnectionAsync())
        {
            await using var transaction = await Store.BeginWriteAsync(connection, CancellationToken.None);
            Assert.True(await new OutboxWriter(Store).EnqueueAsync(connection, transaction, Action(2)));
            await transaction.CommitAsync();
        }

        Assert.Single(await Queue.ListAsync(OutboxState.Pending));
    }

    [StoreFact]
    public async Task A_server_error_is_retried_after_the_backoff_and_then_delivered()
    {
        var action = Action(3);
        await EnqueueAsync(action);
        _server.Answer(500);
        var dispatcher = Dispatcher();

        Assert.Equal(new DispatchSummary(1, 0, 1, 0), await dispatcher.RunOnceAsync());
        var row = await RowAsync(action.ActionId);
        Assert.Equal((OutboxState.Pending, 1, "HTTP 500"), (row.State, row.Attempts, row.LastError));
        Assert.Equal(Time.GetUtcNow() + TimeSpan.FromSeconds(2), row.NextAttemptAt);

        Assert.Equal(DispatchSummary.Empty, await dispatcher.RunOnceAsync());
        Time.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.Equal(DispatchSummary.Empty, await dispatcher.RunOnceAsync());
        Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(new DispatchSummary(1, 1, 0, 0), await dispatcher.RunOnceAsync());

        Assert.Equal(2, _server.Requests.Count);
        Assert.All(_server.Requests, r => Assert.Equal(action.ActionId, r.IdempotencyKey));
        using var second = JsonDocument.Parse(_server.Requests.Last().Body);
        Assert.Equal(2, second.RootElement.GetProperty("attempt").GetInt32());
        Assert.Equal((OutboxState.Delivered, 2), ((await RowAsync(action.ActionId)).State, (await RowAsync(action.ActionId)).Attempts));
    }

    [StoreFact]
    public async Task Timeouts_and_rate_limits_are_retried_but_a_client_error_is_dead_at_once()
    {
        await EnqueueAsync(Action(4), Action(5), Action(6));
        _server.Answer(408, 429, 400);

        Assert.Equal(new DispatchSummary(3, 0, 2, 1), await Dispatcher().RunOnceAsync());

        var dead = await RowAsync(Action(6).ActionId);
        Assert.Equal((OutboxState.Dead, 1, "HTTP 400"), (dead.State, dead.Attempts, dead.LastError));
        var audit = Assert.Single(await AuditAsync("outbox.dead"));
        Assert.Equal("outbox:" + Action(6).ActionId, audit.Subject);
        Assert.Contains("HTTP 400", audit.Details);

        Time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(new DispatchSummary(2, 2, 0, 0), await Dispatcher().RunOnceAsync());
        Assert.Equal(OutboxState.Dead, (await RowAsync(Action(6).ActionId)).State);
        Assert.Equal(5, _server.Requests.Count);
    }

    [StoreFact]
    public async Task A_refused_connection_is_retried_with_growing_capped_delays_then_dead_lettered()
    {
        var action = Action(8);
        await EnqueueAsync(action);
        var closed = new Uri($"http://127.0.0.1:{WebhookTestServer.FreePort()}/hooks");
        var dispatcher = new WebhookDispatcher(Store, new WebhookOptions
        {
            Url = closed,
            Secret = WebhookTestServer.Secret,
            MaxAttempts = 6,
            BaseDelay = TimeSpan.FromSeconds(2),
            MaxDelay = TimeSpan.FromSeconds(10),
            Timeout = TimeSpan.FromSeconds(5),
        }, jitter: () => 1.0);
        _dispatchers.Add(dispatcher);

        var delays = new List<TimeSpan>();
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            Assert.Equal(new DispatchSummary(1, 0, 1, 0), await dispatcher.RunOnceAsync());
            var row = await RowAsync(action.ActionId);
            Assert.Equal((OutboxState.Pending, attempt), (row.State, row.Attempts));
            Assert.StartsWith("network error", row.LastError);
            delays.Add(row.NextAttemptAt - Time.GetUtcNow());
            Time.Advance(row.NextAttemptAt - Time.GetUtcNow());
        }

        Assert.Equal([2, 4, 8, 10, 10], delays.Select(d => d.TotalSeconds));
        Assert.Equal(new DispatchSummary(1, 0, 0, 1), await dispatcher.RunOnceAsync());
        var deadRow = await RowAsync(action.ActionId);
        Assert.Equal((OutboxState.Dead, 6), (deadRow.State, deadRow.Attempts));
        Assert.Contains("\"attempts\":6", Assert.Single(await AuditAsync("outbox.dead")).Details);
        Time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(DispatchSummary.Empty, await dispatcher.RunOnceAsync());
    }

    [StoreFact]
    public async Task Replay_moves_dead_rows_back_to_pending_with_attempts_reset_and_they_are_delivered()
    {
        await EnqueueAsync(Action(10), Action(11), Action(12));
        _server.Answer(400, 410, 200);
        Assert.Equal(new DispatchSummary(3, 1, 0, 2), await Dispatcher().RunOnceAsync());

        var result = await Queue.ReplayAsync([Action(10).ActionId, Action(12).ActionId, "decision-404:remove_content"]);
        Assert.Equal([Action(10).ActionId], result.Replayed);
        Assert.Equal([Action(12).ActionId], result.NotDead);
        Assert.Equal(["decision-404:remove_content"], result.NotFound);
        var replayed = await RowAsync(Action(10).ActionId);
        Assert.Equal((OutboxState.Pending, 0, (string?)null), (replayed.State, replayed.Attempts, replayed.LastError));

        var all = await Dispatcher().ReplayAsync(null);
        Assert.Equal([Action(11).ActionId], all.Replayed);
        Assert.Equal(2, (await AuditAsync("outbox.replayed")).Count);

        Assert.Equal(new DispatchSummary(2, 2, 0, 0), await Dispatcher().RunOnceAsync());
        Assert.All(await Queue.ListAsync(), r => Assert.Equal(OutboxState.Delivered, r.State));
        Assert.Equal(5, _server.Requests.Count);
        using var body = JsonDocument.Parse(_server.Requests.Last().Body);
        Assert.Equal(1, body.RootElement.GetProperty("attempt").GetInt32());
        Assert.Empty(await Queue.ListAsync(OutboxState.Dead));
    }

    [StoreFact]
    public async Task Concurrent_dispatchers_deliver_each_action_exactly_once()
    {
        await EnqueueAsync([.. Enumerable.Range(100, 40).Select(i => Action(i))]);
        var dispatchers = Enumerable.Range(0, 4).Select(_ => Dispatcher(batchSize: 5)).ToList();

        var rounds = await Task.WhenAll(dispatchers.Select(async d =>
        {
            var total = 0;
            while ((await d.RunOnceAsync()).Claimed is var claimed and > 0)
            {
                total += claimed;
            }

            return total;
        }));

        Assert.Equal(40, rounds.Sum());
        Assert.Equal(40, _server.Requests.Count);
        Assert.Equal(40, _server.Requests.Select(r => r.IdempotencyKey).Distinct().Count());
        Assert.All(await Queue.ListAsync(), r => Assert.Equal((OutboxState.Delivered, 1), (r.State, r.Attempts)));
    }

    [StoreFact]
    public async Task Logs_and_audit_entries_carry_ids_and_counts_but_never_the_payload()
    {
        await EnqueueAsync(Action(20), Action(21), Action(22));
        _server.Answer(200, 500, 400);
        await Dispatcher().RunOnceAsync();
        await Queue.ReplayAsync(null);

        Assert.NotEmpty(Logs.Messages);
        Assert.Contains(Logs.Messages, m => m.Contains(Action(20).ActionId, StringComparison.Ordinal));
        Assert.DoesNotContain(Logs.Messages, m => m.Contains(Marker, StringComparison.Ordinal));
        var audit = await new AuditLog(Store).ReadAsync();
        Assert.Equal(3, audit.Count);
        Assert.DoesNotContain(audit, e => e.Details.Contains(Marker, StringComparison.Ordinal) || e.Subject.Contains(Marker, StringComparison.Ordinal));
        Assert.True((await new AuditLog(Store).VerifyAsync()).Intact);
    }

    [StoreFact]
    public async Task An_adapter_that_throws_fails_only_its_own_row_and_the_loop_keeps_dispatching_later_rows()
    {
        var adapter = new ThrowingAdapter(Action(1).ActionId);
        var dispatcher = new OutboxDispatcher(Store, LoopOptions(), adapter);
        await EnqueueAsync(Action(1), Action(2));
        using var stop = new CancellationTokenSource();

        var loop = dispatcher.RunAsync(stop.Token);
        await WaitForAsync(() => adapter.Delivered.Contains(Action(2).ActionId));
        await EnqueueAsync(Action(3));
        await WaitForAsync(() => adapter.Delivered.Contains(Action(3).ActionId));

        Assert.False(loop.IsCompleted);
        var bad = await RowAsync(Action(1).ActionId);
        Assert.Equal((OutboxState.Pending, "adapter_exception:InvalidOperationException"), (bad.State, bad.LastError));
        Assert.DoesNotContain(Logs.Messages, m => m.Contains(ThrowingAdapter.Quoted, StringComparison.Ordinal));
        await stop.CancelAsync();
        await loop;
    }

    [StoreFact]
    public async Task The_dispatch_loop_survives_failing_rounds_reports_them_and_dispatches_once_the_store_is_back()
    {
        var adapter = new ThrowingAdapter(failFor: null);
        var dispatcher = new OutboxDispatcher(Store, LoopOptions(), adapter);
        await using (var connection = await Store.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("ALTER TABLE outbox RENAME TO outbox_away");
        }

        using var stop = new CancellationTokenSource();
        var loop = dispatcher.RunAsync(stop.Token);
        await WaitForAsync(() => Logs.Messages.Count(m => m.Contains("Background loop outbox_webhook failed", StringComparison.Ordinal)) >= 2);
        await using (var connection = await Store.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("ALTER TABLE outbox_away RENAME TO outbox");
        }

        await EnqueueAsync(Action(4));
        await WaitForAsync(() => adapter.Delivered.Contains(Action(4).ActionId));

        Assert.False(loop.IsCompleted);
        Assert.Contains(Logs.Messages, m => m.Contains("failure 2 in a row", StringComparison.Ordinal));
        await stop.CancelAsync();
        await loop;
    }

    private static WebhookOptions LoopOptions() => new()
    {
        Url = new Uri("http://127.0.0.1:9/unused"),
        Secret = WebhookTestServer.Secret,
        PollInterval = TimeSpan.FromMilliseconds(50),
        Timeout = TimeSpan.FromSeconds(5),
    };

    private static async Task WaitForAsync(Func<bool> condition)
    {
        // Liveness bound only (the loop polls every 50 ms); not a performance assertion.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for the dispatch loop");
            await Task.Delay(20);
        }
    }

    /// <summary>An adapter that breaks its contract: it throws (a non-HTTP exception) for one action id and delivers the rest.</summary>
    private sealed class ThrowingAdapter(string? failFor) : IEnforcementAdapter
    {
        public const string Quoted = "content-in-an-adapter-exception-91ab";

        public System.Collections.Concurrent.ConcurrentBag<string> Delivered { get; } = [];

        public string AdapterName => OutboxAction.WebhookAdapter;

        public Task<AdapterOutcome> SendAsync(OutboxDelivery delivery, CancellationToken cancellationToken)
        {
            if (delivery.ActionId == failFor)
            {
                throw new InvalidOperationException(Quoted);
            }

            Delivered.Add(delivery.ActionId);
            return Task.FromResult(new AdapterOutcome(DeliveryVerdict.Delivered, string.Empty));
        }
    }

    [StoreFact]
    public async Task The_outbox_table_has_its_unique_key_and_due_index()
    {
        await using var connection = await Store.OpenConnectionAsync();
        var sql = Store.Provider == StoreProvider.Sqlite
            ? "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'ix_outbox_due'"
            : "SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'ix_outbox_due'";
        Assert.Equal(1, await connection.ExecuteScalarAsync<long>(sql));
    }
}

public sealed class SqliteOutboxTests : OutboxTests
{
    internal override StoreProvider Provider => StoreProvider.Sqlite;
}

[PostgresSuite]
public sealed class PostgresOutboxTests : OutboxTests
{
    internal override StoreProvider Provider => StoreProvider.Postgres;
}
