using System.CommandLine;
using Haven.Cli.Configuration;
using Haven.Media;
using Haven.Server;
using Microsoft.Extensions.Hosting;

namespace Haven.Cli.Commands;

/// <summary><c>haven serve</c>: the HTTP API.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string>("--urls") { Description = "Where to listen (';'-separated). Loopback by default. Server:Urls.", DefaultValueFactory = _ => HavenConfig.Text(Settings.Urls) ?? "http://127.0.0.1:8080" };
        var maxBytes = new Option<long>("--max-bytes") { Description = "Largest media accepted, in bytes. Media:MaxBytes.", DefaultValueFactory = _ => HavenConfig.Integer(Settings.MaxBytes, MediaLimits.DefaultMaxBytes) };
        var maxPixels = new Option<long>("--max-pixels") { Description = "Largest image accepted, in pixels (decompression-bomb guard). Media:MaxPixels.", DefaultValueFactory = _ => HavenConfig.Integer(Settings.MaxPixels, MediaLimits.DefaultMaxPixels) };
        var scaled = MediaFiles.ScaledDecodeOption();
        var enforcement = new EnforcementCliOptions();
        var policy = ProcessCommands.PolicyOption();
        var shadow = ProcessCommands.ShadowOption();
        var hosts = ProcessCommands.MediaHostOption();
        var decodeBudget = ProcessCommands.DecodeBudgetOption();
        var parallelDecodes = ProcessCommands.MaxParallelDecodesOption();
        var decodeWait = new Option<double>("--decode-wait") { Description = "Seconds POST /v1/media/match waits for decode budget before answering 503 busy. Server:DecodeWait (a duration).", DefaultValueFactory = _ => HavenConfig.Duration(Settings.DecodeWait, TimeSpan.FromSeconds(5)).TotalSeconds };
        var noProcess = new Option<bool>("--no-process") { Description = "Only take events in; leave processing to another worker (haven process or another serve). Server:Process = false.", DefaultValueFactory = _ => !HavenConfig.Flag(Settings.Process, true) };
        var limits = new EventLimitOptions();
        var command = new Command("serve", "Run the HTTP API (/v1, API key required; OpenAPI at /openapi/v1.json) and the signals stage over ingested events.")
        {
            urls, maxBytes, maxPixels, scaled, policy, shadow, hosts, noProcess, decodeBudget, parallelDecodes, decodeWait,
        };
        limits.AddTo(command);
        enforcement.AddTo(command);
        command.SetAction((parse, ct) => CliContext.GuardAsync("serve", async () =>
        {
            if (!limits.TryGet(parse, out var eventLimits, out var invalidLimits, parse.GetValue(maxBytes)) ||
                !enforcement.TryGet(parse, out var targets, out invalidLimits))
            {
                Console.Error.WriteLine($"haven serve: {invalidLimits}");
                return ExitCodes.Usage;
            }

            var options = ConfiguredOptions(parse.GetValue(urls)!);
            options.MediaLimits = new MediaLimits { MaxBytes = parse.GetValue(maxBytes), MaxPixels = parse.GetValue(maxPixels) };
            options.ScaledJpegDecode = parse.GetValue(scaled);
            options.DecodeBudgetBytes = parse.GetValue(decodeBudget) is var mb and > 0 and < (1L << 30) ? mb << 20 : 0;
            options.MaxParallelDecodes = parse.GetValue(parallelDecodes);
            options.DecodeWait = TimeSpan.FromSeconds(Math.Clamp(parse.GetValue(decodeWait), -1, 3600));
            options.Webhook = targets.Webhook;
            options.Mastodon = targets.Mastodon;
            options.EventLimits = eventLimits;
            options.ProcessEvents = !parse.GetValue(noProcess);
            options.MediaFetch = ProcessCommands.FetchOptions(parse.GetValue(hosts));
            if (options.ProcessEvents)
            {
                options.Policy = await ProcessCommands.LoadPolicyAsync("serve", parse.GetValue(policy), parse.GetValue(shadow), ct);
                if (options.Policy is null)
                {
                    return ExitCodes.Usage;
                }
            }

            if (options.Validate() is { } invalid)
            {
                Console.Error.WriteLine("haven serve: " + invalid);
                return ExitCodes.Usage;
            }

            await using var store = await CliContext.OpenStoreAsync(parse, ct);
            if (store is null)
            {
                return ExitCodes.StoreError;
            }

            await using var app = HavenServer.Build(options, store);
            await app.StartAsync(ct);
            Console.Error.WriteLine($"haven serve: listening on {string.Join(", ", app.Urls)} (OpenAPI at /openapi/v1.json); Ctrl+C stops.");
            await app.WaitForShutdownAsync(ct);
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>
    /// The server options every setting without a command-line option gives (rate limit, signals batch, index refresh,
    /// health thresholds, the console's sessions and sign-in, telemetry), listening on <paramref name="urls"/>; media
    /// limits from configuration. <c>haven serve</c> adds its options on top; <c>haven demo --serve</c> uses them as they are.
    /// </summary>
    public static HavenServerOptions ConfiguredOptions(string urls) => new()
    {
        Urls = urls,
        MediaLimits = new MediaLimits { MaxBytes = HavenConfig.Integer(Settings.MaxBytes, MediaLimits.DefaultMaxBytes), MaxPixels = HavenConfig.Integer(Settings.MaxPixels, MediaLimits.DefaultMaxPixels) },
        DefaultRateLimitPerMinute = HavenConfig.Int32(Settings.RateLimit, 6_000),
        SignalsBatchSize = HavenConfig.Int32(Settings.ProcessBatch, 10_000),
        IndexRefreshInterval = HavenConfig.Duration(Settings.IndexRefresh, TimeSpan.FromSeconds(2)),
        ProcessingStallThreshold = HavenConfig.Duration(Settings.StallThreshold, TimeSpan.FromMinutes(2)),
        MaxIndexStaleness = HavenConfig.Duration(Settings.IndexStaleness, TimeSpan.FromSeconds(60)),
        Cases = CaseCommands.SettingsFromConfig(),
        Console = new Haven.Server.Console.ConsoleOptions
        {
            IdleTimeout = HavenConfig.Duration(Settings.ConsoleIdle, TimeSpan.FromMinutes(30)),
            AbsoluteTimeout = HavenConfig.Duration(Settings.ConsoleAbsolute, TimeSpan.FromHours(10)),
            MaxFailedSignIns = HavenConfig.Int32(Settings.ConsoleMaxFailures, 5),
            Lockout = HavenConfig.Duration(Settings.ConsoleLockout, TimeSpan.FromMinutes(15)),
            OpenIdConnect = HavenConfig.Text(Settings.OidcAuthority) is { } authority
                ? new Haven.Server.Console.OpenIdConnectSettings(
                    new Uri(authority), HavenConfig.Text(Settings.OidcClientId) ?? string.Empty, HavenConfig.Text(Settings.OidcClientSecret),
                    HavenConfig.Text(Settings.OidcRoleClaim) ?? "roles", HavenConfig.Text(Settings.OidcNameClaim) ?? "preferred_username")
                : null,
        },
        Telemetry = new Haven.Server.Telemetry.TelemetryOptions
        {
            Prometheus = HavenConfig.Flag(Settings.Prometheus, false),
            OtlpEndpoint = HavenConfig.Text(Settings.OtlpEndpoint) is { } otlp ? new Uri(otlp) : null,
            OtlpProtocol = HavenConfig.Text(Settings.OtlpProtocol) ?? "http/protobuf",
            ExportInterval = HavenConfig.Duration(Settings.ExportInterval, TimeSpan.FromSeconds(15)),
        },
    };
}
