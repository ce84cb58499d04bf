using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Haven.Media;
using Haven.Simulation;
using Microsoft.Extensions.DependencyInjection;
using SkiaSharp;

namespace Haven.Server.Tests;

public sealed class ServerTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Theory]
    [InlineData("GET", "/v1/banks")]
    [InlineData("POST", "/v1/media/match")]
    [InlineData("POST", "/v1/hashes/lookup")]
    public async Task EveryV1CallWithoutAKeyIs401ProblemDetails(string method, string path)
    {
        using var response = await server.Anonymous.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = new ByteArrayContent([1, 2, 3]) });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var problem = await Problem(response);
        Assert.Equal("missing_api_key", problem.GetProperty("code").GetString());
        Assert.Contains("haven apikey create", problem.GetProperty("detail").GetString());

        using var wrong = new HttpRequestMessage(new HttpMethod(method), path) { Content = new ByteArrayContent([1, 2, 3]) };
        wrong.Headers.Add("X-Api-Key", "hvn_not-a-real-key");
        using var invalid = await server.Anonymous.SendAsync(wrong);
        Assert.Equal(HttpStatusCode.Unauthorized, invalid.StatusCode);
        Assert.Equal("invalid_api_key", (await Problem(invalid)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task EachEndpointNeedsItsScopeAndAdminAllowsAll()
    {
        using var read = await ClientWith(["read"]);
        using var match = await ClientWith(["match"]);
        var image = new ByteArrayContent(Jpeg(9, 64, 64, 90));

        var forbidden = await ExpectProblem(await read.PostAsync("/v1/media/match", image), HttpStatusCode.Forbidden, "insufficient_scope");
        Assert.Contains("'match'", forbidden.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.OK, (await read.GetAsync("/v1/banks")).StatusCode);
        await ExpectProblem(await read.PostAsJsonAsync("/v1/banks", new { name = "read-only-attempt" }), HttpStatusCode.Forbidden, "insufficient_scope");

        Assert.Equal(HttpStatusCode.OK, (await match.PostAsync("/v1/media/match", new ByteArrayContent(Jpeg(9, 64, 64, 90)))).StatusCode);
        await ExpectProblem(await match.GetAsync("/v1/banks"), HttpStatusCode.Forbidden, "insufficient_scope");

        // The fixture's key holds admin: everything is allowed.
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/v1/banks")).StatusCode);
    }

    [Fact]
    public async Task AKeyOverItsRateLimitGets429WithRetryAfter()
    {
        using var limited = await ClientWith(["read"], rateLimitPerMinute: 3);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await limited.GetAsync("/v1/banks")).StatusCode);
        }

        using var response = await limited.GetAsync("/v1/banks");
        Assert.NotNull(response.Headers.RetryAfter?.Delta);
        await ExpectProblem(response, HttpStatusCode.TooManyRequests, "rate_limited");

        // Other keys are not affected.
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/v1/banks")).StatusCode);
    }

    [Fact]
    public async Task OpenApiDocumentIsServedAndListsTheEndpoints()
    {
        var document = await server.Anonymous.GetStringAsync("/openapi/v1.json");
        Assert.Contains("/v1/media/match", document);
        Assert.Contains("/v1/hashes/lookup", document);
        Assert.Contains("/v1/banks/{name}/import", document);
    }

    [Fact]
    public async Task BankedImageAndItsReuploadsMatchOverHttp()
    {
        await CreateBank("http-known");
        var original = Jpeg(seed: 101, 640, 480, quality: 92);
        var signals = new MediaHasher().Hash(original);
        var import = $"hash,quality,category,external_id\n{signals.Pdq},{signals.Quality},A1,case-101\n";
        using (var imported = await server.Client.PostAsync("/v1/banks/http-known/import?format=csv", new StringContent(import, Encoding.UTF8, "text/csv")))
        {
            Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
            Assert.Equal(1, (await imported.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("added").GetInt64());
        }

        await server.RefreshIndexAsync();

        // The same image re-encoded and resized.
        using var bitmap = SKBitmap.Decode(original);
        using var smaller = SyntheticImages.Resize(bitmap, 0.7);
        var reupload = SyntheticImages.Encode(smaller, SKEncodedImageFormat.Jpeg, 70);
        var match = await Match(reupload, "");
        var hit = Assert.Single(match.GetProperty("hits").EnumerateArray(), h => h.GetProperty("bank").GetString() == "http-known");
        Assert.Equal("A1", hit.GetProperty("category").GetString());
        Assert.Equal("case-101", hit.GetProperty("externalId").GetString());
        Assert.Equal("orig", hit.GetProperty("variant").GetString());
        Assert.InRange(hit.GetProperty("distance").GetInt32(), 0, 31);
        Assert.True(match.GetProperty("pdqChecked").GetBoolean());

        // Rotated by 90°: missed by the plain query, found by the dihedral query with the variant named.
        using var rotated = SyntheticImages.Dihedral(bitmap, 1);
        var rotatedBytes = SyntheticImages.Encode(rotated, SKEncodedImageFormat.Jpeg, 90);
        Assert.DoesNotContain((await Match(rotatedBytes, "")).GetProperty("hits").EnumerateArray(), h => h.GetProperty("bank").GetString() == "http-known");
        var dihedral = await Match(rotatedBytes, "?dihedral=true");
        var rotatedHit = Assert.Single(dihedral.GetProperty("hits").EnumerateArray(), h => h.GetProperty("bank").GetString() == "http-known");
        Assert.Equal("rot90", rotatedHit.GetProperty("variant").GetString());
        Assert.Equal(8, dihedral.GetProperty("dihedral").GetArrayLength());
    }

    [Fact]
    public async Task ExactHashesMatchEvenWhenTheImageIsBroken()
    {
        await CreateBank("http-exact");
        var bytes = Jpeg(seed: 202, 300, 200, quality: 90);
        var truncated = bytes.AsSpan(0, bytes.Length / 2).ToArray();
        var md5 = ExactHashes.Compute(truncated).Md5;
        using (var imported = await server.Client.PostAsync("/v1/banks/http-exact/import?format=hex", new StringContent(md5 + "\n")))
        {
            Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        }

        await server.RefreshIndexAsync();
        using var response = await server.Client.PostAsync("/v1/media/match", new ByteArrayContent(truncated));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await Problem(response);
        Assert.Equal("truncated", problem.GetProperty("code").GetString());
        Assert.Equal(md5, problem.GetProperty("md5").GetString());
        Assert.Contains(problem.GetProperty("hits").EnumerateArray(), h => h.GetProperty("bank").GetString() == "http-exact" && h.GetProperty("signalType").GetString() == "md5");
    }

    [Fact]
    public async Task MediaMatchAnswers503BusyWithRetryAfterWhileTheDecodeBudgetIsHeld()
    {
        var budget = server.Services.GetRequiredService<DecodeBudget>();
        var image = new ByteArrayContent(Jpeg(seed: 203, 800, 600, quality: 90));
        using (await budget.AcquireAsync(budget.MaxBytes))
        {
            using var busy = await server.Client.PostAsync("/v1/media/match", image);
            await ExpectProblem(busy, HttpStatusCode.ServiceUnavailable, "busy");
            Assert.True(busy.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), busy.Headers.RetryAfter?.ToString());
        }

        Assert.Equal(0, budget.Waiting);
        using var ok = await server.Client.PostAsync("/v1/media/match", image);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task BadMediaGetsA4xxThatSaysWhatIsWrong()
    {
        await ExpectProblem(await server.Client.PostAsync("/v1/media/match", new ByteArrayContent([])), HttpStatusCode.BadRequest, "empty");
        await ExpectProblem(await server.Client.PostAsync("/v1/media/match", new StringContent("{\"hello\":1}")), HttpStatusCode.UnsupportedMediaType, "not_an_image");
        var big = new byte[ServerFixture.Limits.MaxBytes + 1];
        await ExpectProblem(await server.Client.PostAsync("/v1/media/match", new ByteArrayContent(big)), HttpStatusCode.RequestEntityTooLarge, "too_many_bytes");
        using var wide = SyntheticImages.Generate(5, 2100, 2000);
        var pixels = SyntheticImages.Encode(wide, SKEncodedImageFormat.Jpeg, 50);
        await ExpectProblem(await server.Client.PostAsync("/v1/media/match", new ByteArrayContent(pixels)), HttpStatusCode.RequestEntityTooLarge, "too_many_pixels");
        await ExpectProblem(await server.Client.PostAsync("/v1/media/match?threshold=64", new ByteArrayContent(Jpeg(1, 64, 64, 90))), HttpStatusCode.BadRequest, "invalid_option");
        var tiff = "II*\0"u8.ToArray().Concat(new byte[60]).ToArray();
        await ExpectProblem(await server.Client.PostAsync("/v1/media/match", new ByteArrayContent(tiff)), HttpStatusCode.UnsupportedMediaType, "unsupported_format");
    }

    [Fact]
    public async Task LookupValidatesEveryHashAndFindsBankedOnes()
    {
        await CreateBank("http-lookup");
        var random = new Random(77);
        var pdq = RandomHex(random, 64);
        using (var imported = await server.Client.PostAsync("/v1/banks/http-lookup/import", new StringContent(pdq + "\n")))
        {
            Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        }

        await server.RefreshIndexAsync();
        var near = FlipHex(pdq, 5);
        using var ok = await server.Client.PostAsJsonAsync("/v1/hashes/lookup", new { hashes = new[] { near, RandomHex(random, 32) }, threshold = 10 });
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var results = (await ok.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("results");
        var hit = Assert.Single(results[0].GetProperty("hits").EnumerateArray());
        Assert.Equal(5, hit.GetProperty("distance").GetInt32());
        Assert.Empty(results[1].GetProperty("hits").EnumerateArray());

        using var bad = await server.Client.PostAsJsonAsync("/v1/hashes/lookup", new { hashes = new[] { pdq, "xyz", new string('0', 64), "abc123" } });
        var problem = await ExpectProblem(bad, HttpStatusCode.BadRequest, "invalid_hashes");
        var errors = problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("index").GetInt32()).ToArray();
        Assert.Equal([1, 2, 3], errors);

        using var malformed = await server.Client.PostAsync("/v1/hashes/lookup", new StringContent("{\"hashes\": [", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
    }

    [Fact]
    public async Task ImportDetectsTheFormatWhenNoneIsGivenAndGroupsRepeatedErrors()
    {
        await CreateBank("http-detect");
        var random = new Random(79);
        var rows = Enumerable.Range(0, 50).Select(_ => RandomHex(random, 64) + ",100").ToArray();
        var csv = "hash,quality\n" + string.Join('\n', rows) + "\n";

        using (var detected = await server.Client.PostAsync("/v1/banks/http-detect/import", new StringContent(csv)))
        {
            detected.EnsureSuccessStatusCode();
            Assert.Equal(50, (await detected.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("added").GetInt64());
        }

        using var forced = await server.Client.PostAsync("/v1/banks/http-detect/import?format=hex", new StringContent(csv));
        var problem = await ExpectProblem(forced, HttpStatusCode.UnprocessableEntity, "import_refused");
        Assert.Equal(51, problem.GetProperty("errorCount").GetInt64());
        var errors = problem.GetProperty("errors").EnumerateArray().ToArray();
        Assert.Equal([1L, 2L, 3L], errors.Select(e => e.GetProperty("line").GetInt64()));
        Assert.EndsWith("(and 48 more lines with the same error)", errors[2].GetProperty("error").GetString());
        Assert.Contains("--format csv", errors[0].GetProperty("error").GetString());
    }

    [Fact]
    public async Task ImportIsAllOrNothingWithLineNumbers()
    {
        await CreateBank("http-import");
        var random = new Random(78);
        var body = string.Join('\n', RandomHex(random, 64), "not-hex", RandomHex(random, 64), new string('0', 64), RandomHex(random, 60)) + "\n";
        using var response = await server.Client.PostAsync("/v1/banks/http-import/import", new StringContent(body));
        var problem = await ExpectProblem(response, HttpStatusCode.UnprocessableEntity, "import_refused");
        var lines = problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("line").GetInt64()).ToArray();
        Assert.Equal([2L, 4L, 5L], lines);
        var bank = await server.Client.GetFromJsonAsync<JsonElement>("/v1/banks/http-import");
        Assert.Equal(0, bank.GetProperty("pdqCount").GetInt64());

        await ExpectProblem(await server.Client.PostAsync("/v1/banks/no-such-bank/import", new StringContent(RandomHex(random, 64))), HttpStatusCode.NotFound, "bank_not_found");
        await ExpectProblem(await server.Client.PostAsync("/v1/banks/http-import/import?format=xml", new StringContent("x")), HttpStatusCode.BadRequest, "invalid_format");
        await ExpectProblem(await server.Client.PostAsJsonAsync("/v1/banks", new { name = "Bad Name!" }), HttpStatusCode.BadRequest, "invalid_request");
        await ExpectProblem(await server.Client.PostAsJsonAsync("/v1/banks", new { name = ".." }), HttpStatusCode.BadRequest, "invalid_request");
        await ExpectProblem(await server.Client.PostAsJsonAsync("/v1/banks", new { name = "http-import" }), HttpStatusCode.Conflict, "bank_exists");
    }

    [Fact]
    public async Task DisablingABankRemovesItsEntriesFromMatchingAndExportRoundTrips()
    {
        await CreateBank("http-toggle");
        var random = new Random(79);
        var pdq = RandomHex(random, 64);
        (await server.Client.PostAsync("/v1/banks/http-toggle/import", new StringContent(pdq + "\n"))).EnsureSuccessStatusCode();
        await server.RefreshIndexAsync();
        Assert.True(await Found(pdq));

        (await server.Client.PostAsync("/v1/banks/http-toggle/disable", null)).EnsureSuccessStatusCode();
        await server.RefreshIndexAsync();
        Assert.False(await Found(pdq));

        (await server.Client.PostAsync("/v1/banks/http-toggle/enable", null)).EnsureSuccessStatusCode();
        await server.RefreshIndexAsync();
        Assert.True(await Found(pdq));

        var csv = await server.Client.GetStringAsync("/v1/banks/http-toggle/export");
        Assert.Contains(pdq, csv);
        await CreateBank("http-toggle-copy");
        (await server.Client.PostAsync("/v1/banks/http-toggle-copy/import?format=csv", new StringContent(csv))).EnsureSuccessStatusCode();
        var copy = await server.Client.GetFromJsonAsync<JsonElement>("/v1/banks/http-toggle-copy");
        Assert.Equal(1, copy.GetProperty("pdqCount").GetInt64());

        using var removed = await server.Client.PostAsJsonAsync("/v1/banks/http-toggle/entries/remove", new { values = new[] { pdq } });
        Assert.Equal(1, (await removed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("removed").GetInt64());
        await ExpectProblem(await server.Client.PostAsJsonAsync("/v1/banks/http-toggle/entries/remove", new { }), HttpStatusCode.BadRequest, "invalid_selection");
    }

    [Fact]
    public async Task LogsCarryNoHashesKeysOrContent()
    {
        await CreateBank("http-logs");
        var bytes = Jpeg(seed: 303, 320, 240, quality: 90);
        var signals = new MediaHasher().Hash(bytes);
        (await server.Client.PostAsync("/v1/banks/http-logs/import", new StringContent(signals.Pdq + "\n" + signals.Exact.Md5 + "\n"))).EnsureSuccessStatusCode();
        await server.RefreshIndexAsync();
        (await server.Client.PostAsync("/v1/media/match", new ByteArrayContent(bytes))).EnsureSuccessStatusCode();
        Assert.NotEmpty(server.Logs);
        var logs = string.Join('\n', server.Logs);
        Assert.DoesNotContain(signals.Pdq.ToString()!, logs);
        Assert.DoesNotContain(signals.Exact.Md5, logs);
        Assert.DoesNotContain(signals.Exact.Sha256, logs);
        Assert.DoesNotContain(server.ApiKey, logs);
    }

    private async Task<HttpClient> ClientWith(string[] scopes, int? rateLimitPerMinute = null)
    {
        var key = await new Haven.Security.ApiKeyService(server.Store).CreateAsync("scoped", scopes, rateLimitPerMinute);
        var client = new HttpClient { BaseAddress = server.BaseAddress };
        client.DefaultRequestHeaders.Add("X-Api-Key", key.Value.PlaintextKey);
        return client;
    }

    private async Task<bool> Found(string pdq)
    {
        using var response = await server.Client.PostAsJsonAsync("/v1/hashes/lookup", new { hashes = new[] { "pdq:" + pdq } });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("results")[0].GetProperty("hits").GetArrayLength() > 0;
    }

    private async Task CreateBank(string name)
    {
        using var response = await server.Client.PostAsJsonAsync("/v1/banks", new { name, description = "test" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private async Task<JsonElement> Match(byte[] bytes, string query)
    {
        using var response = await server.Client.PostAsync("/v1/media/match" + query, new ByteArrayContent(bytes));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<JsonElement> ExpectProblem(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        using (response)
        {
            Assert.Equal(status, response.StatusCode);
            var problem = await Problem(response);
            Assert.Equal(code, problem.GetProperty("code").GetString());
            Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
            return problem;
        }
    }

    private static async Task<JsonElement> Problem(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static byte[] Jpeg(int seed, int width, int height, int quality)
    {
        using var bitmap = SyntheticImages.Generate(seed, width, height);
        return SyntheticImages.Encode(bitmap, SKEncodedImageFormat.Jpeg, quality);
    }

    private static string RandomHex(Random random, int digits) =>
        string.Concat(Enumerable.Range(0, digits).Select(_ => "0123456789abcdef"[random.Next(16)]));

    private static string FlipHex(string hex, int bits)
    {
        var chars = hex.ToCharArray();
        for (var i = 0; i < bits; i++)
        {
            // One bit in each of the first digits: exactly `bits` bits differ.
            chars[i] = "0123456789abcdef"[Convert.ToInt32(chars[i].ToString(), 16) ^ 1];
        }

        return new string(chars);
    }
}

public sealed class DiscoveryHttpTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static string Event(int n, string type, string actor, string body) =>
        $"{{\"id\":\"disc-{n}\",\"type\":\"{type}\",\"occurredAt\":\"2026-11-25T10:{n:00}:00Z\",\"actor\":\"{actor}\",{body}}}";

    [Fact]
    public async Task DiscoverRanksTheNeighbourhoodOfASeedOverHttpAfterTheServerProcessedTheEvents()
    {
        var lines = string.Join('\n',
            Event(1, "post.created", "seed-a", "\"post\":{\"id\":\"dp-1\",\"text\":\"hello\"}"),
            Event(2, "post.created", "near-b", "\"post\":{\"id\":\"dp-2\",\"repostOf\":\"dp-1\"}"),
            Event(3, "post.created", "far-c", "\"post\":{\"id\":\"dp-3\",\"repostOf\":\"dp-2\"}"),
            Event(4, "follow.created", "other-d", "\"target\":\"far-c\""));
        using var ingest = await server.Client.PostAsync("/v1/events", new StringContent(lines));
        Assert.Equal(HttpStatusCode.OK, ingest.StatusCode);

        // Liveness only: wait until the server's signals stage has processed the batch.
        var last = (await ingest.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("results").EnumerateArray().Max(r => r.GetProperty("seq").GetInt64());
        for (var attempt = 0; attempt < 600 && await CheckpointAsync() < last; attempt++)
        {
            await Task.Delay(100);
        }

        using var response = await server.Client.PostAsJsonAsync("/v1/discover", new { seeds = new[] { "seed-a", "nobody" }, algorithm = "bfs", top = 10, maxHops = 2 });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("nobody", body.GetProperty("unknownSeeds")[0].GetString());
        var candidates = body.GetProperty("candidates").EnumerateArray().ToList();
        Assert.Equal(["near-b", "far-c"], candidates.Select(c => c.GetProperty("account").GetString()));
        Assert.Equal("far-c —reposted→ near-b", candidates[1].GetProperty("path")[0].GetString());

        using var bad = await server.Client.PostAsJsonAsync("/v1/discover", new { seeds = new[] { "seed-a" }, algorithm = "magic" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("unknown_algorithm", (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        using var none = await server.Client.PostAsJsonAsync("/v1/discover", new { seeds = Array.Empty<string>() });
        Assert.Equal(HttpStatusCode.BadRequest, none.StatusCode);
    }

    private async Task<long> CheckpointAsync()
    {
        await using var connection = await server.Store.OpenConnectionAsync();
        return await Dapper.SqlMapper.ExecuteScalarAsync<long?>(connection, "SELECT MAX(last_seq) FROM processor_checkpoints") ?? 0;
    }
}
