namespace Haven.Enforcement;

/// <summary>Configuration of the Mastodon admin API adapter (section <c>Haven:Enforcement:Mastodon</c>).</summary>
internal sealed class MastodonOptions : OutboxDispatchOptions
{
    /// <summary>The instance's root URL, e.g. <c>https://mastodon.example/</c> (http or https).</summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>
    /// A user access token of a moderator account with the <c>admin:write:accounts</c> scope and the Manage Users and
    /// Manage Reports permissions. Sent only in the <c>Authorization</c> header; never logged or stored.
    /// </summary>
    public string AccessToken { get; set; } = string.Empty;

    /// <summary>The <c>send_email_notification</c> form field of each account action (default false).</summary>
    public bool SendEmailNotification { get; set; }

    /// <inheritdoc />
    public override IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (BaseUrl is null || !BaseUrl.IsAbsoluteUri || (BaseUrl.Scheme != Uri.UriSchemeHttps && BaseUrl.Scheme != Uri.UriSchemeHttp)
            || !string.IsNullOrEmpty(BaseUrl.Query) || !string.IsNullOrEmpty(BaseUrl.Fragment))
        {
            problems.Add("BaseUrl must be an absolute http or https URL without query or fragment.");
        }

        if (string.IsNullOrEmpty(AccessToken) || AccessToken.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            problems.Add("AccessToken must be a non-empty token without whitespace.");
        }

        ValidateDispatch(problems);
        return problems;
    }

    /// <summary>Never shows the token.</summary>
    public override string ToString() => $"MastodonOptions {{ BaseUrl = {BaseUrl} }}";
}
