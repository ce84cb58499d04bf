using System.Collections.Concurrent;
using Haven.Enforcement;
using Haven.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Haven.Server.Tests;

/// <summary>Background loops survive failures: a dispatcher whose adapter throws keeps the host alive and keeps dispatching.</summary>
public sealed class BackgroundLoopTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "haven-loops-" + Guid.NewGuid().ToString("N"));
    private HavenStore? _store;

    public async Task InitializeAsync() => _store = (await HavenStore.OpenAsync(new StoreOptions { DataFolder = _folder })).Value;

    public async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_dispatcher_whose_adapter_throws_a_non_http_exception_keeps_the_host_alive_and_dispatches_later_rows()
    {
        var adapter = new ThrowingAdapter("decision-1:remove_content");
        var options = new WebhookOptions { Url = new Uri("http://127.0.0.1:9/unused"), Secret = "loop-test-secret-0123456789", PollInterval = TimeSpan.FromMilliseconds(50) };
        var dispatcher = new OutboxDispatcher(_store!, options, adapter);
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddHostedService(_ => new OutboxDispatcherService(dispatcher.RunAsync, adapter));
        using var host = builder.Build();
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        await EnqueueAsync("decision-1:remove_content", "decision-2:remove_content");

        await host.StartAsync();
        await WaitForAsync(() => adapter.Delivered.Contains("decision-2:remove_content"));
        await EnqueueAsync("decision-3:remove_content");
        await WaitForAsync(() => adapter.Delivered.Contains("decision-3:remove_content"));

        Assert.False(lifetime.ApplicationStopping.IsCancellationRequested);
        var bad = (await new OutboxQueue(_store!).FindAsync("decision-1:remove_content"))!;
        Assert.Equal((OutboxState.Pending, "adapter_exception:InvalidOperationException"), (bad.State, bad.LastError));
        await host.StopAsync();
    }

    private async Task EnqueueAsync(params string[] actionIds)
    {
        foreach (var id in actionIds)
        {
            Assert.True(await new OutboxWriter(_store!).EnqueueAsync(new OutboxAction(id, "remove_content", new Dictionary<string, string> { ["contentId"] = "c-" + id })));
        }
    }

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

    /// <summary>An adapter that breaks its contract: it throws for one action id and delivers the rest.</summary>
    private sealed class ThrowingAdapter(string failFor) : IEnforcementAdapter, IDisposable
    {
        public ConcurrentBag<string> Delivered { get; } = [];

        public string AdapterName => OutboxAction.WebhookAdapter;

        public Task<AdapterOutcome> SendAsync(OutboxDelivery delivery, CancellationToken cancellationToken)
        {
            if (delivery.ActionId == failFor)
            {
                throw new InvalidOperationException("adapter bug");
            }

            Delivered.Add(delivery.ActionId);
            return Task.FromResult(new AdapterOutcome(DeliveryVerdict.Delivered, string.Empty));
        }

        public void Dispose()
        {
        }
    }
}
