using System.Net.Http.Headers;
using System.Text.Json;

namespace Haven.Enforcement;

/// <summary>
/// Carries out <c>mastodon</c> outbox rows through Mastodon's admin API (docs/enforcement.md, "Mastodon"):
/// <c>suspend_account</c> and <c>restrict_account</c> become <c>POST /api/v1/admin/accounts/:id/action</c> with
/// <c>type=suspend</c> and <c>type=silence</c>; their reverses <c>unsuspend_account</c> and <c>unrestrict_account</c>
/// become <c>POST /api/v1/admin/accounts/:id/unsuspend</c> and <c>…/unsilence</c>. Kinds the API cannot do (notably
/// <c>remove_content</c>: no admin endpoint removes a single status; <c>restore_content</c>: a deleted status cannot
/// come back) are dead-lettered at once with a permanent "unsupported" failure; nothing is pretended. Payload contract: <c>accountId</c> (required), <c>reportId</c> (optional, sent as <c>report_id</c>).
/// </summary>
internal sealed class MastodonAdapter : IEnforcementAdapter, IDisposable
{
    /// <summary>Outbox kind that suspends the account.</summary>
    public const string SuspendAccountKind = "suspend_account";

    /// <summary>Outbox kind that limits (silences) the account.</summary>
    public const string RestrictAccountKind = "restrict_account";

    /// <summary>Older spelling of <see cref="RestrictAccountKind"/>, accepted as an alias.</summary>
    public const string RestrictKind = "restrict";

    /// <summary>Outbox kind that removes one piece of content: not possible through Mastodon's API.</summary>
    public const string RemoveContentKind = "remove_content";

    /// <summary>The failure recorded for <see cref="RemoveContentKind"/>.</summary>
    public const string RemoveContentUnsupported =
        "unsupported by Mastodon's API: remove_content (no admin endpoint removes a single status; DELETE /api/v1/statuses/:id is author-only)";

    /// <summary>Outbox kind that lifts a suspension (<c>POST …/unsuspend</c>).</summary>
    public const string UnsuspendAccountKind = "unsuspend_account";

    /// <summary>Outbox kind that lifts a limit (<c>POST …/unsilence</c>), the reverse of <see cref="RestrictAccountKind"/>.</summary>
    public const string UnrestrictAccountKind = "unrestrict_account";

    /// <summary>Outbox kind that puts removed content back: not possible through Mastodon's API.</summary>
    public const string RestoreContentKind = "restore_content";

    /// <summary>The failure recorded for <see cref="RestoreContentKind"/>.</summary>
    public const string RestoreContentUnsupported =
        "unsupported by Mastodon's API: restore_content (a deleted status cannot be restored; the author must post it again)";

    private readonly MastodonOptions _options;
    private readonly TimeProvider _time;
    private readonly HttpClient _client;
    private readonly Uri _root;

    /// <summary>Creates the adapter; <paramref name="handler"/> is for tests.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public MastodonAdapter(MastodonOptions options, TimeProvider time, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid Mastodon options: " + string.Join(" ", problems), nameof(options));
        }

        _options = options;
        _time = time;
        var root = options.BaseUrl!.AbsoluteUri;
        _root = new Uri(root.EndsWith('/') ? root : root + "/");
        _client = AdapterHttp.CreateClient(handler, options.Timeout);
    }

    /// <inheritdoc />
    public string AdapterName => OutboxAction.MastodonAdapter;

    /// <summary>The Mastodon account action <c>type</c> for an outbox kind, or null when the kind has none.</summary>
    public static string? AccountActionType(string kind) => kind switch
    {
        SuspendAccountKind => "suspend",
        RestrictAccountKind or RestrictKind => "silence",
        _ => null,
    };

    /// <summary>The path segment of the account endpoint that lifts an earlier action (<c>unsuspend</c>, <c>unsilence</c>), or null when the kind is none.</summary>
    public static string? LiftEndpoint(string kind) => kind switch
    {
        UnsuspendAccountKind => "unsuspend",
        UnrestrictAccountKind => "unsilence",
        _ => null,
    };

    /// <inheritdoc />
    public async Task<AdapterOutcome> SendAsync(OutboxDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        if (delivery.Kind == RemoveContentKind)
        {
            return AdapterOutcome.Permanent(RemoveContentUnsupported);
        }

        if (delivery.Kind == RestoreContentKind)
        {
            return AdapterOutcome.Permanent(RestoreContentUnsupported);
        }

        var type = AccountActionType(delivery.Kind);
        var lift = LiftEndpoint(delivery.Kind);
        if (type is null && lift is null)
        {
            return AdapterOutcome.Permanent($"unsupported by the Mastodon adapter: kind '{delivery.Kind}' has no Mastodon admin action");
        }

        if (!TryReadPayload(delivery.PayloadJson, out var payload))
        {
            return AdapterOutcome.Permanent("malformed payload: not a JSON object of string ids");
        }

        if (!payload.TryGetValue("accountId", out var accountId) || string.IsNullOrWhiteSpace(accountId))
        {
            return AdapterOutcome.Permanent("malformed payload: accountId is required");
        }

        if (lift is not null)
        {
            // The lift endpoints take no parameters; they answer the Admin::Account.
            var liftUrl = new Uri(_root, "api/v1/admin/accounts/" + Uri.EscapeDataString(accountId) + "/" + lift);
            using var liftRequest = new HttpRequestMessage(HttpMethod.Post, liftUrl) { Content = new FormUrlEncodedContent([]) };
            liftRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.AccessToken);
            liftRequest.Headers.UserAgent.Add(AdapterHttp.UserAgent);
            return await AdapterHttp.SendAsync(_client, liftRequest, _options.Timeout, _time, cancellationToken).ConfigureAwait(false);
        }

        var form = new List<KeyValuePair<string, string>>
        {
            new("type", type!),
            new("text", "Haven action " + delivery.ActionId),
            new("send_email_notification", _options.SendEmailNotification ? "true" : "false"),
        };
        if (payload.TryGetValue("reportId", out var reportId) && !string.IsNullOrWhiteSpace(reportId))
        {
            form.Add(new("report_id", reportId));
        }

        var url = new Uri(_root, "api/v1/admin/accounts/" + Uri.EscapeDataString(accountId) + "/action");
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.AccessToken);
        request.Headers.UserAgent.Add(AdapterHttp.UserAgent);
        return await AdapterHttp.SendAsync(_client, request, _options.Timeout, _time, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Dispose() => _client.Dispose();

    private static bool TryReadPayload(string json, out Dictionary<string, string> payload)
    {
        payload = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.String)
                {
                    payload[property.Name] = property.Value.GetString()!;
                }
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
