using Haven.Appeals;
using Haven.Enforcement;
using Haven.People;
using Haven.Wellness;
using Microsoft.Playwright;

namespace Haven.Console.Tests;

/// <summary>The appeals, settings and quality pages in Chromium, and their accessibility.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ConsolePagesBrowserTests(Browser browser) : IAsyncLifetime
{
    private readonly ConsoleHost _host = new();

    public Task InitializeAsync() => _host.InitializeAsync();

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task A_specialist_overturns_an_appeal_and_the_outbox_gains_the_reverse_action()
    {
        var scenario = new ConsoleScenario(_host);
        var appeal = await scenario.OpenAppealAsync("browser-1");
        var page = await browser.PageAsync(_host);
        await Browser.SignInAsync(page, "specialist");

        await page.GotoAsync("/console/appeals");
        await page.GetByRole(AriaRole.Link, new() { Name = appeal.AppealId, Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Appeal {appeal.AppealId}" })).ToBeVisibleAsync();
        await page.GetByLabel("Overturned: reverse its actions").CheckAsync();
        await page.GetByLabel("Reason (kept with the appeal, never sent to the platform)").FillAsync("the match was to the wrong entry");
        await page.GetByRole(AriaRole.Button, new() { Name = "Decide the appeal" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Overturned");
        await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = "Reverse actions queued for the platform" })).ToContainTextAsync("unsuspend account");
        var decided = (await scenario.Appeals.GetAsync(appeal.AppealId)).Value;
        Assert.Equal((AppealStatuses.Overturned, "specialist"), (decided.Appeal.Status, decided.Appeal.DecidedBy));
        var reverse = await new OutboxQueue(_host.Store).ListForDecisionAsync(decided.Appeal.ReversalDecisionId!);
        Assert.Contains(reverse, r => r.Kind == "unsuspend_account" && r.State == OutboxState.Pending);

        // A decided appeal offers no form any more (a repeated submission is refused: AppealConsoleTests).
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Decide the appeal" })).ToHaveCountAsync(0);
        Assert.Equal(reverse.Count, (await new OutboxQueue(_host.Store).ListForDecisionAsync(decided.Appeal.ReversalDecisionId!)).Count);
        Assert.Equal(AppealStatuses.Overturned, (await scenario.Appeals.GetAsync(appeal.AppealId)).Value.Appeal.Status);
    }

    [Fact]
    public async Task A_reviewers_settings_change_persists_and_invalid_values_are_shown_with_every_problem()
    {
        var page = await browser.PageAsync(_host);
        await Browser.SignInAsync(page, "reviewer");
        await page.GotoAsync("/console/settings");

        await page.GetByLabel("Blur strength, 1 (weakest) to 10").FillAsync("12");
        await page.GetByLabel("Playback speed, 25–400 %").FillAsync("10");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save my settings" }).ClickAsync();
        var alert = page.GetByRole(AriaRole.Alert);
        await Assertions.Expect(alert).ToContainTextAsync("blur strength must be 1–10 (was 12)");
        await Assertions.Expect(alert).ToContainTextAsync("playback speed must be 25–400 (was 10)");
        Assert.Equal(PersonSettings.Inherit, await new WellnessSettings(_host.Store).GetPersonAsync("reviewer"));

        await page.GetByLabel("Blur strength, 1 (weakest) to 10").FillAsync("8");
        await page.GetByLabel("Playback speed, 25–400 %").FillAsync(string.Empty);
        await page.GetByLabel("Colour").SelectOptionAsync("sepia");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save my settings" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Your settings are saved");

        Assert.Equal(PersonSettings.Inherit with { BlurStrength = 8, Colour = ColourMode.Sepia }, await new WellnessSettings(_host.Store).GetPersonAsync("reviewer"));
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByLabel("Blur strength, 1 (weakest) to 10")).ToHaveValueAsync("8");
        await Assertions.Expect(page.GetByLabel("Colour")).ToHaveValueAsync("sepia");
    }

    [Fact]
    public async Task The_appeals_appeal_settings_and_quality_pages_have_no_serious_or_critical_accessibility_violations()
    {
        var scenario = new ConsoleScenario(_host);
        var open = await scenario.OpenAppealAsync("axe-1");
        var decided = await scenario.OpenAppealAsync("axe-2");
        Assert.True((await scenario.Appeals.DecideAsync(new Actor("lead", PersonRole.Lead), decided.AppealId, AppealOutcome.Overturned, "reason", decided.Version)).IsSuccess);
        await scenario.PostImageAsync("axe-3", "p-axe-image");
        var reveals = (Reveals)_host.Services.GetService(typeof(Reveals))!;
        Assert.True((await reveals.RevealAsync(new Actor("lead", PersonRole.Lead), "case-axe", "p-axe-image", 0)).IsSuccess);

        var page = await browser.PageAsync(_host);
        await Browser.SignInAsync(page, "admin");
        foreach (var path in new[] { "/console/appeals", $"/console/appeals/{open.AppealId}", $"/console/appeals/{decided.AppealId}", "/console/settings", "/console/quality" })
        {
            await page.GotoAsync(path);
            await SignInBrowserTests.AssertAccessibleAsync(page);
        }

        // A refused form, as its problems show.
        await page.GotoAsync("/console/settings");
        await page.GetByLabel("Daily reveal budget per person, 0–1000").FillAsync("5000");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the organisation's defaults" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("daily reveal budget must be 0–1000");
        await SignInBrowserTests.AssertAccessibleAsync(page);

        var reviewer = await browser.PageAsync(_host);
        await Browser.SignInAsync(reviewer, "reviewer");
        await reviewer.GotoAsync("/console/settings");
        await SignInBrowserTests.AssertAccessibleAsync(reviewer);
    }
}
