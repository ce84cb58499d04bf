using System.Net;
using System.Net.Sockets;
using Haven.Enforcement;
using Haven.Storage;

namespace Haven.Server.Tests;

/// <summary>The server host runs the outbox dispatcher when a webhook is configured: an enqueued action arrives, signed.</summary>
public sealed class OutboxWiringTests : IAsyncLifetime
{
    private const string Secret = "wiring-test-secret-0123456789";
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "haven-wiring-" + Guid.NewGuid().ToString("N"));
    private readonly HttpListener _receiver = new();
    private readonly TaskCompletionSource<(string Body, bool SignatureValid, string? IdempotencyKey)> _received = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private HavenStore? _store;
    private Microsoft.AspNetCore.Builder.WebApplication? _app;

    public async Task InitializeAsync()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        _receiver.Prefixes.Add($"http://127.0.0.1:{port}/");
        _receiver.Start();
        _ = Task.Run(async () =>
        {
            var context = await _receiver.GetContextAsync();
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var valid = WebhookSignature.Verify(Secret, body.ToArray(), context.Request.Headers["X-Haven-Signature"]);
            context.Response.StatusCode = 200;
            context.Response.Close();
            _received.TrySetResult((System.Text.Encoding.UTF8.GetString(body.ToArray()), valid, context.Request.Headers["Idempotency-Key"]));
        });

        _store = (await HavenStore.OpenAsync(new StoreOptions { DataFolder = _folder })).Value;
        var options = new HavenServerOptions
        {
            Urls = "http://127.0.0.1:0",
            Webhook = new WebhookOptions { Url = new Uri($"http://127.0.0.1:{port}/actions"), Secret = Secret, PollInterval = TimeSpan.FromMilliseconds(100) },
        };
        _app = HavenServer.Build(options, _store);
        await _app.StartAsync();
    }

    [Fact]
    public async Task AnEnqueuedActionIsDeliveredSignedByTheRunningServer()
    {
        var action = new OutboxAction("decision-1:suspend_account", "suspend_account", new Dictionary<string, string> { ["accountId"] = "acct-7" });
        Assert.True(await new OutboxWriter(_store!).EnqueueAsync(action));

        // Liveness bound only (the dispatcher polls every 100 ms); not a performance assertion.
        var finished = await Task.WhenAny(_received.Task, Task.Delay(TimeSpan.FromSeconds(60)));
        Assert.Same(_received.Task, finished);
        var (body, signatureValid, key) = await _received.Task;
        Assert.True(signatureValid);
        Assert.Equal("decision-1:suspend_account", key);
        Assert.Contains("acct-7", body);
    }

    public async Task DisposeAsync()
    {
        _receiver.Close();
        await TestHosts.StopAsync(_app, _store, _folder);
    }
}
