using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Haven.Server.Tests;

public sealed class IngestTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    internal static string Follow(string id, int i) =>
        $"{{\"id\":\"{id}\",\"type\":\"follow.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"acct-{i}\",\"target\":\"acct-{i + 1}\"}}";

    [Fact]
    public async Task EventsAreAnsweredLineByLine()
    {
        var body = string.Join('\n', Follow("http-e1", 1), "{broken", Follow("http-e2", 2), Follow("http-e1", 1)) + "\n";
        using var response = await server.Client.PostAsync("/v1/events", new StringContent(body, Encoding.UTF8, "application/x-ndjson"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        var statuses = json.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("status").GetString()!).ToArray();
        Assert.Equal(["accepted", "error", "accepted", "duplicate"], statuses);
        Assert.Equal(2, json.GetProperty("results")[1].GetProperty("line").GetInt64());
        Assert.Contains("malformed JSON", json.GetProperty("results")[1].GetProperty("error").GetString());
        Assert.Equal(2, json.GetProperty("summary").GetProperty("accepted").GetInt64());
    }

    [Fact]
    public async Task MediaTravelsAsMultipartPartsAndIsStoredInlineAndMatched()
    {
        using var bitmap = Haven.Simulation.SyntheticImages.Generate(seed: 77);
        var jpeg = Haven.Simulation.SyntheticImages.Encode(bitmap);
        var events = string.Join('\n',
            "{\"id\":\"mp-1\",\"type\":\"post.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"mp-a\",\"post\":{\"id\":\"mp-p1\",\"media\":[{\"id\":\"m1\",\"part\":\"photo\"}]}}",
            "{\"id\":\"mp-2\",\"type\":\"post.created\",\"occurredAt\":\"2026-11-25T10:00:01Z\",\"actor\":\"mp-a\",\"post\":{\"id\":\"mp-p2\",\"media\":[{\"part\":\"missing\"}]}}");

        async Task<JsonElement> SendAsync()
        {
            using var form = new MultipartFormDataContent
            {
                { new StringContent(events, Encoding.UTF8, "application/x-ndjson"), "events", "events.ndjson" },
                { new ByteArrayContent(jpeg), "photo", "photo.jpg" },
            };
            using var response = await server.Client.PostAsync("/v1/events", form);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("results");
        }

        var results = await SendAsync();
        Assert.Equal("accepted", results[0].GetProperty("status").GetString());
        Assert.Equal("error", results[1].GetProperty("status").GetString());
        Assert.Contains("'missing' does not name a part", results[1].GetProperty("error").GetString());
        Assert.Equal("duplicate", (await SendAsync())[0].GetProperty("status").GetString());

        await using var connection = await server.Store.OpenConnectionAsync();
        var body = await Dapper.SqlMapper.ExecuteScalarAsync<string>(connection, "SELECT body FROM events WHERE event_id = 'mp-1'");
        Assert.Contains(Convert.ToBase64String(jpeg), body, StringComparison.Ordinal);
        Assert.DoesNotContain("\"part\"", body, StringComparison.Ordinal);

        using var noEvents = new MultipartFormDataContent { { new ByteArrayContent(jpeg), "photo", "photo.jpg" } };
        using var missing = await server.Client.PostAsync("/v1/events", noEvents);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal("missing_events_part", (await missing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task IngestNeedsItsScopeAndRefusesEmptyOrOversizedBatches()
    {
        var key = await new Haven.Security.ApiKeyService(server.Store).CreateAsync("matcher", ["match"]);
        using var matcher = new HttpClient { BaseAddress = server.BaseAddress };
        matcher.DefaultRequestHeaders.Add("X-Api-Key", key.Value.PlaintextKey);
        Assert.Equal(HttpStatusCode.Forbidden, (await matcher.PostAsync("/v1/events", new StringContent(Follow("x", 1)))).StatusCode);

        using var empty = await server.Client.PostAsync("/v1/events", new StringContent("\n\n"));
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);

        var tooMany = string.Join('\n', Enumerable.Range(0, 10_001).Select(i => Follow($"many-{i}", i)));
        using var many = await server.Client.PostAsync("/v1/events", new StringContent(tooMany));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, many.StatusCode);
        Assert.Equal("too_many_lines", (await many.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        using var probe = await server.Client.PostAsync("/v1/events", new StringContent(Follow("many-0", 0)));
        Assert.Equal("accepted", (await probe.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("results")[0].GetProperty("status").GetString());
    }
}

/// <summary>
/// Kills a real <c>haven serve</c> (SIGKILL) in the middle of a large ingest, while its signal processor is deciding,
/// restarts it, re-sends everything, and checks that every acknowledged event was durable (comes back as duplicate),
/// that every event is stored exactly once, and that every decision and outbox action exists exactly once.
/// </summary>
public sealed class IngestKillTests : IDisposable
{
    private const int Total = 30_000;
    private const int BatchSize = 500;
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "haven-kill-tests-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task AcknowledgedEventsSurviveSigkillAndAreStoredExactlyOnce()
    {
        var data = Path.Combine(_folder, "data");
        Directory.CreateDirectory(_folder);
        var key = (await RunCli(["apikey", "create", "kill-test", "--scope", "ingest", "--data", data])).Trim();

        // Every 50th event posts a banked MD5 (random hashes, category A1) from its own account: the default policy
        // decides to remove the post and suspend the account, so each such event means one decision and two actions.
        var banked = Enumerable.Range(0, Total / MatchEvery).Select(i => Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(BitConverter.GetBytes(i)))).ToList();
        var bankFile = Path.Combine(_folder, "bank.txt");
        await File.WriteAllLinesAsync(bankFile, banked);
        await RunCli(["bank", "create", "known", "--data", data]);
        await RunCli(["bank", "import", "known", bankFile, "--signal", "md5", "--category", "A1", "--data", data]);
        var batches = Enumerable.Range(0, Total / BatchSize)
            .Select(b => string.Join('\n', Enumerable.Range(b * BatchSize, BatchSize).Select(i => i % MatchEvery == 0
                ? $"{{\"id\":\"kill-{i}\",\"type\":\"post.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"poster-{i}\",\"post\":{{\"id\":\"post-{i}\",\"media\":[{{\"hashes\":{{\"md5\":\"{banked[i / MatchEvery]}\"}}}}]}}}}"
                : IngestTests.Follow($"kill-{i}", i))))
            .ToList();

        var acknowledged = new HashSet<string>(StringComparer.Ordinal);
        var port = FreePort();
        using (var first = StartServer(port, data))
        {
            using var client = await Connect(port, key);
            var killAfter = batches.Count / 3;
            var sent = 0;
            try
            {
                foreach (var batch in batches)
                {
                    var request = client.PostAsync("/v1/events", new StringContent(batch));
                    if (sent == killAfter)
                    {
                        // The batch is in flight: kill the server without any chance to finish it.
                        first.Kill();
                    }

                    using var response = await request;
                    foreach (var r in (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("results").EnumerateArray())
                    {
                        Assert.Equal("accepted", r.GetProperty("status").GetString());
                        acknowledged.Add(r.GetProperty("id").GetString()!);
                    }

                    sent++;
                }

                Assert.Fail("the server was killed but kept answering");
            }
            catch (HttpRequestException)
            {
                // Expected: the connection died with the server.
            }

            await first.WaitForExitAsync();
            Assert.True(acknowledged.Count >= killAfter * BatchSize, $"only {acknowledged.Count} acknowledged before the kill");
            Assert.True(acknowledged.Count < Total);
        }

        var counts = new Dictionary<string, int>();
        using (var second = StartServer(port, data))
        {
            using var client = await Connect(port, key);
            foreach (var batch in batches)
            {
                using var response = await client.PostAsync("/v1/events", new StringContent(batch));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                foreach (var r in (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("results").EnumerateArray())
                {
                    var id = r.GetProperty("id").GetString()!;
                    var status = r.GetProperty("status").GetString()!;
                    counts[status] = counts.GetValueOrDefault(status) + 1;
                    if (acknowledged.Contains(id))
                    {
                        Assert.True(status == "duplicate", $"{id} was acknowledged before the kill but came back {status}");
                    }
                    else
                    {
                        Assert.True(status is "accepted" or "duplicate", $"{id}: {status}");
                    }
                }
            }

            // Liveness only: wait until the restarted server's processor has reached the end of the log.
            for (var attempt = 0; attempt < 3000 && await ScalarAsync(data, "SELECT COALESCE((SELECT last_seq FROM processor_checkpoints), 0) - (SELECT MAX(seq) FROM events)") < 0; attempt++)
            {
                await Task.Delay(100);
            }

            second.Kill();
            await second.WaitForExitAsync();
        }

        Assert.False(counts.ContainsKey("error") || counts.ContainsKey("conflict"));
        Assert.Equal((long)Total, await ScalarAsync(data, "SELECT COUNT(*) FROM events"));
        Assert.Equal((long)Total, await ScalarAsync(data, "SELECT COUNT(DISTINCT event_id) FROM events"));
        Assert.Equal(0, await ScalarAsync(data, "SELECT (SELECT last_seq FROM processor_checkpoints) - (SELECT MAX(seq) FROM events)"));
        var decisions = (long)banked.Count;
        Assert.Equal(decisions, await ScalarAsync(data, "SELECT COUNT(*) FROM decisions"));
        Assert.Equal(decisions, await ScalarAsync(data, "SELECT COUNT(DISTINCT subject_id) FROM decisions"));
        Assert.Equal(2 * decisions, await ScalarAsync(data, "SELECT COUNT(*) FROM outbox"));
        Assert.Equal(decisions, await ScalarAsync(data, "SELECT COUNT(DISTINCT json_extract(payload, '$.contentId')) FROM outbox WHERE kind = 'remove_content'"));
        Assert.Equal(decisions, await ScalarAsync(data, "SELECT COUNT(DISTINCT json_extract(payload, '$.accountId')) FROM outbox WHERE kind = 'suspend_account'"));
        Assert.Equal(decisions, await ScalarAsync(data, "SELECT COUNT(*) FROM audit_log WHERE action = 'decision.recorded'"));
    }

    private const int MatchEvery = 50;

    private static async Task<long> ScalarAsync(string data, string sql)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(data, "haven.db")};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync() ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Process StartServer(int port, string data)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "Haven.Cli.dll"), "serve", "--urls", $"http://127.0.0.1:{port}", "--data", data })
        {
            start.ArgumentList.Add(a);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<HttpClient> Connect(int port, string key)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        // Liveness only (not a performance bound): wait for the server to listen.
        for (var attempt = 0; attempt < 600; attempt++)
        {
            try
            {
                using var health = await client.GetAsync("/health/live");
                if (health.IsSuccessStatusCode)
                {
                    return client;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200);
        }

        throw new InvalidOperationException("haven serve did not start listening");
    }

    private static async Task<string> RunCli(string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Haven.Cli.dll"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
        return output;
    }
}
