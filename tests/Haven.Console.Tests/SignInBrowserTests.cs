using Deque.AxeCore.Playwright;
using Haven.Audit;
using Haven.People;
using Microsoft.Playwright;

namespace Haven.Console.Tests;

/// <summary>Signing in, out and choosing a password in Chromium, and accessibility of those pages.</summary>
[Collection(BrowserCollection.Name)]
public sealed class SignInBrowserTests(Browser browser) : IAsyncLifetime
{
    private readonly ConsoleHost _host = new();

    public Task InitializeAsync() => _host.InitializeAsync();

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task A_wrong_password_is_refused_without_saying_which_part_was_wrong_and_the_right_one_signs_in_and_out()
    {
        var page = await browser.PageAsync(_host);
        await Browser.SignInAsync(page, "lead", "not the password");
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("name or password is wrong");
        await Assertions.Expect(page.GetByLabel("Name")).ToHaveValueAsync("lead");
        await Assertions.Expect(page.GetByLabel("Password")).ToHaveValueAsync(string.Empty);

        await Browser.SignInAsync(page, "admin");
        await page.GotoAsync("/console/people");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "People", Exact = true })).ToBeVisibleAsync();
        var cookies = await page.Context.CookiesAsync();
        var session = cookies.Single(c => c.Name == "haven-session");
        Assert.True(session.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, session.SameSite);

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/console/sign-in$"));
        await page.GotoAsync("/console/people");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/console/sign-in\\?returnUrl=%2Fconsole%2Fpeople$"));
    }

    [Fact]
    public async Task An_admin_adds_a_person_whose_one_time_password_opens_only_the_password_page_until_changed()
    {
        var admin = await browser.PageAsync(_host);
        await Browser.SignInAsync(admin, "admin");
        await admin.GotoAsync("/console/people");
        await admin.GetByLabel("Name", new() { Exact = true }).FillAsync("newcomer");
        await admin.GetByLabel("Role", new() { Exact = true }).SelectOptionAsync("specialist");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Add with a one-time password" }).ClickAsync();
        var oneTime = await admin.Locator(".otp code").InnerTextAsync();
        Assert.Equal(20, oneTime.Length);
        await Assertions.Expect(admin.GetByRole(AriaRole.Row, new() { Name = "newcomer" })).ToContainTextAsync("must change password");

        var newcomer = await browser.PageAsync(_host);
        await Browser.SignInAsync(newcomer, "newcomer", oneTime);
        await Assertions.Expect(newcomer).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/console/password$"));
        await newcomer.GotoAsync("/console/people");
        await Assertions.Expect(newcomer.GetByRole(AriaRole.Heading, new() { Name = "Not for your role" })).ToBeVisibleAsync();
        await newcomer.GotoAsync("/console/password");
        await newcomer.GetByLabel("Current password").FillAsync(oneTime);
        await newcomer.GetByLabel("New password").FillAsync("a password of my own");
        await newcomer.GetByRole(AriaRole.Button, new() { Name = "Save password" }).ClickAsync();
        Assert.False((await new PeopleService(_host.Store).GetAsync("newcomer"))!.MustChangePassword);

        var audit = await new AuditLog(_host.Store).ReadAsync();
        Assert.Contains(audit, e => e.Action == "person.created" && e.Subject == "person:newcomer");
        Assert.DoesNotContain(audit, e => e.Details.Contains(oneTime, StringComparison.Ordinal));
        Assert.DoesNotContain(_host.Logs, line => line.Contains(oneTime, StringComparison.Ordinal) || line.Contains(ConsoleHost.Password, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_sign_in_people_and_password_pages_have_no_serious_or_critical_accessibility_violations()
    {
        var page = await browser.PageAsync(_host);
        await page.GotoAsync("/console/sign-in");
        await AssertAccessibleAsync(page);
        await Browser.SignInAsync(page, "admin");
        foreach (var path in new[] { "/console/people", "/console/password" })
        {
            await page.GotoAsync(path);
            await AssertAccessibleAsync(page);
        }
    }

    /// <summary>Runs axe-core in the page: no violation of impact serious or critical.</summary>
    internal static async Task AssertAccessibleAsync(IPage page)
    {
        var result = await page.RunAxe();
        var bad = result.Violations.Where(v => v.Impact is "serious" or "critical").Select(v => $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Target?.ToString()))}").ToList();
        Assert.True(bad.Count == 0, $"{page.Url}:\n" + string.Join("\n", bad));
        Assert.True(result.Passes.Length > 0, "axe ran no checks");
    }
}
