using System.Net;
using Haven.People;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Haven.Console.Tests;

/// <summary>
/// Every console route, for every role and for nobody: the least role each needs, 401/403 (or the sign-in page) below
/// it, never 500, and never a route that the table below does not know (a new route must be added here).
/// </summary>
public sealed class ConsoleAuthorizationTests(ConsoleHost host) : IClassFixture<ConsoleHost>
{
    /// <summary>Least role per route; null = anyone, signed in or not.</summary>
    private static readonly Dictionary<string, PersonRole?> Routes = new(StringComparer.Ordinal)
    {
        ["GET /console/assets/{file}"] = null,
        ["GET /console"] = null,
        ["GET /console/sign-in"] = null,
        ["POST /console/sign-in"] = null,
        ["POST /console/sign-out"] = PersonRole.Viewer,
        ["GET /console/password"] = PersonRole.Viewer,
        ["POST /console/password"] = PersonRole.Viewer,
        ["GET /console/people"] = PersonRole.Admin,
        ["POST /console/people"] = PersonRole.Admin,
        ["POST /console/people/{name}/role"] = PersonRole.Admin,
        ["POST /console/people/{name}/disable"] = PersonRole.Admin,
        ["POST /console/people/{name}/enable"] = PersonRole.Admin,
        ["POST /console/people/{name}/reset-password"] = PersonRole.Admin,
        ["GET /console/queue"] = PersonRole.Viewer,
        ["GET /console/cases/{id:long}"] = PersonRole.Viewer,
        ["POST /console/queue/next"] = PersonRole.Reviewer,
        ["POST /console/cases/{id:long}/claim"] = PersonRole.Reviewer,
        ["POST /console/cases/{id:long}/release"] = PersonRole.Reviewer,
        ["POST /console/cases/{id:long}/hold"] = PersonRole.Reviewer,
        ["POST /console/cases/{id:long}/ask-lead"] = PersonRole.Reviewer,
        ["POST /console/cases/{id:long}/escalate"] = PersonRole.Reviewer,
        ["POST /console/cases/{id:long}/dismiss"] = PersonRole.Reviewer,
        ["POST /console/cases/{id:long}/confirm"] = PersonRole.Reviewer,
        ["GET /console/media/preview"] = PersonRole.Reviewer,
        ["POST /console/cases/{id:long}/reveal"] = PersonRole.Specialist,
        ["GET /console/media/revealed"] = PersonRole.Specialist,
        ["POST /console/cases/{id:long}/request-report"] = PersonRole.Specialist,
        ["POST /console/cases/{id:long}/assign"] = PersonRole.Lead,
        ["POST /console/cases/{id:long}/close"] = PersonRole.Lead,
        ["POST /console/cases/{id:long}/reopen"] = PersonRole.Lead,
        ["GET /console/appeals"] = PersonRole.Specialist,
        ["GET /console/appeals/{id}"] = PersonRole.Specialist,
        ["POST /console/appeals/{id}/decide"] = PersonRole.Specialist,
        ["POST /console/appeals/{id}/assign"] = PersonRole.Lead,
        ["GET /console/settings"] = PersonRole.Viewer,
        ["POST /console/settings"] = PersonRole.Viewer,
        ["POST /console/settings/budget"] = PersonRole.Lead,
        ["POST /console/settings/defaults"] = PersonRole.Admin,
        ["GET /console/quality"] = PersonRole.Lead,
    };

    [Fact]
    public void Every_console_route_is_in_the_table_and_every_entry_is_routed()
    {
        var routed = ConsoleRoutes();
        Assert.Empty(routed.Except(Routes.Keys));
        Assert.Empty(Routes.Keys.Except(routed));
    }

    [Fact]
    public async Task Each_route_answers_each_role_as_the_table_says_and_never_500()
    {
        await new PeopleService(host.Store).CreateAsync("target", PersonRole.Viewer, ConsoleHost.Password);
        var failures = new List<string>();
        foreach (var route in ConsoleRoutes())
        {
            var method = route[..route.IndexOf(' ', StringComparison.Ordinal)];
            var path = route[(method.Length + 1)..].Replace("{name}", "target", StringComparison.Ordinal).Replace("{file}", "console.css", StringComparison.Ordinal)
                .Replace("{id:long}", "1", StringComparison.Ordinal).Replace("{id}", "ap-1", StringComparison.Ordinal);
            var least = Routes[route];
            foreach (var who in new PersonRole?[] { null }.Concat(PersonRoles.All.Select(r => (PersonRole?)r)))
            {
                using var client = who is null ? host.Client() : await host.SignedInAsync(who.Value.Name());
                using var response = method == "GET"
                    ? await client.GetAsync(path)
                    : await ConsoleHost.PostFormAsync(client, who is null ? "/console/sign-in" : "/console/password", path);
                var status = (int)response.StatusCode;
                var location = response.Headers.Location?.ToString() ?? string.Empty;
                string? wrong = null;
                if (status >= 500)
                {
                    wrong = "server error";
                }
                else if (least is null || (who is not null && who >= least))
                {
                    if (status is 401 or 403)
                    {
                        wrong = "refused someone allowed";
                    }
                }
                else if (who is null)
                {
                    var toSignIn = status == 302 && location.StartsWith("/console/sign-in", StringComparison.Ordinal);
                    if (!(method == "GET" ? toSignIn : status == 401))
                    {
                        wrong = "let nobody in";
                    }
                }
                else if (status != 403)
                {
                    wrong = "let a lower role in";
                }

                if (wrong is not null)
                {
                    failures.Add($"{route} as {who?.Name() ?? "nobody"}: {status} {location} ({wrong})");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task A_form_without_a_token_or_with_another_sessions_token_changes_nothing()
    {
        using var admin = await host.SignedInAsync("admin");
        using var other = await host.SignedInAsync("admin");
        var people = new PeopleService(host.Store);
        var before = (await people.ListAsync()).Count;

        using var missing = await admin.PostAsync("/console/people", new FormUrlEncodedContent(new Dictionary<string, string> { ["name"] = "csrf-missing", ["role"] = "admin" }));
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("This form has expired", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var foreign = await ConsoleHost.TokenAsync(other, "/console/people");
        using var crossed = await admin.PostAsync("/console/people", new FormUrlEncodedContent(new Dictionary<string, string> { ["__csrf"] = foreign, ["name"] = "csrf-crossed", ["role"] = "admin" }));
        Assert.Equal(HttpStatusCode.BadRequest, crossed.StatusCode);

        using var json = await admin.PostAsync("/console/people", new StringContent("{\"name\":\"csrf-json\",\"role\":\"admin\"}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, json.StatusCode);

        Assert.Equal(before, (await people.ListAsync()).Count);

        // Not vacuous: the same form with this session's own token does create the person.
        using var proper = await ConsoleHost.PostFormAsync(admin, "/console/people", "/console/people", new() { ["name"] = "csrf-proper", ["role"] = "viewer" });
        Assert.Equal(HttpStatusCode.OK, proper.StatusCode);
        Assert.Equal(before + 1, (await people.ListAsync()).Count);
    }

    [Fact]
    public async Task Every_console_response_forbids_caching_framing_and_inline_script()
    {
        using var admin = await host.SignedInAsync("admin");
        foreach (var path in new[] { "/console/sign-in", "/console/people", "/console/password" })
        {
            using var response = await admin.GetAsync(path);
            Assert.Contains("no-store", response.Headers.CacheControl?.ToString() ?? string.Empty, StringComparison.Ordinal);
            var csp = response.Headers.GetValues("Content-Security-Policy").Single();
            Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
            Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
            var html = await response.Content.ReadAsStringAsync();
            Assert.DoesNotMatch("<script(?![^>]*\\bsrc=)", html);
            Assert.DoesNotContain(" style=", html, StringComparison.Ordinal);
            Assert.DoesNotMatch("\\son[a-z]+=", html);
        }
    }

    [Fact]
    public async Task Sessions_end_after_idle_and_absolute_timeouts_and_when_the_person_changes()
    {
        using var reviewer = await host.SignedInAsync("reviewer");
        Assert.Equal(HttpStatusCode.OK, (await reviewer.GetAsync("/console/password")).StatusCode);

        host.Clock.Advance(TimeSpan.FromMinutes(31));
        using (var idle = await reviewer.GetAsync("/console/password"))
        {
            Assert.Equal(HttpStatusCode.Redirect, idle.StatusCode);
            Assert.StartsWith("/console/sign-in", idle.Headers.Location!.ToString(), StringComparison.Ordinal);
        }

        using var busy = await host.SignedInAsync("reviewer");
        for (var i = 0; i < 23; i++)
        {
            // Active every 25 minutes: the idle timeout never strikes, for 9 h 35 min.
            host.Clock.Advance(TimeSpan.FromMinutes(25));
            using var step = await busy.GetAsync("/console/password");
            Assert.Equal(HttpStatusCode.OK, step.StatusCode);
        }

        host.Clock.Advance(TimeSpan.FromMinutes(30));
        using (var absolute = await busy.GetAsync("/console/password"))
        {
            Assert.Equal(HttpStatusCode.Redirect, absolute.StatusCode);
        }

        using var viewer = await host.SignedInAsync("viewer");
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/console/password")).StatusCode);
        await new PeopleService(host.Store).SetRoleAsync("viewer", PersonRole.Reviewer);
        Assert.Equal(HttpStatusCode.Redirect, (await viewer.GetAsync("/console/password")).StatusCode);
        await new PeopleService(host.Store).SetRoleAsync("viewer", PersonRole.Viewer);
    }

    private List<string> ConsoleRoutes() =>
        [.. host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/console", StringComparison.Ordinal))
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => $"{m} {e.RoutePattern.RawText!.TrimEnd('/')}"))
            .Distinct()];
}
