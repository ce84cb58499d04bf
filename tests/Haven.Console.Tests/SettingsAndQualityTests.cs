using System.Net;
using System.Text.RegularExpressions;
using Haven.Appeals;
using Haven.People;
using Haven.Wellness;

namespace Haven.Console.Tests;

/// <summary>The settings and quality pages over HTTP.</summary>
public sealed partial class SettingsAndQualityTests(ConsoleHost host) : IClassFixture<ConsoleHost>
{
    private WellnessSettings Settings => new(host.Store);

    [Fact]
    public async Task A_person_saves_their_own_settings_field_by_field_and_a_refused_form_names_every_problem_and_saves_nothing()
    {
        using var viewer = await host.SignedInAsync("viewer");
        var page = await viewer.GetStringAsync("/console/settings");
        Assert.Contains("Your role never reveals media", page, StringComparison.Ordinal);
        Assert.DoesNotContain("/console/settings/defaults", page, StringComparison.Ordinal);
        Assert.DoesNotContain("/console/settings/budget", page, StringComparison.Ordinal);

        using (var saved = await ConsoleHost.PostFormAsync(viewer, "/console/settings", "/console/settings", new() { ["blur"] = "7", ["colour"] = "sepia", ["muted"] = "inherit", ["paused"] = "no", ["speed"] = "" }))
        {
            Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        }

        Assert.Equal(new PersonSettings(7, ColourMode.Sepia, null, false, null), await Settings.GetPersonAsync("viewer"));

        using (var refused = await ConsoleHost.PostFormAsync(viewer, "/console/settings", "/console/settings", new() { ["blur"] = "12", ["colour"] = "purple", ["muted"] = "maybe", ["paused"] = "no", ["speed"] = "fast" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            var html = WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync());
            Assert.Contains("blur strength must be 1–10 (was 12)", html, StringComparison.Ordinal);
            Assert.Contains("colour must be", html, StringComparison.Ordinal);
            Assert.Contains("video muted must be", html, StringComparison.Ordinal);
            Assert.Contains("playback speed must be a whole number", html, StringComparison.Ordinal);
            Assert.Contains("value=\"12\"", html, StringComparison.Ordinal);
        }

        using (var noToken = await viewer.PostAsync("/console/settings", new FormUrlEncodedContent(new Dictionary<string, string> { ["blur"] = "2" })))
        {
            Assert.Equal(HttpStatusCode.BadRequest, noToken.StatusCode);
        }

        Assert.Equal(new PersonSettings(7, ColourMode.Sepia, null, false, null), await Settings.GetPersonAsync("viewer"));
    }

    [Fact]
    public async Task Only_an_admin_sets_the_organisations_defaults_and_only_a_lead_sets_a_persons_budget()
    {
        var defaults = new Dictionary<string, string> { ["blur"] = "5", ["colour"] = "greyscale", ["muted"] = "yes", ["paused"] = "yes", ["speed"] = "100", ["budget"] = "30" };
        using var lead = await host.SignedInAsync("lead");
        using (var refused = await ConsoleHost.PostFormAsync(lead, "/console/settings", "/console/settings/defaults", defaults))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        using var admin = await host.SignedInAsync("admin");
        using (var invalid = await ConsoleHost.PostFormAsync(admin, "/console/settings", "/console/settings/defaults", new(defaults) { ["budget"] = "5000", ["speed"] = "" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
            var html = WebUtility.HtmlDecode(await invalid.Content.ReadAsStringAsync());
            Assert.Contains("daily reveal budget must be 0–1000 (was 5000)", html, StringComparison.Ordinal);
            Assert.Contains("playback speed is required", html, StringComparison.Ordinal);
        }

        Assert.Equal(OrganisationDefaults.DefaultDailyRevealBudget, (await Settings.GetDefaultsAsync()).DailyRevealBudget);
        using (var saved = await ConsoleHost.PostFormAsync(admin, "/console/settings", "/console/settings/defaults", defaults))
        {
            Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        }

        Assert.Equal((5, 30), ((await Settings.GetDefaultsAsync()).View.BlurStrength, (await Settings.GetDefaultsAsync()).DailyRevealBudget));

        using var specialist = await host.SignedInAsync("specialist");
        using (var refused = await ConsoleHost.PostFormAsync(specialist, "/console/settings", "/console/settings/budget", new() { ["person"] = "specialist", ["budget"] = "900" }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        using (var unknown = await ConsoleHost.PostFormAsync(lead, "/console/settings", "/console/settings/budget", new() { ["person"] = "nobody-here", ["budget"] = "-1" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
            var html = WebUtility.HtmlDecode(await unknown.Content.ReadAsStringAsync());
            Assert.Contains("no person has this name", html, StringComparison.Ordinal);
            Assert.Contains("daily reveal budget must be 0–1000 (was -1)", html, StringComparison.Ordinal);
        }

        using (var set = await ConsoleHost.PostFormAsync(lead, "/console/settings", "/console/settings/budget", new() { ["person"] = "specialist", ["budget"] = "3" }))
        {
            Assert.Equal(HttpStatusCode.Redirect, set.StatusCode);
        }

        Assert.Equal((3, true), ((await Settings.EffectiveAsync("specialist")).DailyRevealBudget, (await Settings.EffectiveAsync("specialist")).BudgetOverridden));
        Assert.Contains("of your <strong>3</strong> items", await specialist.GetStringAsync("/console/settings"), StringComparison.Ordinal);

        using (var cleared = await ConsoleHost.PostFormAsync(lead, "/console/settings", "/console/settings/budget", new() { ["person"] = "specialist", ["budget"] = "" }))
        {
            Assert.Equal(HttpStatusCode.Redirect, cleared.StatusCode);
        }

        Assert.Equal((30, false), ((await Settings.EffectiveAsync("specialist")).DailyRevealBudget, (await Settings.EffectiveAsync("specialist")).BudgetOverridden));
    }

    [Fact]
    public async Task The_quality_page_shows_labels_and_appeals_per_rule_and_each_persons_reveals_per_day_as_a_table_and_a_chart()
    {
        var scenario = new ConsoleScenario(host);
        var appeal = await scenario.OpenAppealAsync("quality-1");
        Assert.True((await scenario.Appeals.DecideAsync(new Actor("lead", PersonRole.Lead), appeal.AppealId, AppealOutcome.Overturned, "wrong entry", appeal.Version)).IsSuccess);
        await scenario.PostImageAsync("quality-2", "p-quality-image");
        var reveals = (Reveals)host.Services.GetService(typeof(Reveals))!;
        var specialist = new Actor("specialist", PersonRole.Specialist);
        Assert.True((await reveals.RevealAsync(specialist, "case-q", "p-quality-image", 0)).IsSuccess);
        host.Clock.Advance(TimeSpan.FromDays(1));
        Assert.True((await reveals.RevealAsync(specialist, "case-q", "p-quality-image", 0)).IsSuccess);
        Assert.True((await reveals.RevealAsync(specialist, "case-q", "p-quality-image", 0)).IsSuccess);

        using var lead = await host.SignedInAsync("lead");
        using var response = await lead.GetAsync("/console/quality");
        var html = Regex.Replace(WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()), ">\\s+<", "><");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Matches("<th scope=\"row\">media.known-abuse-imagery</th><td>0</td><td>0</td><td>-</td><td>0</td><td>0</td><td>1</td><td>100 ?%</td>", html);
        var row = RowOf().Match(html);
        Assert.True(row.Success, "no exposure row for the specialist");
        Assert.EndsWith("<td>1</td><td>2</td><td>3</td>", Regex.Replace(row.Groups[1].Value, "<td class=\"zero\">0</td>", string.Empty), StringComparison.Ordinal);
        Assert.Equal(2, Regex.Count(row.Groups[2].Value, "<rect class=\"bar\""));
        Assert.Contains("height=\"40\"", row.Groups[2].Value, StringComparison.Ordinal);
        Assert.Contains("height=\"20\"", row.Groups[2].Value, StringComparison.Ordinal);
        Assert.Contains("No decision has had a second review yet.", html, StringComparison.Ordinal);
        Assert.DoesNotContain(" style=", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
    }

    [GeneratedRegex("<th scope=\"row\">specialist</th>(.*?)<td>(<svg.*?</svg>)", RegexOptions.Singleline)]
    private static partial Regex RowOf();
}
