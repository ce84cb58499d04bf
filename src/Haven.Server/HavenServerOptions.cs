using Haven.Media;

namespace Haven.Server;

/// <summary>Settings of the HTTP host, validated at start-up.</summary>
internal sealed class HavenServerOptions
{
    /// <summary>Where to listen. Loopback by default: exposing Haven is a deliberate act.</summary>
    public string Urls { get; set; } = "http://127.0.0.1:8080";

    /// <summary>Byte and pixel limits for media.</summary>
    public MediaLimits MediaLimits { get; set; } = MediaLimits.Default;

    /// <summary>Clock skew, oldest event time and media size accepted at ingest; the media byte limit is <see cref="MediaLimits"/>'s.</summary>
    public Haven.Events.EventLimits EventLimits { get; set; } = Haven.Events.EventLimits.Default;

    /// <summary>Where enforcement actions are delivered (signed webhooks, docs/enforcement.md); null: the outbox is not dispatched by this server.</summary>
    public Haven.Enforcement.WebhookOptions? Webhook { get; set; }

    /// <summary>Mastodon admin API for account actions (docs/enforcement.md); null: not dispatched by this server.</summary>
    public Haven.Enforcement.MastodonOptions? Mastodon { get; set; }

    /// <summary>Run the signals stage (events → signals → policy → decisions → outbox) in this server. On by default.</summary>
    public bool ProcessEvents { get; set; } = true;

    /// <summary>The policy decisions are made by; null uses the shipped default policy.</summary>
    public Haven.Policy.PolicyEngine? Policy { get; set; }

    /// <summary>Where media URLs in events may be fetched from; null refuses every URL (recorded per media item).</summary>
    public MediaFetchOptions? MediaFetch { get; set; }

    /// <summary>How long the processor waits for new events once it has caught up.</summary>
    public TimeSpan ProcessIdleInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Requests per minute allowed to a key that has no limit of its own.</summary>
    public int DefaultRateLimitPerMinute { get; set; } = 6_000;

    /// <summary>Decode large JPEGs at reduced scale (faster; hashes drift a few bits from the reference). Off by default.</summary>
    public bool ScaledJpegDecode { get; set; }

    /// <summary>Bytes of decode working memory in flight across the whole process (match requests and the signals stage share it).</summary>
    public long DecodeBudgetBytes { get; set; } = DecodeBudget.DefaultMaxBytes;

    /// <summary>Decodes running at once across the whole process; the processor count by default.</summary>
    public int MaxParallelDecodes { get; set; } = Environment.ProcessorCount;

    /// <summary>How long <c>POST /v1/media/match</c> waits for decode budget before answering 503 <c>busy</c> with Retry-After.</summary>
    public TimeSpan DecodeWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Decodes large PNGs whole (the behaviour before the row reader): only for the memory benchmark's baseline.</summary>
    internal bool WholeFramePng { get; set; }

    /// <summary>How often the server checks the store's banks version and rebuilds the match index if it moved.</summary>
    public TimeSpan IndexRefreshInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Smallest decode budget accepted: a 512×512 output, a row and the decoder's own state.</summary>
    public const long MinDecodeBudgetBytes = 16L * 1024 * 1024;

    /// <summary>How long events may wait with the shared checkpoint standing still before <c>/health/ready</c> fails.</summary>
    public TimeSpan ProcessingStallThreshold { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long the match index may lag behind a bank change before <c>/health/ready</c> fails.</summary>
    public TimeSpan MaxIndexStaleness { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Events per signals-stage transaction (as <c>haven process --batch</c>).</summary>
    public int SignalsBatchSize { get; set; } = 10_000;

    /// <summary>Metrics and traces (off unless asked for).</summary>
    public Telemetry.TelemetryOptions Telemetry { get; set; } = new();

    /// <summary>The review console: sessions, lockout, optional OpenID Connect.</summary>
    public Console.ConsoleOptions Console { get; set; } = new();

    /// <summary>The cases stage: claim lapse, due times, second-review share, mute threshold, presence window.</summary>
    public Haven.Cases.CaseSettings Cases { get; set; } = Haven.Cases.CaseSettings.Default;

    /// <summary>True when every URL the server listens on is a loopback address (then session cookies may travel over plain http).</summary>
    public bool LoopbackOnly => Urls.Split(';', StringSplitOptions.RemoveEmptyEntries).All(url =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.IsLoopback || uri.Host == "localhost"));

    /// <summary>Where actions go, from <see cref="Webhook"/> and <see cref="Mastodon"/>.</summary>
    public Haven.Enforcement.EnforcementTargets Enforcement => new(Webhook, Mastodon);

    /// <summary>The signals stage's settings, built by the same factory as <c>haven process</c> (<see cref="Haven.Pipeline.SignalsPipeline"/>).</summary>
    public Haven.Pipeline.SignalsSettings Signals() => new()
    {
        Policy = Policy ?? Haven.Policy.PolicyLoader.LoadBuiltIn(),
        Targets = Enforcement,
        Fetch = MediaFetch,
        BatchSize = SignalsBatchSize,
        Cases = Cases,
    };

    /// <summary>Why these options cannot work, or null.</summary>
    public string? Validate()
    {
        if (string.IsNullOrWhiteSpace(Urls))
        {
            return "Urls is empty.";
        }

        foreach (var url in Urls.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Uri.TryCreate(url.Replace("*", "0.0.0.0", StringComparison.Ordinal).Replace("+", "0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                return $"'{url}' is not an http(s) URL such as http://127.0.0.1:8080.";
            }
        }

        if (MediaLimits.MaxBytes <= 0 || MediaLimits.MaxPixels <= 0)
        {
            return "Media limits must be positive.";
        }

        if (EventLimits.Validate() is { } limits)
        {
            return "Event limits: " + limits;
        }

        if (Cases.Validate() is { } cases)
        {
            return cases;
        }

        if (Console.Validate() is { } console)
        {
            return console;
        }

        if (Enforcement.Validate() is { } enforcement)
        {
            return enforcement;
        }

        if (SignalsBatchSize is < 1 or > 100_000)
        {
            return "SignalsBatchSize must be 1..100000.";
        }

        if (Telemetry.Validate() is { } telemetry)
        {
            return telemetry;
        }

        if (ProcessingStallThreshold <= TimeSpan.Zero || MaxIndexStaleness <= TimeSpan.Zero)
        {
            return "ProcessingStallThreshold and MaxIndexStaleness must be positive.";
        }

        if (DecodeBudgetBytes < MinDecodeBudgetBytes)
        {
            return $"DecodeBudgetBytes must be at least {MinDecodeBudgetBytes:N0} (16 MiB).";
        }

        if (MaxParallelDecodes < 1)
        {
            return "MaxParallelDecodes must be at least 1.";
        }

        if (DecodeWait < TimeSpan.Zero || DecodeWait > TimeSpan.FromMinutes(5))
        {
            return "DecodeWait must be between 0 and 5 minutes.";
        }

        if (DefaultRateLimitPerMinute < 1)
        {
            return "DefaultRateLimitPerMinute must be at least 1.";
        }

        return IndexRefreshInterval < TimeSpan.FromMilliseconds(1) || IndexRefreshInterval > TimeSpan.FromHours(1) ? "IndexRefreshInterval must be between 1 ms and 1 hour." : null;
    }
}
