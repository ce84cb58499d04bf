using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Haven.Media;
using Haven.People;
using Haven.Policy;
using Haven.Security;
using Haven.Simulation;
using SkiaSharp;

namespace Haven.Server.Tests;

public sealed class CaseApiTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task A_platform_lists_reads_and_confirms_a_case_as_a_named_reviewer_and_the_confirmed_image_then_matches()
    {
        var people = new PeopleService(server.Store);
        await people.CreateAsync("rita", PersonRole.Reviewer, "placeholder-password-1");
        await people.CreateAsync("sven", PersonRole.Specialist, "placeholder-password-2");
        await people.CreateAsync("gone", PersonRole.Lead, "placeholder-password-3");
        await people.SetDisabledAsync("gone", true);

        using var bitmap = SyntheticImages.Generate(seed: 4242, 256, 256);
        var image = SyntheticImages.Encode(bitmap, SKEncodedImageFormat.Jpeg, 95);
        var signals = new MediaHasher().Hash(image);
        await using (var connection = await server.Store.OpenConnectionAsync())
        {
            await connection.ExecuteAsync(
                "INSERT INTO posts (post_id, author, seq, occurred_at, kind, parent_id, community, media_count, matched, flagged, deleted) VALUES ('api-p1', 'api-a1', 1, 0, 'post', NULL, NULL, 1, @no, @no, @no)", new { no = false });
            await connection.ExecuteAsync(
                "INSERT INTO media_items (post_id, media_index, media_id, account, occurred_at, seq, source, pdq, quality, md5, sha256, error) VALUES ('api-p1', 0, NULL, 'api-a1', 0, 1, 'bytes', @pdq, @quality, @md5, @sha256, NULL)",
                new { pdq = signals.Pdq.ToString(), quality = (short)signals.Quality, md5 = signals.Exact.Md5, sha256 = signals.Exact.Sha256 });
            await using var transaction = await server.Store.BeginWriteAsync(connection, default);
            var decision = new PolicyDecision("media.known", "v1", PolicyMode.Enforce, SubjectKind.Content, "api-p1", [new(PolicyActionKind.OpenCase, ActionPriority.Urgent)],
                [new BankMatchEvidence("$.rules[0].when", [new BankMatchSignal("bank-x", "A1", Banks.SignalType.Pdq, 3)])]);
            await DecisionLog.RecordAsync(server.Store, connection, transaction, [decision], new DecisionContext(1, DateTimeOffset.UtcNow, "api-a1", null), ["webhook"], default);
            await transaction.CommitAsync();
        }

        using var read = await ClientWith(ApiScopes.Read);
        using var review = await ClientWith(ApiScopes.Review);
        var list = await Json(await read.GetAsync("/v1/cases?queue=specialist"), HttpStatusCode.OK);
        var listed = list.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("subjectId").GetString() == "api-p1");
        var id = listed.GetProperty("caseId").GetInt64();
        await Problem(await read.GetAsync("/v1/cases?queue=nope"), HttpStatusCode.BadRequest, "case_request_invalid");

        var detail = await Json(await review.GetAsync($"/v1/cases/{id}"), HttpStatusCode.OK);
        Assert.Equal(["remove_content", "suspend_account", "restrict_account"], detail.GetProperty("allowedActions").EnumerateArray().Select(a => a.GetProperty("action").GetString()));
        Assert.Equal("A1", detail.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("kind").GetString() == "media_match").GetProperty("body").GetProperty("category").GetString());
        var n = detail.GetProperty("case").GetProperty("lastEventN").GetInt64();
        await Problem(await review.GetAsync("/v1/cases/999999"), HttpStatusCode.NotFound, "case_not_found");
        await Problem(await review.GetAsync("/v1/cases/x1"), HttpStatusCode.NotFound, "case_not_found");

        object Body(string reviewer, string? category = "A2", long? expectedN = null) =>
            new { decision = "confirm", reviewer, actions = new[] { "remove_content" }, category, expectedN = expectedN ?? n };
        await Problem(await read.PostAsJsonAsync($"/v1/cases/{id}/decision", Body("sven")), HttpStatusCode.Forbidden, "insufficient_scope");
        await Problem(await review.PostAsJsonAsync($"/v1/cases/{id}/decision", Body("nobody")), HttpStatusCode.Forbidden, "reviewer_not_active");
        await Problem(await review.PostAsJsonAsync($"/v1/cases/{id}/decision", Body("gone")), HttpStatusCode.Forbidden, "reviewer_not_active");
        await Problem(await review.PostAsJsonAsync($"/v1/cases/{id}/decision", Body("rita")), HttpStatusCode.Forbidden, "role_too_low");
        await Problem(await review.PostAsJsonAsync($"/v1/cases/{id}/decision", Body("sven", category: null)), HttpStatusCode.BadRequest, "action_not_allowed");
        await Problem(await review.PostAsJsonAsync($"/v1/cases/{id}/decision", Body("sven", expectedN: n - 1)), HttpStatusCode.Conflict, "case_version_conflict");
        await Problem(await review.PostAsJsonAsync($"/v1/cases/{id}/decision", new { decision = "shrug", reviewer = "sven" }), HttpStatusCode.BadRequest, "case_request_invalid");

        var confirmed = await Json(await review.PostAsJsonAsync($"/v1/cases/{id}/decision", Body("sven")), HttpStatusCode.OK);
        Assert.Equal(("closed", "confirmed", "sven"), (confirmed.GetProperty("status").GetString(), confirmed.GetProperty("outcome").GetString(), confirmed.GetProperty("decidedBy").GetString()));
        await Problem(await review.PostAsJsonAsync($"/v1/cases/{id}/decision", Body("sven")), HttpStatusCode.Conflict, "case_closed");

        await using (var connection = await server.Store.OpenConnectionAsync())
        {
            Assert.Equal(1, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE kind = 'remove_content' AND action_id LIKE 'r-%'"));
            Assert.Equal("person:sven", await connection.ExecuteScalarAsync<string>("SELECT decided_by FROM decisions WHERE rule_id = 'review.confirmed'"));
        }

        await server.RefreshIndexAsync();
        var match = await server.Client.PostAsync("/v1/media/match", new ByteArrayContent(image));
        var answer = await match.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, match.StatusCode);
        Assert.Contains("\"confirmed\"", answer, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Logs, l => l.Contains(signals.Exact.Sha256, StringComparison.Ordinal));
    }

    private async Task<HttpClient> ClientWith(params string[] scopes)
    {
        var key = await new ApiKeyService(server.Store).CreateAsync("cases-" + string.Join('-', scopes), scopes);
        var client = new HttpClient { BaseAddress = server.BaseAddress };
        client.DefaultRequestHeaders.Add("X-Api-Key", key.Value.PlaintextKey);
        return client;
    }

    private static async Task<JsonElement> Json(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task Problem(HttpResponseMessage response, HttpStatusCode status, string code) =>
        Assert.Equal(code, (await Json(response, status)).GetProperty("code").GetString());
}
