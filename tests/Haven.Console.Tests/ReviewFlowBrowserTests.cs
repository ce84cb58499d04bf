using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Dapper;
using Haven.Audit;
using Haven.Simulation;
using Microsoft.Playwright;
using SkiaSharp;

namespace Haven.Console.Tests;

/// <summary>
/// The review work end to end in Chromium on a server that processes events: a known image posted on the platform
/// opens a case in the specialist queue; a specialist sees it blurred, reveals it (recorded and counted), and the
/// queue never shows thumbnails.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class ReviewFlowBrowserTests(Browser browser) : IAsyncLifetime
{
    private readonly ConsoleHost _host = new() { Configure = options => options.ProcessEvents = true };

    public Task InitializeAsync() => _host.InitializeAsync();

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task A_known_image_opens_a_case_a_specialist_sees_blurred_reveals_once_and_the_reveal_is_recorded_and_counted()
    {
        var image = SyntheticImages.Encode(SyntheticImages.Generate(seed: 4242, 320, 240), SKEncodedImageFormat.Png);
        var sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(image));
        using var platform = _host.Platform();
        Assert.Equal(HttpStatusCode.Created, (await platform.PostAsync("/v1/banks", Json("{\"name\":\"known\"}"))).StatusCode);
        using (var import = await platform.PostAsync("/v1/banks/known/import?format=hex&signal=sha256&category=A1", new StringContent(sha256 + "\n", Encoding.UTF8, "text/plain")))
        {
            Assert.True(import.IsSuccessStatusCode, await import.Content.ReadAsStringAsync());
        }

        // The processor matches with the index of the moment: wait until the new entry is in it.
        await WaitAsync(async () =>
        {
            using var lookup = await platform.PostAsync("/v1/hashes/lookup", Json($"{{\"hashes\":[\"sha256:{sha256}\"]}}"));
            return (await lookup.Content.ReadAsStringAsync()).Contains("\"known\"", StringComparison.Ordinal);
        });
        var body = $"{{\"id\":\"e-1\",\"type\":\"post.created\",\"occurredAt\":\"{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ssZ}\",\"actor\":\"acct-9\",\"post\":{{\"id\":\"p-9\",\"text\":\"placeholder words\",\"media\":[{{\"bytes\":\"{Convert.ToBase64String(image)}\"}}]}}}}";
        using (var ingest = await platform.PostAsync("/v1/events", new StringContent(body, Encoding.UTF8, "application/x-ndjson")))
        {
            Assert.True(ingest.IsSuccessStatusCode, await ingest.Content.ReadAsStringAsync());
        }

        var caseId = await WaitForCaseAsync();

        var page = await browser.PageAsync(_host);
        await Browser.SignInAsync(page, "specialist");
        await page.GotoAsync("/console/queue?queue=specialist");
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "content p-9" });
        await Assertions.Expect(row).ToContainTextAsync("urgent");
        Assert.Equal(0, await page.Locator("table img").CountAsync());
        await SignInBrowserTests.AssertAccessibleAsync(page);

        await page.GetByRole(AriaRole.Link, new() { Name = $"Case {caseId}", Exact = true }).ClickAsync();
        var preview = page.GetByRole(AriaRole.Img, new() { NameRegex = new Regex("Blurred preview") });
        await Assertions.Expect(preview).ToBeVisibleAsync();
        await page.WaitForFunctionAsync("() => { const i = document.querySelector('img[alt^=\"Blurred\"]'); return i && i.complete && i.naturalWidth > 0; }");
        await Assertions.Expect(page.GetByText("Known-abuse bank match, category A1")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("blockquote")).ToContainTextAsync("placeholder words");
        await Assertions.Expect(page.Locator(".reveals strong")).ToHaveTextAsync("0");
        await SignInBrowserTests.AssertAccessibleAsync(page);

        // The preview the browser received is not the original: a different, smaller PNG.
        var previewBytes = await (await page.Context.APIRequest.GetAsync((await preview.GetAttributeAsync("src"))!)).BodyAsync();
        Assert.NotEqual(image, previewBytes);

        await page.Keyboard.PressAsync("v");
        var revealed = page.GetByRole(AriaRole.Img, new() { NameRegex = new Regex("Revealed media") });
        await Assertions.Expect(revealed).ToBeVisibleAsync();
        await page.WaitForFunctionAsync("() => { const i = document.querySelector('img[alt^=\"Revealed\"]'); return i && i.complete && i.naturalWidth > 0; }");
        await Assertions.Expect(page.Locator(".reveals strong")).ToHaveTextAsync("1");

        // The grant was redeemed by the page: the same link gives nothing a second time.
        var again = await page.Context.APIRequest.GetAsync((await revealed.GetAttributeAsync("src"))!);
        Assert.Equal(404, again.Status);

        var audit = await new AuditLog(_host.Store).ReadAsync();
        var reveal = Assert.Single(audit, e => e.Action == "media.revealed");
        Assert.Equal("person:specialist", reveal.Actor);
        await using var connection = await _host.Store.OpenConnectionAsync();
        Assert.Equal(1, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM media_reveals WHERE person = 'specialist' AND post_id = 'p-9'"));

        // Confirm with the keyboard's form: actions leave through the outbox and the image joins the confirmed bank.
        await page.GetByLabel("remove content", new() { Exact = false }).First.CheckAsync();
        await page.GetByLabel("Category of the media").SelectOptionAsync("A1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Confirmed");
        Assert.True(await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM decisions WHERE decided_by = 'person:specialist'") >= 1);
        Assert.True(await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE kind = 'remove_content'") >= 1);
        await WaitAsync(async () =>
        {
            using var answer = await platform.PostAsync("/v1/media/match?bank=confirmed", new ByteArrayContent(image));
            return (await answer.Content.ReadAsStringAsync()).Contains("\"confirmed\"", StringComparison.Ordinal);
        });

        // A reviewer sees the blurred preview but cannot reveal; a viewer sees no media at all.
        var reviewer = await browser.PageAsync(_host);
        await Browser.SignInAsync(reviewer, "reviewer");
        await reviewer.GotoAsync($"/console/cases/{caseId}");
        Assert.Equal(0, await reviewer.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("Reveal") }).CountAsync());
        var viewer = await browser.PageAsync(_host);
        await Browser.SignInAsync(viewer, "viewer");
        await viewer.GotoAsync($"/console/cases/{caseId}");
        Assert.Equal(0, await viewer.Locator("img").CountAsync());
        await Assertions.Expect(viewer.GetByText("Your role sees no media")).ToBeVisibleAsync();
        Assert.Equal(403, (await viewer.Context.APIRequest.GetAsync($"/console/media/preview?post=p-9&index=0&case={caseId}")).Status);
    }

    private async Task<long> WaitForCaseAsync()
    {
        long id = 0;
        await WaitAsync(async () =>
        {
            await using var connection = await _host.Store.OpenConnectionAsync();
            id = await connection.ExecuteScalarAsync<long?>("SELECT case_id FROM cases WHERE subject_kind = 'content' AND subject_id = 'p-9'") ?? 0;
            return id > 0;
        });
        return id;
    }

    private static async Task WaitAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 600; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail("The server did not get there in 60 s.");
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
