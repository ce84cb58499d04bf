using Haven.Storage;

namespace Haven.Enforcement;

/// <summary>
/// Delivers the <c>webhook</c> adapter's outbox rows as signed webhooks (docs/enforcement.md): an
/// <see cref="OutboxDispatcher"/> (claim, retry, dead-letter, audit) driving a <see cref="WebhookSender"/>.
/// Delivery is at least once; the receiver de-duplicates on <c>Idempotency-Key</c>.
/// </summary>
internal sealed class WebhookDispatcher : IDisposable
{
    /// <summary>Header with the send time, Unix seconds.</summary>
    public const string TimestampHeader = "X-Haven-Timestamp";

    /// <summary>Header with the action id; the receiver applies each key at most once.</summary>
    public const string IdempotencyHeader = "Idempotency-Key";

    private readonly WebhookSender _sender;
    private readonly OutboxDispatcher _dispatcher;

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

        _sender = new WebhookSender(options, store.Time, handler);
        _dispatcher = new OutboxDispatcher(store, options, _sender, jitter);
    }

    /// <summary>How long a claimed row stays invisible to other dispatchers (<see cref="OutboxDispatcher.Lease"/>).</summary>
    internal TimeSpan Lease => _dispatcher.Lease;

    /// <summary>Claims and sends every webhook row due now, up to <see cref="OutboxDispatchOptions.BatchSize"/>; returns what happened.</summary>
    public Task<DispatchSummary> RunOnceAsync(CancellationToken cancellationToken = default) => _dispatcher.RunOnceAsync(cancellationToken);

    /// <summary>The host loop; see <see cref="OutboxDispatcher.RunAsync"/>.</summary>
    public Task RunAsync(CancellationToken cancellationToken) => _dispatcher.RunAsync(cancellationToken);

    /// <summary>Moves dead rows back to pending (all dead rows when <paramref name="actionIds"/> is null); see <see cref="OutboxQueue.ReplayAsync"/>.</summary>
    public Task<OutboxReplayResult> ReplayAsync(IReadOnlyCollection<string>? actionIds, CancellationToken cancellationToken = default) =>
        _dispatcher.ReplayAsync(actionIds, cancellationToken);

    /// <summary>The exact request body for one attempt; see <see cref="WebhookSender.BuildBody"/>.</summary>
    internal static byte[] BuildBody(string actionId, string kind, string payloadJson, int attempt) =>
        WebhookSender.BuildBody(actionId, kind, payloadJson, attempt);

    /// <inheritdoc />
    public void Dispose() => _sender.Dispose();
}
