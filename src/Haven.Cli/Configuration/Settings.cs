namespace Haven.Cli.Configuration;

/// <summary>
/// Every setting Haven reads, in one registry: the configuration loader validates <c>haven.json</c> and the environment
/// against it, the command-line options take their defaults from it, and a test checks docs/configuration.md names each.
/// </summary>
internal static class Settings
{
    public static readonly Setting Data = new("Store:Data", SettingKind.Text, "--data", "folder of the embedded SQLite store", ShortEnvironment: "HAVEN_DATA");
    public static readonly Setting Postgres = new("Store:Postgres", SettingKind.Text, "--postgres", "Npgsql connection string (PostgreSQL instead of SQLite)", ShortEnvironment: "HAVEN_POSTGRES");

    public static readonly Setting Urls = new("Server:Urls", SettingKind.Text, "--urls", "where `haven serve` listens");
    public static readonly Setting Process = new("Server:Process", SettingKind.Flag, "--no-process", "run the signals stage inside `haven serve`");
    public static readonly Setting DecodeWait = new("Server:DecodeWait", SettingKind.Duration, "--decode-wait", "how long a match request waits for decode budget before 503");
    public static readonly Setting RateLimit = new("Server:DefaultRateLimitPerMinute", SettingKind.Integer, null, "requests a minute for a key without its own limit");
    public static readonly Setting IndexRefresh = new("Server:IndexRefreshInterval", SettingKind.Duration, null, "how often the server checks for bank changes");
    public static readonly Setting StallThreshold = new("Server:ProcessingStallThreshold", SettingKind.Duration, null, "checkpoint standing still this long with events waiting: not ready");
    public static readonly Setting IndexStaleness = new("Server:MaxIndexStaleness", SettingKind.Duration, null, "match index behind the banks this long: not ready");

    public static readonly Setting MaxBytes = new("Media:MaxBytes", SettingKind.Integer, "--max-bytes", "largest media item in bytes");
    public static readonly Setting MaxPixels = new("Media:MaxPixels", SettingKind.Integer, "--max-pixels", "largest image in pixels");
    public static readonly Setting ScaledDecode = new("Media:ScaledDecode", SettingKind.Flag, "--scaled-decode", "decode large JPEGs at reduced scale");
    public static readonly Setting DecodeBudgetMb = new("Media:DecodeBudgetMb", SettingKind.Integer, "--decode-budget-mb", "decode working memory in flight, MiB");
    public static readonly Setting MaxParallelDecodes = new("Media:MaxParallelDecodes", SettingKind.Integer, "--max-parallel-decodes", "decodes at once");
    public static readonly Setting MediaHosts = new("Media:AllowedHosts", SettingKind.List, "--media-host", "hosts media URLs may be fetched from");

    public static readonly Setting MaxFutureSkew = new("Events:MaxFutureSkew", SettingKind.Duration, "--max-future-skew", "refuse events dated further ahead");
    public static readonly Setting OldestEvent = new("Events:OldestEvent", SettingKind.Text, "--oldest-event", "refuse events dated before");
    public static readonly Setting IngestBatch = new("Events:IngestBatchSize", SettingKind.Integer, "--batch (ingest)", "events per committed ingest batch");

    public static readonly Setting Policy = new("Signals:Policy", SettingKind.Text, "--policy", "policy file");
    public static readonly Setting Shadow = new("Signals:Shadow", SettingKind.Flag, "--shadow", "record decisions, enqueue no action");
    public static readonly Setting ProcessBatch = new("Signals:BatchSize", SettingKind.Integer, "--batch (process)", "events per signals transaction");

    public static readonly Setting WebhookUrl = new("Enforcement:Webhook:Url", SettingKind.Url, "--webhook-url", "signed webhook for platform actions", ShortEnvironment: "HAVEN_WEBHOOK_URL");
    public static readonly Setting WebhookSecret = new("Enforcement:Webhook:Secret", SettingKind.Text, null, "the webhook's HMAC secret", ShortEnvironment: "HAVEN_WEBHOOK_SECRET", Secret: true);
    public static readonly Setting MastodonUrl = new("Enforcement:Mastodon:Url", SettingKind.Url, "--mastodon-url", "Mastodon instance for account actions", ShortEnvironment: "HAVEN_MASTODON_URL");
    public static readonly Setting MastodonToken = new("Enforcement:Mastodon:Token", SettingKind.Text, null, "its admin token", ShortEnvironment: "HAVEN_MASTODON_TOKEN", Secret: true);

    public static readonly Setting Prometheus = new("Telemetry:Prometheus", SettingKind.Flag, null, "serve `/metrics` in the Prometheus format");
    public static readonly Setting OtlpEndpoint = new("Telemetry:OtlpEndpoint", SettingKind.Url, null, "export metrics and traces over OTLP to this collector");
    public static readonly Setting OtlpProtocol = new("Telemetry:OtlpProtocol", SettingKind.Text, null, "`http/protobuf` or `grpc`", Choices: ["http/protobuf", "grpc"]);
    public static readonly Setting ExportInterval = new("Telemetry:ExportInterval", SettingKind.Duration, null, "how often metrics are exported over OTLP");

    public static readonly Setting ConsoleIdle = new("Console:IdleTimeout", SettingKind.Duration, null, "a console session ends after this long without a request");
    public static readonly Setting ConsoleAbsolute = new("Console:AbsoluteTimeout", SettingKind.Duration, null, "a console session ends this long after sign-in");
    public static readonly Setting ConsoleMaxFailures = new("Console:MaxFailedSignIns", SettingKind.Integer, null, "failed sign-ins in a row before a lockout");
    public static readonly Setting ConsoleLockout = new("Console:Lockout", SettingKind.Duration, null, "how long a lockout lasts");
    public static readonly Setting OidcAuthority = new("Console:Oidc:Authority", SettingKind.Url, null, "OpenID Connect issuer for console sign-in (off when unset)");
    public static readonly Setting OidcClientId = new("Console:Oidc:ClientId", SettingKind.Text, null, "Haven's client id at that issuer");
    public static readonly Setting OidcClientSecret = new("Console:Oidc:ClientSecret", SettingKind.Text, null, "Haven's client secret there", Secret: true);
    public static readonly Setting OidcRoleClaim = new("Console:Oidc:RoleClaim", SettingKind.Text, null, "claim holding the Haven role (default `roles`)");
    public static readonly Setting OidcNameClaim = new("Console:Oidc:NameClaim", SettingKind.Text, null, "claim holding the user name (default `preferred_username`)");

    public static readonly Setting CasesClaimLapse = new("Cases:ClaimLapse", SettingKind.Duration, null, "a reviewer's claim on a case lapses after this long");
    public static readonly Setting CasesDueUrgent = new("Cases:DueUrgent", SettingKind.Duration, null, "time to review an urgent case");
    public static readonly Setting CasesDueHigh = new("Cases:DueHigh", SettingKind.Duration, null, "time to review a high-priority case");
    public static readonly Setting CasesDueNormal = new("Cases:DueNormal", SettingKind.Duration, null, "time to review a normal case");
    public static readonly Setting CasesDueLow = new("Cases:DueLow", SettingKind.Duration, null, "time to review a low-priority case");
    public static readonly Setting CasesQaShare = new("Cases:QaShare", SettingKind.Number, null, "share of decisions (0–1) sent to a second reviewer");
    public static readonly Setting CasesMuteThreshold = new("Cases:MuteThreshold", SettingKind.Integer, null, "dismissed reports after which leads see a reporter as one to mute");
    public static readonly Setting CasesPresenceWindow = new("Cases:PresenceWindow", SettingKind.Duration, null, "how long a person who opened a case page is shown as viewing it");

    /// <summary>Every setting.</summary>
    public static IReadOnlyList<Setting> All { get; } =
    [
        Data, Postgres,
        Urls, Process, DecodeWait, RateLimit, IndexRefresh, StallThreshold, IndexStaleness,
        MaxBytes, MaxPixels, ScaledDecode, DecodeBudgetMb, MaxParallelDecodes, MediaHosts,
        MaxFutureSkew, OldestEvent, IngestBatch,
        Policy, Shadow, ProcessBatch,
        WebhookUrl, WebhookSecret, MastodonUrl, MastodonToken,
        Prometheus, OtlpEndpoint, OtlpProtocol, ExportInterval,
        ConsoleIdle, ConsoleAbsolute, ConsoleMaxFailures, ConsoleLockout, OidcAuthority, OidcClientId, OidcClientSecret, OidcRoleClaim, OidcNameClaim,
        CasesClaimLapse, CasesDueUrgent, CasesDueHigh, CasesDueNormal, CasesDueLow, CasesQaShare, CasesMuteThreshold, CasesPresenceWindow,
    ];
}
