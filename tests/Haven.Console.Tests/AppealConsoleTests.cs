using System.Net;
using Dapper;
using Haven.Appeals;
using Haven.Audit;
using Haven.Enforcement;

namespace Haven.Console.Tests;

/// <summary>The appeals pages over HTTP: what they show, and every refusal of their forms changing nothing.</summary>
public sealed class AppealConsoleTests(ConsoleHost host) : IClassFixture<ConsoleHost>
{
    private readonly ConsoleScenario _scenario = new(host);

    [Fact]
    public async Task The_list_shows_open_appeals_with_the_decisions_rule_actions_and_decider_and_the_overturn_rate_per_rule()
    {
        var appeal = await _scenario.OpenAppealAsync("list-1");
        using var specialist = await host.SignedInAsync("specialist");

        var html = WebUtility.HtmlDecode(await specialist.GetStringAsync("/console/appeals"));

        Assert.Contains($"/console/appeals/{appeal.AppealId}", html, StringComparison.Ordinal);
        Assert.Contains("media.known-abuse-imagery", html, StringComparison.Ordinal);
        Assert.Contains("suspend account → account:list-1", html, StringComparison.Ordinal);
        Assert.Contains("<td>policy</td>", html, StringComparison.Ordinal);
        Assert.Contains("Overturn rate per rule", html, StringComparison.Ordinal);
        Assert.DoesNotContain("placeholder words", html, StringComparison.Ordinal);

        // Filters: an unknown rule lists nothing; upheld appeals are not among the open ones.
        Assert.DoesNotContain(appeal.AppealId, await specialist.GetStringAsync("/console/appeals?rule=no.such.rule"), StringComparison.Ordinal);
        Assert.DoesNotContain($"/console/appeals/{appeal.AppealId}\"", await specialist.GetStringAsync("/console/appeals?status=upheld"), StringComparison.Ordinal);
        using var bad = await specialist.GetAsync("/console/appeals?status=nonsense");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task The_appeal_page_shows_the_decision_its_evidence_in_words_its_actions_and_requests_but_never_the_appellants_text()
    {
        var appeal = await _scenario.OpenAppealAsync("show-1");
        using var specialist = await host.SignedInAsync("specialist");

        using var response = await specialist.GetAsync($"/console/appeals/{appeal.AppealId}");
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("no-store", response.Headers.CacheControl?.ToString() ?? string.Empty, StringComparison.Ordinal);
        Assert.Contains(appeal.DecisionId!, html, StringComparison.Ordinal);
        Assert.Contains("/A1 pdq d=0", html, StringComparison.Ordinal);
        Assert.Contains("suspend account", html, StringComparison.Ordinal);
        Assert.Contains("pa-show-1", html, StringComparison.Ordinal);
        Assert.Contains("mistaken", html, StringComparison.Ordinal);
        Assert.Contains($"name=\"version\" value=\"{appeal.Version}\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("placeholder words", html, StringComparison.Ordinal);
        Assert.DoesNotContain(" style=", html, StringComparison.Ordinal);
        Assert.DoesNotContain("/assign\"", html, StringComparison.Ordinal);

        using var missing = await specialist.GetAsync("/console/appeals/ap-999999");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Deciding_refuses_a_lower_role_a_missing_token_a_stale_version_and_the_originals_decider_then_overturns_once()
    {
        var appeal = await _scenario.OpenAppealAsync("decide-1");
        var page = $"/console/appeals/{appeal.AppealId}";
        var action = page + "/decide";
        var outboxBefore = (await new OutboxQueue(host.Store).ListAsync()).Count;
        Dictionary<string, string> Form(long version) => new() { ["outcome"] = "overturned", ["reason"] = "matched the wrong entry", ["version"] = $"{version}" };

        using var reviewer = await host.SignedInAsync("reviewer");
        using (var refused = await ConsoleHost.PostFormAsync(reviewer, "/console/settings", action, Form(appeal.Version)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        using var specialist = await host.SignedInAsync("specialist");
        using (var noToken = await specialist.PostAsync(action, new FormUrlEncodedContent(Form(appeal.Version))))
        {
            Assert.Equal(HttpStatusCode.BadRequest, noToken.StatusCode);
        }

        using (var stale = await ConsoleHost.PostFormAsync(specialist, page, action, Form(appeal.Version + 1)))
        {
            Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
            Assert.Contains("changed since you read it", WebUtility.HtmlDecode(await stale.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        }

        using (var noReason = await ConsoleHost.PostFormAsync(specialist, page, action, new() { ["outcome"] = "overturned", ["reason"] = " ", ["version"] = $"{appeal.Version}" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        }

        await using (var connection = await host.Store.OpenConnectionAsync())
        {
            // As if the specialist had confirmed the original decision in review.
            await connection.ExecuteAsync("UPDATE appeals SET original_decided_by = 'specialist' WHERE appeal_id = @id", new { id = appeal.AppealId });
        }

        using (var conflict = await ConsoleHost.PostFormAsync(specialist, page, action, Form(appeal.Version)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, conflict.StatusCode);
            Assert.Contains("decided the appealed decision", WebUtility.HtmlDecode(await conflict.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        }

        Assert.Contains("You decided the original decision", await specialist.GetStringAsync(page), StringComparison.Ordinal);
        Assert.Equal(AppealStatuses.Open, (await _scenario.Appeals.GetAsync(appeal.AppealId)).Value.Appeal.Status);
        Assert.Equal(outboxBefore, (await new OutboxQueue(host.Store).ListAsync()).Count);

        using var lead = await host.SignedInAsync("lead");
        using (var done = await ConsoleHost.PostFormAsync(lead, page, action, Form(appeal.Version)))
        {
            Assert.Equal(HttpStatusCode.Redirect, done.StatusCode);
            Assert.StartsWith(page + "?notice=", done.Headers.Location!.ToString(), StringComparison.Ordinal);
        }

        var decided = (await _scenario.Appeals.GetAsync(appeal.AppealId)).Value;
        Assert.Equal((AppealStatuses.Overturned, "lead"), (decided.Appeal.Status, decided.Appeal.DecidedBy));
        Assert.Contains(decided.ReversalActions, a => a.Kind == "unsuspend_account");
        var outboxAfter = (await new OutboxQueue(host.Store).ListAsync()).Count;
        Assert.True(outboxAfter > outboxBefore);

        // The same form again (a double submission) changes nothing.
        using (var twice = await ConsoleHost.PostFormAsync(lead, page, action, Form(appeal.Version)))
        {
            Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
        }

        Assert.Equal(outboxAfter, (await new OutboxQueue(host.Store).ListAsync()).Count);
        Assert.Single(await new AuditLog(host.Store).ReadAsync(), e => e.Action == "appeal.decided" && e.Subject == AppealService.Subject(appeal.AppealId));
        Assert.Contains("unsuspend account", WebUtility.HtmlDecode(await lead.GetStringAsync(page)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Assigning_is_for_leads_to_a_specialist_or_lead_with_the_version_the_lead_saw()
    {
        var appeal = await _scenario.OpenAppealAsync("assign-1");
        var page = $"/console/appeals/{appeal.AppealId}";
        var action = page + "/assign";

        using var specialist = await host.SignedInAsync("specialist");
        using (var refused = await ConsoleHost.PostFormAsync(specialist, page, action, new() { ["person"] = "specialist", ["version"] = $"{appeal.Version}" }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        using var lead = await host.SignedInAsync("lead");
        Assert.Contains("/assign\"", await lead.GetStringAsync(page), StringComparison.Ordinal);
        using (var noToken = await lead.PostAsync(action, new FormUrlEncodedContent(new Dictionary<string, string> { ["person"] = "specialist", ["version"] = $"{appeal.Version}" })))
        {
            Assert.Equal(HttpStatusCode.BadRequest, noToken.StatusCode);
        }

        using (var toReviewer = await ConsoleHost.PostFormAsync(lead, page, action, new() { ["person"] = "reviewer", ["version"] = $"{appeal.Version}" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, toReviewer.StatusCode);
            Assert.Contains("cannot be assigned", WebUtility.HtmlDecode(await toReviewer.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        }

        Assert.Null((await _scenario.Appeals.GetAsync(appeal.AppealId)).Value.Appeal.AssignedTo);
        using (var done = await ConsoleHost.PostFormAsync(lead, page, action, new() { ["person"] = "specialist", ["version"] = $"{appeal.Version}" }))
        {
            Assert.Equal(HttpStatusCode.Redirect, done.StatusCode);
        }

        Assert.Equal("specialist", (await _scenario.Appeals.GetAsync(appeal.AppealId)).Value.Appeal.AssignedTo);
        using (var stale = await ConsoleHost.PostFormAsync(lead, page, action, new() { ["person"] = "lead", ["version"] = $"{appeal.Version}" }))
        {
            Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        }

        Assert.Equal("specialist", (await _scenario.Appeals.GetAsync(appeal.AppealId)).Value.Appeal.AssignedTo);
    }
}
