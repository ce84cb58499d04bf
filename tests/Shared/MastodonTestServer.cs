using System.Collections.Concurrent;
using System.Net;
using System.Text.RegularExpressions;
using System.Web;

namespace Haven.Tests.Enforcement;

/// <summary>
/// Plays a Mastodon instance's admin API on loopback: checks the bearer token (401 when wrong), records the form, and
/// answers the account endpoints as Mastodon does (docs.joinmastodon.org, methods/admin/accounts): a token without
/// <c>admin:write:accounts</c> gets 403; once accounts are registered with <see cref="AddAccount"/>, an unknown account
/// gets 404; <c>POST …/action</c> with <c>type=suspend|silence</c> sets the state, <c>…/unsilence</c> clears it (200
/// also when not silenced), <c>…/unsuspend</c> clears it and answers 403 when the account is not suspended.
/// </summary>
internal sealed partial class MastodonTestServer : LoopbackTestServer<MastodonTestServer.Received>
{
    public const string Token = "mastodon-admin-token-9f3b2c71";

    /// <summary>A valid user token without the <c>admin:write:accounts</c> scope.</summary>
    public const string ReadOnlyToken = "mastodon-read-token-4e81a0d2";

    private readonly ConcurrentDictionary<string, AccountState> _accounts = new(StringComparer.Ordinal);

    public Uri BaseUrl => new($"http://127.0.0.1:{Port}/");

    /// <summary>Registers an account (from then on, ids not registered answer 404).</summary>
    public void AddAccount(string id, bool suspended = false, bool silenced = false) => _accounts[id] = new AccountState(suspended, silenced);

    /// <summary>The account's state, or null when it is not registered.</summary>
    public AccountState? Account(string id) => _accounts.TryGetValue(id, out var state) ? state : null;

    protected override async Task<(Received, bool)> ReadAsync(HttpListenerRequest request)
    {
        using var reader = new StreamReader(request.InputStream);
        var parsed = HttpUtility.ParseQueryString(await reader.ReadToEndAsync());
        var form = parsed.AllKeys.Where(k => k is not null).ToDictionary(k => k!, k => parsed[k]!, StringComparer.Ordinal);
        var received = new Received(request.HttpMethod, request.Url!.AbsolutePath, form, request.Headers["Authorization"], request.ContentType);
        return (received, received.Authorization is not ("Bearer " + Token or "Bearer " + ReadOnlyToken));
    }

    protected override int Handle(Received received)
    {
        if (received.Authorization == "Bearer " + ReadOnlyToken)
        {
            return 403;
        }

        var match = AccountPath().Match(received.Path);
        if (!match.Success || received.Method != "POST")
        {
            return 404;
        }

        var id = Uri.UnescapeDataString(match.Groups["id"].Value);
        if (_accounts.IsEmpty)
        {
            return 200;
        }

        if (!_accounts.TryGetValue(id, out var state))
        {
            return 404;
        }

        switch (match.Groups["op"].Value)
        {
            case "action" when received.Form.GetValueOrDefault("type") == "suspend":
                _accounts[id] = state with { Suspended = true };
                return 200;
            case "action" when received.Form.GetValueOrDefault("type") == "silence":
                _accounts[id] = state with { Silenced = true };
                return 200;
            case "action":
                return 422;
            case "unsilence":
                _accounts[id] = state with { Silenced = false };
                return 200;
            case "unsuspend" when state.Suspended:
                _accounts[id] = state with { Suspended = false };
                return 200;
            case "unsuspend":
                return 403;
            default:
                return 404;
        }
    }

    [GeneratedRegex(@"/api/v1/admin/accounts/(?<id>[^/]+)/(?<op>action|unsuspend|unsilence)\z", RegexOptions.CultureInvariant)]
    private static partial Regex AccountPath();

    public sealed record Received(string Method, string Path, IReadOnlyDictionary<string, string> Form, string? Authorization, string? ContentType);

    public sealed record AccountState(bool Suspended, bool Silenced);
}
