namespace Haven.Enforcement;

/// <summary>Configuration of the webhook adapter (section <c>Haven:Enforcement:Webhook</c>).</summary>
internal sealed class WebhookOptions : OutboxDispatchOptions
{
    /// <summary>Shortest shared secret accepted.</summary>
    public const int MinSecretLength = 16;

    /// <summary>The platform endpoint that receives actions (http or https).</summary>
    public Uri? Url { get; set; }

    /// <summary>Shared secret for <see cref="WebhookSignature"/>; at least <see cref="MinSecretLength"/> characters.</summary>
    public string Secret { get; set; } = string.Empty;

    /// <inheritdoc />
    public override IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Url is null || !Url.IsAbsoluteUri || (Url.Scheme != Uri.UriSchemeHttps && Url.Scheme != Uri.UriSchemeHttp))
        {
            problems.Add("Url must be an absolute http or https URL.");
        }

        if (Secret.Length < MinSecretLength)
        {
            problems.Add($"Secret must be at least {MinSecretLength} characters.");
        }

        ValidateDispatch(problems);
        return problems;
    }
}
