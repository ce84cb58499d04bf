using System.Net.Http.Headers;
using System.Text;
using Haven.Banks;
using Haven.Enforcement;
using Haven.Security;
using Haven.Storage;
using Haven.Tests.Enforcement;

namespace Haven.Server.Tests;

/// <summary>
/// The same settings give the same behaviour whichever host runs the signals stage: a server that only takes events in
/// and dispatches, with a separate <c>haven process</c> worker deciding, delivers the worker's account actions to the
/// Mastodon instance both were given.
/// </summary>
public sealed class WorkerWiringTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "haven-workers-" + Guid.NewGuid().ToString("N"));
    private readonly MastodonTestServer _mastodon = new();
    private HavenStore? _store;
    private Microsoft.AspNetCore.Builder.WebApplication? _app;

    public async Task InitializeAsync()
    {
        _store = (await HavenStore.OpenAsync(new StoreOptions { DataFolder = Path.Combine(_folder, "data") })).Value;
        var options = new HavenServerOptions
        {
            Urls = "http://127.0.0.1:0",
            ProcessEvents = false,
            Mastodon = new MastodonOptions { BaseUrl = _mastodon.BaseUrl, AccessToken = MastodonTestServer.Token, PollInterval = TimeSpan.FromMilliseconds(100) },
        };
        _app = HavenServer.Build(options, _store);
        await _app.StartAsync();
    }

    [Fact]
    public async Task A_process_worker_beside_a_no_process_server_gets_its_account_actions_delivered_to_mastodon()
    {
        var banks = new BankService(_store!);
        await banks.CreateAsync("known", "synthetic", true);
        var pdq = string.Concat(Enumerable.Range(0, 8).Select(i => ((uint)(0x9E3779B9u * (i + 1))).ToString("x8", System.Globalization.CultureInfo.InvariantCulture)));
        var imported = await banks.ImportAsync("known", new StringReader($"hash,quality,category\n{pdq},100,A1\n"), new Haven.Banks.Import.ImportOptions { Format = Haven.Banks.Import.ImportFormat.Csv }, null, CancellationToken.None);
        Assert.True(imported.IsSuccess);

        var key = (await new ApiKeyService(_store!).CreateAsync("platform", ["ingest"])).Value.PlaintextKey;
        using var client = new HttpClient { BaseAddress = new Uri(_app!.Urls.First()) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var line = $"{{\"id\":\"w-1\",\"type\":\"post.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"4242\",\"post\":{{\"id\":\"w-p1\",\"media\":[{{\"hashes\":{{\"pdq\":\"{pdq}\",\"quality\":100}}}}]}}}}";
        using (var ingested = await client.PostAsync("/v1/events", new StringContent(line, Encoding.UTF8, "application/x-ndjson")))
        {
            Assert.True(ingested.IsSuccessStatusCode);
        }

        var worker = await CliTests.Run(_folder, ["process", "--data", Path.Combine(_folder, "data"), "--mastodon-url", _mastodon.BaseUrl.ToString()],
            new Dictionary<string, string> { ["HAVEN_MASTODON_TOKEN"] = MastodonTestServer.Token });
        Assert.True(worker.ExitCode == 0, worker.Stderr);

        // Liveness bound only (the server's dispatcher polls every 100 ms); not a performance assertion.
        for (var i = 0; i < 600 && !_mastodon.Requests.Any(r => r.Path == "/api/v1/admin/accounts/4242/action"); i++)
        {
            await Task.Delay(100);
        }

        var request = Assert.Single(_mastodon.Requests, r => r.Path == "/api/v1/admin/accounts/4242/action");
        Assert.Equal("suspend", request.Form["type"]);
        await using var connection = await _store!.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM outbox WHERE adapter = 'webhook'";
        Assert.Equal(0L, Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
    }

    public async Task DisposeAsync()
    {
        _mastodon.Dispose();
        await TestHosts.StopAsync(_app, _store, _folder);
    }
}
