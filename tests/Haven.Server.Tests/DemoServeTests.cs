using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Haven.Server.Tests;

/// <summary><c>haven demo --serve</c> as a newcomer meets it: the real program, its printed password, the console in HTTP.</summary>
public sealed partial class DemoServeTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "haven-demo-serve-tests-" + Guid.NewGuid().ToString("N"));

    public DemoServeTests() => Directory.CreateDirectory(_folder);

    [Fact]
    public async Task Demo_serve_keeps_the_console_running_and_the_printed_password_signs_the_demo_reviewer_in_to_both_queues()
    {
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = _folder, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "Haven.Cli.dll"), "demo", "--accounts", "3000", "--network", "150", "--known", "0",
            "--serve", "--urls", $"http://127.0.0.1:{port}", "--data", Path.Combine(_folder, "data"),
        })
        {
            start.ArgumentList.Add(a);
        }

        start.Environment.Remove("HAVEN_POSTGRES");
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var printed = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                // The output ended (the process exited) before the password was printed.
                printed.TrySetException(new InvalidOperationException("haven demo --serve ended without printing a password:\n" + string.Join('\n', stdout)));
                return;
            }

            stdout.Enqueue(e.Data);
            if (OneTimePassword().Match(e.Data) is { Success: true } match)
            {
                printed.TrySetResult(match.Groups[1].Value);
            }
        };
        var stderr = process.StandardError.ReadToEndAsync();
        process.BeginOutputReadLine();
        try
        {
            var password = await printed.Task;
            Assert.Contains($"Review console: http://127.0.0.1:{port}/console", stdout);
            Assert.Contains(stdout, l => l.Contains("Cases opened for people", StringComparison.Ordinal));

            using var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false, UseCookies = true })
            {
                BaseAddress = new Uri($"http://127.0.0.1:{port}"),
            };
            using (var page = await client.GetAsync("/console/sign-in"))
            {
                Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            }

            using (var wrong = await PostFormAsync(client, "/console/sign-in", "/console/sign-in", new() { ["name"] = "demo-reviewer", ["password"] = password + "x" }))
            {
                Assert.NotEqual(HttpStatusCode.Redirect, wrong.StatusCode);
            }

            // A one-time password opens only the password page: the newcomer chooses their own, then works the queue.
            using (var signIn = await PostFormAsync(client, "/console/sign-in", "/console/sign-in", new() { ["name"] = "demo-reviewer", ["password"] = password }))
            {
                Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
                Assert.Equal("/console/password", signIn.Headers.Location?.OriginalString);
            }

            using (var changed = await PostFormAsync(client, "/console/password", "/console/password", new() { ["current"] = password, ["replacement"] = "a password of my own choosing" }))
            {
                Assert.Equal(HttpStatusCode.Redirect, changed.StatusCode);
                Assert.Equal("/console/queue", changed.Headers.Location?.OriginalString);
            }

            foreach (var queue in new[] { "specialist", "review" })
            {
                using var listing = await client.GetAsync("/console/queue?queue=" + queue);
                Assert.Equal(HttpStatusCode.OK, listing.StatusCode);
                Assert.Matches(CaseLink(), await listing.Content.ReadAsStringAsync());
            }

            // Printed once, on standard output only, and nowhere else.
            Assert.Single(stdout, l => l.Contains(password, StringComparison.Ordinal));
        }
        finally
        {
            if (!process.HasExited)
            {
                // Ctrl+C, as a person stops it.
                using var interrupt = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                await interrupt.WaitForExitAsync();
            }

            await process.WaitForExitAsync();
        }

        var errors = await stderr;
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {errors}");
        Assert.DoesNotContain("internal error", errors, StringComparison.Ordinal);
        Assert.DoesNotContain(await printed.Task, errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_serve_refuses_a_bad_address_before_running_the_demo()
    {
        var result = await CliTests.Run(_folder, ["demo", "--serve", "--urls", "ftp://127.0.0.1:1", "--data", Path.Combine(_folder, "data")]);
        Assert.Equal(2, result.ExitCode);
        Assert.False(Directory.Exists(Path.Combine(_folder, "data", "demo")), "the demo ran before the address was checked");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string page, string action, Dictionary<string, string> fields)
    {
        var html = await client.GetStringAsync(page);
        var token = CsrfField().Match(html);
        Assert.True(token.Success, page + " has no form token");
        fields["__csrf"] = WebUtility.HtmlDecode(token.Groups[1].Value);
        return await client.PostAsync(action, new FormUrlEncodedContent(fields));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex("^one-time password: (\\S+)$")]
    private static partial Regex OneTimePassword();

    [GeneratedRegex("name=\"__csrf\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfField();

    [GeneratedRegex("href=\"/console/cases/[0-9]+\"")]
    private static partial Regex CaseLink();
}
