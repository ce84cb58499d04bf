using Haven.Enforcement;

namespace Haven.Server;

/// <summary>Runs one outbox dispatcher (webhook or Mastodon) while the server runs; each claims only its adapter's rows.</summary>
internal sealed class OutboxDispatcherService(Func<CancellationToken, Task> run, IDisposable owned) : BackgroundService
{
    public OutboxDispatcherService(WebhookDispatcher dispatcher)
        : this(dispatcher.RunAsync, dispatcher)
    {
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => run(stoppingToken);

    public override void Dispose()
    {
        owned.Dispose();
        base.Dispose();
    }
}
