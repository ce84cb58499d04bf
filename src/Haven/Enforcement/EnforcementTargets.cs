using Haven.Storage;

namespace Haven.Enforcement;

/// <summary>
/// Where platform actions go: the one rule that decides which adapters receive the actions a decision enqueues, and the
/// dispatchers that deliver them. Every host (<c>haven serve</c>, <c>haven process</c>, the demo) builds both from this
/// one object, so the same settings enqueue for the same adapters whichever host runs the signals stage; a worker that
/// only processes (no dispatcher) still enqueues for the adapters its settings name, for a server to deliver.
/// </summary>
internal sealed record EnforcementTargets(WebhookOptions? Webhook, MastodonOptions? Mastodon)
{
    /// <summary>No adapter configured: actions queue for the webhook adapter until a dispatcher is configured.</summary>
    public static EnforcementTargets None { get; } = new(null, null);

    /// <summary>The adapters that receive each platform action: the configured ones, or the webhook queue when none is.</summary>
    public IReadOnlyList<string> Adapters =>
        (Webhook, Mastodon) switch
        {
            (null, null) => [OutboxAction.WebhookAdapter],
            (not null, null) => [OutboxAction.WebhookAdapter],
            (null, not null) => [OutboxAction.MastodonAdapter],
            _ => [OutboxAction.WebhookAdapter, OutboxAction.MastodonAdapter],
        };

    /// <summary>Why these settings cannot work, or null.</summary>
    public string? Validate() =>
        Webhook?.Validate() is { Count: > 0 } webhook ? "Webhook: " + string.Join("; ", webhook)
        : Mastodon?.Validate() is { Count: > 0 } mastodon ? "Mastodon: " + string.Join("; ", mastodon)
        : null;

    /// <summary>One dispatch loop per configured adapter, each with what it owns (disposed when the host stops).</summary>
    public IReadOnlyList<(Func<CancellationToken, Task> Run, IDisposable Owned)> CreateDispatchers(HavenStore store)
    {
        var loops = new List<(Func<CancellationToken, Task>, IDisposable)>();
        if (Webhook is { } webhook)
        {
            var dispatcher = new WebhookDispatcher(store, webhook);
            loops.Add((dispatcher.RunAsync, dispatcher));
        }

        if (Mastodon is { } mastodon)
        {
            var adapter = new MastodonAdapter(mastodon, store.Time);
            loops.Add((new OutboxDispatcher(store, mastodon, adapter).RunAsync, adapter));
        }

        return loops;
    }
}
