using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Haven.Security;
using Haven.Storage;

namespace Haven.Server.Tests;

/// <summary><c>/health/live</c> answers while the process runs; <c>/health/ready</c> reports a log nobody processes.</summary>
public sealed class HealthTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Live_and_ready_answer_without_a_key_with_each_check()
    {
        using var live = await server.Anonymous.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        using var ready = await server.Anonymous.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var body = await ready.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("ok", body.GetProperty("status").GetString());
        Assert.Equal(["match_index", "processing", "store"], body.GetProperty("checks").EnumerateObject().Select(c => c.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Ready_reports_processing_degraded_when_events_wait_and_no_worker_moves_the_checkpoint()
    {
        var folder = Path.Combine(Path.GetTempPath(), "haven-health-" + Guid.NewGuid().ToString("N"));
        var store = (await HavenStore.OpenAsync(new StoreOptions { DataFolder = folder })).Value;
        var app = HavenServer.Build(new HavenServerOptions { Urls = "http://127.0.0.1:0", ProcessEvents = false, ProcessingStallThreshold = TimeSpan.FromMilliseconds(1) }, store);
        await app.StartAsync();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            using (var before = await client.GetAsync("/health/ready"))
            {
                Assert.Equal(HttpStatusCode.OK, before.StatusCode);
            }

            var key = (await new ApiKeyService(store).CreateAsync("platform", ["ingest"])).Value.PlaintextKey;
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
            var line = "{\"id\":\"h-1\",\"type\":\"follow.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"a\",\"target\":\"b\"}";
            using (await client.PostAsync("/v1/events", new StringContent(line, Encoding.UTF8, "application/x-ndjson")))
            {
            }

            await Task.Delay(50);
            using var ready = await client.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            var body = await ready.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("degraded", body.GetProperty("status").GetString());
            var processing = body.GetProperty("checks").GetProperty("processing");
            Assert.Equal("degraded", processing.GetProperty("status").GetString());
            Assert.Contains("no worker is processing", processing.GetProperty("detail").GetString());
            Assert.Equal(1, processing.GetProperty("data").GetProperty("waiting").GetInt64());
            using var live = await client.GetAsync("/health/live");
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }
        finally
        {
            await TestHosts.StopAsync(app, store, folder);
        }
    }
}
