using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Haven.Server.Tests;

/// <summary>Regression tests of the outside probe's findings on the HTTP surface: bad input gets a clear answer and loses nothing else.</summary>
public sealed class RobustnessTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static string Follow(string id, string extra = "", string at = "2026-11-25T10:00:00Z") =>
        $"{{\"id\":\"{id}\",\"type\":\"follow.created\",\"occurredAt\":\"{at}\",\"actor\":\"rb-a\",\"target\":\"rb-b\"{extra}}}";

    private async Task<JsonElement[]> IngestAsync(HttpContent content)
    {
        using var response = await server.Client.PostAsync("/v1/events", content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("results").EnumerateArray()];
    }

    [Fact]
    public async Task A_lone_surrogate_line_is_a_line_error_and_the_good_lines_are_stored()
    {
        var body = string.Join('\n', Follow("rb-s1"), Follow("rb-s2", ",\"note\":\"\\ud800\""), Follow("rb-s3"), Follow("rb-s4", ",\"\\udc00\":1"));
        var results = await IngestAsync(new StringContent(body, Encoding.UTF8, "application/x-ndjson"));
        Assert.Equal(["accepted", "error", "accepted", "error"], results.Select(r => r.GetProperty("status").GetString()));
        Assert.Equal("invalid_text", results[1].GetProperty("code").GetString());
        Assert.Equal("invalid_text", results[3].GetProperty("code").GetString());
    }

    [Fact]
    public async Task Invalid_utf8_far_future_times_and_repeated_keys_are_line_errors()
    {
        byte[] body = [.. Encoding.UTF8.GetBytes(Follow("rb-u1") + "\n"), .. Encoding.UTF8.GetBytes(Follow("rb-u2", ",\"x\":\"")), 0xFF, .. "\"}\n"u8,
            .. Encoding.UTF8.GetBytes(Follow("rb-u3", at: "9999-12-31T23:59:59Z") + "\n"), .. Encoding.UTF8.GetBytes(Follow("rb-u4", at: "2026-01-01T00:00:00") + "\n"),
            .. Encoding.UTF8.GetBytes(Follow("rb-u5", ",\"target\":\"other\"") + "\n")];
        var results = await IngestAsync(new ByteArrayContent(body));
        Assert.Equal([null, "invalid_utf8", "time_out_of_range", "invalid_time", "duplicate_key"], results.Select(r => r.TryGetProperty("code", out var c) ? c.GetString() : null));
    }

    [Fact]
    public async Task A_media_part_over_the_byte_limit_is_refused_at_ingest_not_stored()
    {
        // The fixture's media limit is 2 MB.
        var events = "{\"id\":\"rb-big\",\"type\":\"post.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"rb-a\",\"post\":{\"id\":\"rb-pbig\",\"media\":[{\"part\":\"big\"}]}}";
        using var form = new MultipartFormDataContent
        {
            { new StringContent(events), "events" },
            { new ByteArrayContent(new byte[ServerFixture.Limits.MaxBytes + 1]), "big", "big.bin" },
        };
        var results = await IngestAsync(form);
        Assert.Equal("too_many_bytes", Assert.Single(results).GetProperty("code").GetString());
        using var stored = await server.Client.GetAsync("/v1/events/rb-big");
        Assert.Equal(HttpStatusCode.NotFound, stored.StatusCode);
        Assert.Equal("event_not_found", (await stored.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task An_events_record_and_the_metrics_show_what_became_of_its_media()
    {
        var line = "{\"id\":\"rb-rec\",\"type\":\"post.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"rb-a\",\"post\":{\"id\":\"rb-prec\",\"media\":[" +
            "{\"id\":\"m-hash\",\"hashes\":{\"pdq\":\"" + new string('e', 64) + "\"}},{\"id\":\"m-text\",\"bytes\":\"aGVsbG8gd29ybGQ=\"},{\"id\":\"m-url\",\"url\":\"https://media.invalid/x.jpg\"}]}}";
        var results = await IngestAsync(new StringContent(line, Encoding.UTF8, "application/x-ndjson"));
        Assert.Equal("accepted", Assert.Single(results).GetProperty("status").GetString());

        JsonElement record = default;
        for (var attempt = 0; attempt < 200; attempt++)
        {
            using var response = await server.Client.GetAsync("/v1/events/rb-rec");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            record = await response.Content.ReadFromJsonAsync<JsonElement>();
            if (record.GetProperty("processed").GetBoolean())
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.True(record.GetProperty("processed").GetBoolean());
        var media = record.GetProperty("media").EnumerateArray().ToArray();
        Assert.Equal(["m-hash", "m-text", "m-url"], media.Select(m => m.GetProperty("id").GetString()));
        Assert.False(media[0].TryGetProperty("errors", out _));
        Assert.True(media[0].GetProperty("pdqComputed").GetBoolean());
        Assert.False(media[0].TryGetProperty("quality", out _));
        Assert.Equal(["not_an_image"], media[1].GetProperty("errors").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["url_fetch_disabled"], media[2].GetProperty("errors").EnumerateArray().Select(e => e.GetString()));

        var metrics = await server.Client.GetStringAsync("/metrics");
        Assert.Contains("# TYPE haven_media_errors_total counter", metrics);
        Assert.True(TelemetryTests.Value(metrics, "haven_media_errors_total", "error_type=\"url_fetch_disabled\"") >= 1);
        Assert.True(TelemetryTests.Value(metrics, "haven_ingest_lines_total", "haven_ingest_status=\"accepted\"") >= 1);
        var (anonymous, _) = await RawHttp.SendAsync(server.BaseAddress, "GET", "/metrics");
        Assert.Equal(401, anonymous);
    }

    public static TheoryData<string, string> BrokenMultipart => new()
    {
        { "truncated inside a part", "--b\r\nContent-Disposition: form-data; name=\"events\"\r\n\r\n{\"id\":1}" },
        { "no closing boundary", "--b\r\nContent-Disposition: form-data; name=\"events\"\r\n\r\n{}\r\n" },
        { "header never ends", "--b\r\nContent-Disposition: form-data; name=\"events\"" },
        { "not multipart at all", "hello world" },
        { "two events parts", "--b\r\nContent-Disposition: form-data; name=\"events\"\r\n\r\n{}\r\n--b\r\nContent-Disposition: form-data; name=\"events\"\r\n\r\n{}\r\n--b--\r\n" },
        { "two media parts of one name", "--b\r\nContent-Disposition: form-data; name=\"events\"\r\n\r\n{}\r\n--b\r\nContent-Disposition: form-data; name=\"m\"\r\n\r\nx\r\n--b\r\nContent-Disposition: form-data; name=\"m\"\r\n\r\ny\r\n--b--\r\n" },
    };

    [Theory]
    [MemberData(nameof(BrokenMultipart))]
    public async Task Malformed_multipart_is_a_400_with_a_code_never_a_500(string name, string body)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=b");
        using var response = await server.Client.PostAsync("/v1/events", content);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{name}: {response.StatusCode}");
        var code = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString();
        Assert.Contains(code, new[] { "bad_multipart", "missing_events_part", "duplicate_part" });
    }

    public static TheoryData<string, string, string?, string?, int, string> ErrorCases => new()
    {
        { "POST", "/v1/banks", "application/json", "{\"name\": 5}", 400, "invalid_json" },
        { "POST", "/v1/banks", "application/json", "{", 400, "invalid_json" },
        { "POST", "/v1/banks", "application/json", "", 400, "invalid_request" },
        { "POST", "/v1/banks", "text/plain", "name", 415, "unsupported_media_type" },
        { "POST", "/v1/banks", "application/json", "{\"name\": \"..\"}", 400, "invalid_request" },
        { "POST", "/v1/banks", "application/json", "{\"name\": \"Not Valid\"}", 400, "invalid_request" },
        { "GET", "/v1/banks/no-such-bank", null, null, 404, "bank_not_found" },
        { "DELETE", "/v1/banks/no-such-bank", null, null, 404, "bank_not_found" },
        { "POST", "/v1/banks/no-such-bank/enable", null, null, 404, "bank_not_found" },
        { "POST", "/v1/banks/no-such-bank/disable", null, null, 404, "bank_not_found" },
        { "POST", "/v1/banks/errors/import", "application/json", "[]", 415, "unsupported_media_type" },
        { "POST", "/v1/banks/errors/import?format=zip", "text/plain", "00", 400, "invalid_format" },
        { "POST", "/v1/banks/errors/import?signal=crc", "text/plain", "00", 400, "invalid_signal" },
        { "POST", "/v1/banks/errors/import", "text/plain", "zz", 422, "import_refused" },
        { "GET", "/v1/banks/no-such-bank/export", null, null, 404, "bank_not_found" },
        { "POST", "/v1/banks/errors/entries/remove", "application/json", "{}", 400, "invalid_selection" },
        { "POST", "/v1/banks/errors/entries/remove", "application/json", "{\"ids\": \"x\"}", 400, "invalid_json" },
        { "POST", "/v1/hashes/lookup", "application/json", "{", 400, "invalid_json" },
        { "POST", "/v1/hashes/lookup", "application/json", "{\"hashes\": \"x\"}", 400, "invalid_json" },
        { "POST", "/v1/hashes/lookup", "application/json", "{\"hashes\": []}", 400, "no_hashes" },
        { "POST", "/v1/hashes/lookup", "application/json", "{\"hashes\": [\"zz\"]}", 400, "invalid_hashes" },
        { "POST", "/v1/hashes/lookup", "application/json", "{\"hashes\": [\"md5:00000000000000000000000000000001\"], \"threshold\": 99}", 400, "invalid_option" },
        { "POST", "/v1/media/match", "image/jpeg", "", 400, "empty" },
        { "POST", "/v1/media/match?threshold=abc", "image/jpeg", "x", 400, "invalid_request" },
        { "POST", "/v1/media/match?threshold=99", "image/jpeg", "x", 400, "invalid_option" },
        { "POST", "/v1/media/match", "image/jpeg", "plainly not an image", 415, "not_an_image" },
        { "POST", "/v1/events", "application/x-ndjson", "", 400, "empty" },
        { "POST", "/v1/events", "multipart/form-data", "x", 400, "bad_multipart" },
        { "GET", "/v1/events/no-such-event", null, null, 404, "event_not_found" },
        { "POST", "/v1/discover", "application/json", "{", 400, "invalid_json" },
        { "POST", "/v1/discover", "application/json", "{\"seeds\": []}", 400, "invalid_request" },
        { "POST", "/v1/discover", "application/json", "{\"seeds\": [\"a\"], \"algorithm\": \"magic\"}", 400, "unknown_algorithm" },
        { "POST", "/v1/appeals", "application/json", "{", 400, "invalid_json" },
        { "POST", "/v1/appeals", "application/json", "{\"type\": \"post.created\", \"actor\": \"a\"}", 400, "invalid_json" },
        { "POST", "/v1/appeals", "application/json", "{\"actor\": \"a\", \"appeal\": {\"id\": \"x\"}}", 400, "invalid_field" },
        { "POST", "/v1/appeals", "application/json", "{\"actor\": \"a\"}", 400, "missing_field" },
        { "GET", "/v1/no-such-thing", null, null, 404, "not_found" },
        { "PUT", "/v1/banks", "application/json", "{}", 405, "method_not_allowed" },
    };

    [Theory]
    [MemberData(nameof(ErrorCases))]
    public async Task Every_error_of_every_endpoint_is_problem_json_with_a_code(string method, string path, string? contentType, string? body, int status, string code)
    {
        await server.Client.PostAsJsonAsync("/v1/banks", new { name = "errors" });
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType == "multipart/form-data" ? "multipart/form-data; boundary=zz" : contentType!);
        }

        using var response = await server.Client.SendAsync(request);
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        Assert.False(problem.TryGetProperty("exception", out _));
    }

    [Fact]
    public async Task Query_strings_and_request_content_never_reach_the_logs()
    {
        const string Secret = "QUERYSECRET7Q";
        using (var response = await server.Client.GetAsync($"/v1/banks?api_key={Secret}&note={Secret}"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using (await server.Anonymous.GetAsync($"/v1/banks?api_key={Secret}"))
        {
        }

        using (await server.Client.PostAsync($"/v1/media/match?threshold={Secret}", new ByteArrayContent([1])))
        {
        }

        using (await server.Client.PostAsync($"/v1/banks?x={Secret}", new StringContent($"{{\"name\": {Secret}}}", Encoding.UTF8, "application/json")))
        {
        }

        await RawHttp.SendAsync(server.BaseAddress, "GET", $"/v1/banks/{Secret}?q={Secret}", new Dictionary<string, string> { ["X-Api-Key"] = Secret });
        var leaked = server.Logs.Where(l => l.Contains(Secret, StringComparison.Ordinal)).ToList();
        Assert.True(leaked.Count == 0, "logged: " + string.Join("\n", leaked));
        Assert.Contains(server.Logs, l => l.Contains("HTTP GET /v1/banks/ answered 200", StringComparison.Ordinal) || l.Contains("HTTP GET /v1/banks answered 200", StringComparison.Ordinal));
    }
}
