using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Haven.Server.Endpoints;

namespace Haven.Server.Tests;

/// <summary><c>POST /v1/appeals</c>: the body becomes an <c>appeal.created</c> event in the log, idempotent like any event.</summary>
public sealed class AppealEndpointTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task An_appeal_is_stored_as_an_event_and_sending_it_again_answers_duplicate_at_the_same_position()
    {
        var body = new { actor = "acct-1", occurredAt = "2026-11-25T10:00:00Z", appeal = new { id = "pa-77", decisionId = "d-0123", reason = "mistaken" } };

        using var first = await server.Client.PostAsJsonAsync("/v1/appeals", body);
        using var again = await server.Client.PostAsJsonAsync("/v1/appeals", body);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var accepted = await first.Content.ReadFromJsonAsync<JsonElement>();
        var duplicate = await again.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("appeal:pa-77", "accepted"), (accepted.GetProperty("id").GetString(), accepted.GetProperty("status").GetString()));
        Assert.Equal("duplicate", duplicate.GetProperty("status").GetString());
        Assert.Equal(accepted.GetProperty("seq").GetInt64(), duplicate.GetProperty("seq").GetInt64());
        var stored = await server.Client.GetFromJsonAsync<JsonElement>("/v1/events/appeal:pa-77");
        Assert.Equal("appeal.created", stored.GetProperty("type").GetString());
    }

    [Fact]
    public void The_event_line_keeps_the_body_and_fills_in_type_id_and_time()
    {
        var now = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
        var line = AppealEndpoints.ToEventLine("{\n \"actor\": \"a\",\r\n \"appeal\": {\"id\": \"p\\u00e9\", \"actionId\": \"d-1:suspend_account\"}\n}", now);

        Assert.Equal("{\"type\":\"appeal.created\",\"id\":\"appeal:p\\u00E9\",\"occurredAt\":\"2026-11-25T12:00:00.000Z\",\"actor\": \"a\",   \"appeal\": {\"id\": \"p\\u00e9\", \"actionId\": \"d-1:suspend_account\"} }", line);
        Assert.True(Haven.Events.EventParser.TryParse(line!, out var parsed, out _, out var error), error);
        Assert.Equal("appeal:pé", parsed!.Id);
        Assert.Null(AppealEndpoints.ToEventLine("[1]", now));
        Assert.Null(AppealEndpoints.ToEventLine("{\"type\":\"appeal.created\"}", now));
        Assert.Equal("{\"type\":\"appeal.created\",\"occurredAt\":\"2026-11-25T12:00:00.000Z\"}", AppealEndpoints.ToEventLine("{}", now));
    }
}
