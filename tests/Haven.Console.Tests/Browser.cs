using Microsoft.Playwright;

namespace Haven.Console.Tests;

/// <summary>
/// Debian's Chromium driven by Playwright (never a downloaded browser). Missing Chromium fails the test with what to
/// install; <c>.ci/run</c> installs it (eng/ci-prereqs.sh).
/// </summary>
public sealed class Browser : IAsyncLifetime
{
    /// <summary>Where Debian installs Chromium; <c>HAVEN_CHROMIUM</c> overrides.</summary>
    public static string ExecutablePath => Environment.GetEnvironmentVariable("HAVEN_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    private IPlaywright? _playwright;

    internal IBrowser Chromium { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(ExecutablePath), $"Chromium is not at {ExecutablePath}: install Debian's chromium package (apt-get install -y chromium) or set HAVEN_CHROMIUM.");
        _playwright = await Playwright.CreateAsync();
        Chromium = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = ExecutablePath, Headless = true, Args = ["--no-sandbox"] });
    }

    /// <summary>A fresh browser context (own cookies) with a page on <paramref name="host"/>.</summary>
    internal async Task<IPage> PageAsync(ConsoleHost host)
    {
        var context = await Chromium.NewContextAsync(new() { BaseURL = host.BaseAddress.ToString().TrimEnd('/') });
        return await context.NewPageAsync();
    }

    /// <summary>Signs in through the form, as a person would.</summary>
    internal static async Task SignInAsync(IPage page, string name, string password = ConsoleHost.Password)
    {
        await page.GotoAsync("/console/sign-in");
        await page.GetByLabel("Name").FillAsync(name);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    public async Task DisposeAsync()
    {
        if (Chromium is not null)
        {
            await Chromium.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<Browser>
{
    public const string Name = "browser";
}
