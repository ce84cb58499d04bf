using System.Net.Sockets;
using System.Text;
using Haven.People;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Haven.Console.Tests;

/// <summary>
/// Every console page that needs a role, spelled every way a path can be spelled (case, escapes, doubled slashes, dot
/// segments, trailing slash), sent raw so no client normalises it: without a session, or with a session whose role is
/// too low, nothing answers 200.
/// </summary>
public sealed class ConsolePathSpellingTests(ConsoleHost host) : IClassFixture<ConsoleHost>
{
    private static IEnumerable<string> Spellings(string path)
    {
        var rest = path["/console".Length..];
        yield return path;
        yield return path.ToUpperInvariant();
        yield return "/CONSOLE" + rest;
        yield return "/%63onsole" + rest;
        yield return "/" + string.Concat(path.TrimStart('/').Select(c => c == '/' ? "/" : $"%{(int)c:X2}"));
        yield return "/" + path;
        yield return "/console/" + rest;
        yield return "/console/." + rest;
        yield return "/x/../console" + rest;
        yield return "/x/%2e%2e/console" + rest;
        yield return path + "/";
        yield return "/console%2F" + rest.TrimStart('/');
    }

    [Fact]
    public async Task No_spelling_of_a_role_page_answers_200_without_a_session_or_below_its_role()
    {
        var viewerCookie = await SessionCookieAsync("viewer");
        var pages = host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/console", StringComparison.Ordinal) && (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Contains("GET") ?? false))
            .Select(e => (Path: e.RoutePattern.RawText!.TrimEnd('/').Replace("{id:long}", "1", StringComparison.Ordinal).Replace("{id}", "ap-1", StringComparison.Ordinal),
                Policy: e.Metadata.GetOrderedMetadata<Microsoft.AspNetCore.Authorization.IAuthorizeData>().LastOrDefault()?.Policy))
            .Where(p => p.Policy is not null)
            .ToList();
        Assert.Contains(pages, p => p.Path == "/console/people");
        var failures = new List<string>();
        var reached = 0;
        foreach (var (path, policy) in pages)
        {
            var aboveViewer = policy != "person:" + PersonRole.Viewer.Name();
            foreach (var spelling in Spellings(path))
            {
                var anonymous = await StatusAsync(spelling, null);
                if (anonymous == 200)
                {
                    failures.Add($"{spelling}: 200 without a session");
                }

                if (aboveViewer)
                {
                    var viewer = await StatusAsync(spelling, viewerCookie);
                    if (viewer == 200)
                    {
                        failures.Add($"{spelling}: 200 for a viewer ({policy})");
                    }

                    reached += viewer == 403 ? 1 : 0;
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));

        // Not vacuous: many spellings do route to the page and are refused there (403), not just missed (404).
        Assert.True(reached >= pages.Count(p => p.Policy != "person:viewer") * 4, $"only {reached} spellings reached a page");
    }

    private async Task<string> SessionCookieAsync(string name)
    {
        using var client = host.Client();
        using var signIn = await ConsoleHost.SignInAsync(client, name, ConsoleHost.Password);
        return string.Join("; ", signIn.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).Where(c => c.StartsWith("haven-session=", StringComparison.Ordinal)));
    }

    private async Task<int> StatusAsync(string target, string? cookie)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(host.BaseAddress.Host, host.BaseAddress.Port);
        await using var stream = tcp.GetStream();
        var request = $"GET {target} HTTP/1.1\r\nHost: {host.BaseAddress.Authority}\r\nConnection: close\r\n" + (cookie is null ? string.Empty : $"Cookie: {cookie}\r\n") + "\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var status = await reader.ReadLineAsync() ?? string.Empty;
        var parts = status.Split(' ');
        return parts.Length > 1 && int.TryParse(parts[1], out var code) ? code : 0;
    }
}
