using Haven.Enforcement;

namespace Haven.Server;

/// <summary>Runs the webhook dispatcher for the enforcement outbox while the server runs.</summary>
internal sealed class OutboxDispatcherService(WebhookDispatcher dispatcher) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => dispatcher.RunAsync(stoppingToken);
}
