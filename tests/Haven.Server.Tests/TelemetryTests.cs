using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Haven.Security;
using Haven.Server.Telemetry;
using Haven.Storage;
using Haven.Tests.Enforcement;

namespace Haven.Server.Tests;

/// <summary>
/// OpenTelemetry: the Prometheus endpoint (off unless enabled, scope read) shows the pipeline's gauges, Haven's counters
/// and ASP.NET Core's request durations by route template; OTLP receives metrics and traces; neither carries content,
/// paths with ids, or hashes.
/// </summary>
public sealed class TelemetryTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task The_scrape_shows_lag_index_and_request_durations_by_route()
    {
        using (var response = await server.Client.GetAsync("/v1/events/telemetry-unknown-event"))
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        string metrics = string.Empty;
        for (var attempt = 0; attempt < 100 && !metrics.Contains("haven_processor_lag_events", StringComparison.Ordinal); attempt++)
        {
            await Task.Delay(100);
            metrics = await server.Client.GetStringAsync("/metrics");
        }

        Assert.NotNull(Value(metrics, "haven_processor_lag_events"));
        Assert.NotNull(Value(metrics, "haven_processor_lag_duration_seconds"));
        Assert.NotNull(Value(metrics, "haven_match_index_entries", "haven_match_kind=\"pdq\""));
        Assert.NotNull(Value(metrics, "http_server_request_duration_seconds_count", "http_route=\"/v1/events/{id}\""));
        Assert.NotNull(Value(metrics, "haven_match_index_rebuild_duration_seconds_bucket", "le=\"0.005\""));
        Assert.DoesNotContain("telemetry-unknown-event", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_are_not_served_unless_enabled()
    {
        var folder = Path.Combine(Path.GetTempPath(), "haven-telemetry-" + Guid.NewGuid().ToString("N"));
        var store = (await HavenStore.OpenAsync(new StoreOptions { DataFolder = folder })).Value;
        var app = HavenServer.Build(new HavenServerOptions { Urls = "http://127.0.0.1:0", ProcessEvents = false }, store);
        await app.StartAsync();
        try
        {
            var key = (await new ApiKeyService(store).CreateAsync("ops", ["read"])).Value.PlaintextKey;
            using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            using var response = await client.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
        finally
        {
            await TestHosts.StopAsync(app, store, folder);
        }
    }

    [Fact]
    public async Task Otlp_receives_metrics_and_traces_without_content_or_paths()
    {
        using var collector = new OtlpTestServer();
        var folder = Path.Combine(Path.GetTempPath(), "haven-otlp-" + Guid.NewGuid().ToString("N"));
        var store = (await HavenStore.OpenAsync(new StoreOptions { DataFolder = folder })).Value;
        var app = HavenServer.Build(new HavenServerOptions
        {
            Urls = "http://127.0.0.1:0",
            ProcessIdleInterval = TimeSpan.FromMilliseconds(50),
            Telemetry = new TelemetryOptions { OtlpEndpoint = new Uri($"http://127.0.0.1:{collector.Port}"), ExportInterval = TimeSpan.FromMilliseconds(200) },
        }, store);
        await app.StartAsync();
        try
        {
            // A banked hash, so that the post's media is a match and the policy decides (decisions by rule).
            var banks = new Haven.Banks.BankService(store);
            await banks.CreateAsync("known", "synthetic", true);
            var pdq = string.Concat(Enumerable.Range(0, 8).Select(i => ((uint)(0x7F4A7C15u * (i + 3))).ToString("x8", CultureInfo.InvariantCulture)));
            Assert.True((await banks.ImportAsync("known", new StringReader($"hash,quality,category\n{pdq},100,A1\n"), new Haven.Banks.Import.ImportOptions { Format = Haven.Banks.Import.ImportFormat.Csv }, null, CancellationToken.None)).IsSuccess);
            var key = (await new ApiKeyService(store).CreateAsync("platform", ["ingest", "read"])).Value.PlaintextKey;
            using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            const string Text = "placeholder-sentence-for-telemetry";
            var line = "{\"id\":\"otlp-ev-1\",\"type\":\"post.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"otlp-a\",\"post\":{\"id\":\"otlp-p1\",\"text\":\"" + Text + "\",\"media\":[{\"hashes\":{\"pdq\":\"" + pdq + "\",\"quality\":100}}]}}";
            using (var ingested = await client.PostAsync("/v1/events?probe=query-value-for-telemetry", new StringContent(line, Encoding.UTF8, "application/x-ndjson")))
            {
                Assert.True(ingested.IsSuccessStatusCode);
            }

            using (var record = await client.GetAsync("/v1/events/otlp-ev-1"))
            {
                Assert.Equal(HttpStatusCode.OK, record.StatusCode);
            }

            // Liveness bound only: the exporter pushes every 200 ms.
            for (var i = 0; i < 300 && !(collector.Has("/v1/metrics", "haven.events.ingested") && collector.Has("/v1/metrics", "haven.processor.batch.duration") && collector.Has("/v1/metrics", "haven.policy.decisions") &&
                collector.Has("/v1/traces", "signals batch") && collector.Has("/v1/traces", "GET /v1/events/{id}")); i++)
            {
                await Task.Delay(100);
            }

            Assert.True(collector.Has("/v1/metrics", "haven.events.ingested"), "metrics exported");
            Assert.True(collector.Has("/v1/metrics", "haven.processor.batch.duration"), "batch durations exported");
            Assert.True(collector.Has("/v1/metrics", "http.server.request.duration"), "HTTP durations exported");
            Assert.True(collector.Has("/v1/metrics", "haven.policy.decisions"), "decisions by rule exported");
            Assert.True(collector.Has("/v1/metrics", "enforce") && collector.Has("/v1/metrics", "haven.policy.mode") && collector.Has("/v1/metrics", "haven.policy.rule"), "decisions carry their rule and mode as namespaced attributes");
            Assert.True(collector.Has("/v1/traces", "signals batch"), "Haven's spans exported");
            Assert.True(collector.Has("/v1/traces", "GET /v1/events/{id}"), "request spans named by route template");
            Assert.All(collector.Requests, r => Assert.Equal("application/x-protobuf", r.ContentType));
            foreach (var forbidden in new[] { Text, "otlp-ev-1", "otlp-a", "query-value-for-telemetry", "/v1/events/otlp", pdq, pdq[..16] })
            {
                Assert.DoesNotContain(collector.Requests, r => r.Text.Contains(forbidden, StringComparison.Ordinal));
            }
        }
        finally
        {
            await TestHosts.StopAsync(app, store, folder);
        }
    }

    /// <summary>The value of the first sample of <paramref name="name"/> whose labels contain <paramref name="label"/>, or null.</summary>
    internal static double? Value(string metrics, string name, string? label = null)
    {
        foreach (var line in metrics.Split('\n'))
        {
            if (line.StartsWith(name, StringComparison.Ordinal) && line.Length > name.Length && line[name.Length] is '{' or ' ' &&
                (label is null || line.Contains(label, StringComparison.Ordinal)))
            {
                var value = line[(line.LastIndexOf('}') is var close and >= 0 ? close + 1 : name.Length)..].Trim().Split(' ')[0];
                return double.Parse(value, CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    private sealed class OtlpTestServer : LoopbackTestServer<OtlpTestServer.Received>
    {
        public sealed record Received(string Path, string? ContentType, string Text);

        /// <summary>Whether a request to <paramref name="path"/> carried <paramref name="text"/> (protobuf strings are UTF-8 bytes).</summary>
        public bool Has(string path, string text) => Requests.Any(r => r.Path == path && r.Text.Contains(text, StringComparison.Ordinal));

        protected override async Task<(Received Received, bool Refused)> ReadAsync(HttpListenerRequest request)
        {
            using var buffer = new MemoryStream();
            await request.InputStream.CopyToAsync(buffer);
            return (new Received(request.Url!.AbsolutePath, request.ContentType, Encoding.Latin1.GetString(buffer.ToArray())), false);
        }
    }
}
