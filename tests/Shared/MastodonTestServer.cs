using System.Net;
using System.Web;

namespace Haven.Tests.Enforcement;

/// <summary>Plays a Mastodon instance's admin API on loopback: checks the bearer token (401 when wrong), records the form.</summary>
internal sealed class MastodonTestServer : LoopbackTestServer<MastodonTestServer.Received>
{
    public const string Token = "mastodon-admin-token-9f3b2c71";

    public Uri BaseUrl => new($"http://127.0.0.1:{Port}/");

    protected override async Task<(Received, bool)> ReadAsync(HttpListenerRequest request)
    {
        using var reader = new StreamReader(request.InputStream);
        var parsed = HttpUtility.ParseQueryString(await reader.ReadToEndAsync());
        var form = parsed.AllKeys.Where(k => k is not null).ToDictionary(k => k!, k => parsed[k]!, StringComparer.Ordinal);
        var received = new Received(request.HttpMethod, request.Url!.AbsolutePath, form, request.Headers["Authorization"], request.ContentType);
        return (received, received.Authorization != "Bearer " + Token);
    }

    public sealed record Received(string Method, string Path, IReadOnlyDictionary<string, string> Form, string? Authorization, string? ContentType);
}
