namespace Haven.Enforcement;

/// <summary>Configuration of the webhook adapter (section <c>Haven:Enforcement:Webhook</c>).</summary>
internal sealed class WebhookOptions
{
    /// <summary>Shortest shared secret accepted.</summary>
    public const int MinSecretLength = 16;

    /// <summary>The platform endpoint that receives actions (http or https).</summary>
    public Uri? Url { get; set; }

    /// <summary>Shared secret for <see cref="WebhookSignature"/>; at least <see cref="MinSecretLength"/> characters.</summary>
    public string Secret { get; set; } = string.Empty;

    /// <summary>Attempts before a row is dead-lettered.</summary>
    public int MaxAttempts { get; set; } = 10;

    /// <summary>Delay after the first failure; doubles per attempt.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest delay between attempts.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Per-request deadline (connect, send, response headers and body).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Most rows claimed per <see cref="WebhookDispatcher.RunOnceAsync"/>.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>How long the host loop sleeps when nothing was due.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Problems with these options, empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
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

        if (MaxAttempts < 1)
        {
            problems.Add("MaxAttempts must be at least 1.");
        }

        if (BaseDelay <= TimeSpan.Zero || MaxDelay < BaseDelay)
        {
            problems.Add("BaseDelay must be positive and MaxDelay at least BaseDelay.");
        }

        if (Timeout <= TimeSpan.Zero)
        {
            problems.Add("Timeout must be positive.");
        }

        if (BatchSize < 1)
        {
            problems.Add("BatchSize must be at least 1.");
        }

        if (PollInterval <= TimeSpan.Zero)
        {
            problems.Add("PollInterval must be positive.");
        }

        return problems;
    }
}
