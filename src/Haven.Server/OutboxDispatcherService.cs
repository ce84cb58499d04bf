namespace Haven.Server;

/// <summary>Runs one outbox dispatcher (webhook or Mastodon) while the server runs; each claims only its adapter's rows.</summary>
internal sealed class OutboxDispatcherService(Func<CancellationToken, Task> run, IDisposable owned) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => run(stoppingToken);

    public override void Dispose()
    {
        owned.Dispose();
        base.Dispose();
    }
}
