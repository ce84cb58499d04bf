using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Haven.Cli.Configuration;
using Haven.Media;
using Haven.Pipeline;
using Haven.Policy;
using Haven.Signals;
using Spectre.Console;

namespace Haven.Cli.Commands;

/// <summary>
/// <c>haven process</c> (the signals stage over the stored event log), <c>haven decisions</c> (the decision log) and
/// <c>haven status</c> (the status derived from it). docs/pipeline.md.
/// </summary>
internal static class ProcessCommands
{
    /// <summary><c>--policy FILE</c>: the policy to decide by; the shipped default when omitted.</summary>
    public static Option<string?> PolicyOption() => new("--policy") { Description = "Policy file to decide by (default: the shipped policies/default.policy.json). Signals:Policy.", DefaultValueFactory = _ => HavenConfig.Text(Settings.Policy) };

    /// <summary><c>--shadow</c>: record decisions without acting.</summary>
    public static Option<bool> ShadowOption() => new("--shadow") { Description = "Shadow mode: record every decision, enqueue no action. Signals:Shadow.", DefaultValueFactory = _ => HavenConfig.Flag(Settings.Shadow, false) };

    /// <summary><c>--media-host HOST</c>: hosts media URLs may be fetched from.</summary>
    public static Option<string[]> MediaHostOption() => new("--media-host")
    {
        Description = "Allow fetching media URLs in events from this host (exact, or *.suffix); repeat for more. Without it URLs are refused. Media:AllowedHosts.",
        AllowMultipleArgumentsPerToken = true,
        DefaultValueFactory = _ => HavenConfig.List(Settings.MediaHosts),
    };

    /// <summary>Loads the policy named on the command line, printing every error when it does not validate.</summary>
    public static async Task<PolicyEngine?> LoadPolicyAsync(string command, string? path, bool shadow, CancellationToken cancellationToken)
    {
        var loaded = await PolicyLoader.LoadFileOrBuiltInAsync(path, cancellationToken).ConfigureAwait(false);
        if (!loaded.TryGetValue(out var engine, out var error))
        {
            Console.Error.WriteLine($"haven {command}: {path}: {error!.Message}");
            foreach (var e in error.Errors)
            {
                Console.Error.WriteLine("  " + e);
            }

            return null;
        }

        return shadow ? engine.AsShadow() : engine;
    }

    /// <summary><c>--decode-budget-mb N</c>: megabytes of decode working memory in flight across the process.</summary>
    public static Option<long> DecodeBudgetOption() => new("--decode-budget-mb")
    {
        Description = "Megabytes of image-decode working memory in flight across the whole process (at least 16). Media:DecodeBudgetMb.",
        DefaultValueFactory = _ => HavenConfig.Integer(Settings.DecodeBudgetMb, DecodeBudget.DefaultMaxBytes >> 20),
    };

    /// <summary><c>--max-parallel-decodes N</c>: decodes running at once across the process.</summary>
    public static Option<int> MaxParallelDecodesOption() => new("--max-parallel-decodes")
    {
        Description = "Image decodes running at once across the whole process (default: the processor count). Media:MaxParallelDecodes.",
        DefaultValueFactory = _ => HavenConfig.Int32(Settings.MaxParallelDecodes, Environment.ProcessorCount),
    };

    /// <summary>The decode budget for the options' values, or the reason they cannot work.</summary>
    public static (DecodeBudget? Budget, string? Error) Budget(long megabytes, int parallel) =>
        megabytes is < 16 or > (1L << 30) ? (null, "--decode-budget-mb must be at least 16")
        : parallel < 1 ? (null, "--max-parallel-decodes must be at least 1")
        : (new DecodeBudget(megabytes << 20, parallel), null);

    /// <summary>The media fetch options for <c>--media-host</c> values, or null when none were given.</summary>
    public static MediaFetchOptions? FetchOptions(string[]? hosts) => hosts is { Length: > 0 } ? new MediaFetchOptions { AllowedHosts = hosts } : null;

    public static Command Process()
    {
        var policy = PolicyOption();
        var shadow = ShadowOption();
        var hosts = MediaHostOption();
        var batch = new Option<int>("--batch") { Description = "Events per transaction. Signals:BatchSize.", DefaultValueFactory = _ => HavenConfig.Int32(Settings.ProcessBatch, 10_000) };
        var decodeBudget = DecodeBudgetOption();
        var parallelDecodes = MaxParallelDecodesOption();
        var enforcement = new EnforcementCliOptions();
        var command = new Command("process", "Run the signals stage over the event log until it is caught up: media matching, lexicons, context signals, policy, decisions and outbox actions (delivered by a server with the same --webhook-url / --mastodon-url).")
        {
            policy, shadow, hosts, batch, decodeBudget, parallelDecodes,
        };
        enforcement.AddTo(command);
        command.SetAction((parse, ct) => CliContext.GuardAsync("process", async () =>
        {
            if (!enforcement.TryGet(parse, out var targets, out var invalidTargets))
            {
                Console.Error.WriteLine("haven process: " + invalidTargets);
                return ExitCodes.Usage;
            }

            if (parse.GetValue(batch) is < 1 or > 100_000)
            {
                Console.Error.WriteLine("haven process: --batch must be 1..100000");
                return ExitCodes.Usage;
            }

            var (budget, invalid) = Budget(parse.GetValue(decodeBudget), parse.GetValue(parallelDecodes));
            if (budget is null)
            {
                Console.Error.WriteLine("haven process: " + invalid);
                return ExitCodes.Usage;
            }

            var engine = await LoadPolicyAsync("process", parse.GetValue(policy), parse.GetValue(shadow), ct);
            if (engine is null)
            {
                return ExitCodes.Usage;
            }

            await using var store = await CliContext.OpenStoreAsync(parse, ct);
            if (store is null)
            {
                return ExitCodes.StoreError;
            }

            await using var pipeline = SignalsPipeline.Create(store, new SignalsSettings { Policy = engine, BatchSize = parse.GetValue(batch), Fetch = FetchOptions(parse.GetValue(hosts)), Targets = targets, Cases = CaseCommands.SettingsFromConfig() }, budget: budget);
            var clock = Stopwatch.StartNew();
            var stats = await RunWithProgressAsync(pipeline.Processor, ct);
            PrintStats(stats, clock.Elapsed, engine);
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>Runs the processor to the end of the log with a progress bar (or periodic lines when not interactive).</summary>
    public static async Task<ProcessStats> RunWithProgressAsync(SignalProcessor processor, CancellationToken cancellationToken)
    {
        var console = CliContext.Stderr;
        if (console.Profile.Capabilities.Interactive)
        {
            ProcessStats result = ProcessStats.Empty;
            await console.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .StartAsync(async ctx =>
                {
                    var task = ctx.AddTask("processing events", maxValue: 1);
                    result = await processor.RunAsync(new Progress<(long Done, long Total)>(p => { task.MaxValue = Math.Max(1, p.Total); task.Value = p.Done; }), cancellationToken);
                    task.Value = task.MaxValue;
                });
            return result;
        }

        var last = Stopwatch.StartNew();
        return await processor.RunAsync(
            new Progress<(long Done, long Total)>(p =>
            {
                if (last.Elapsed.TotalSeconds >= 2)
                {
                    last.Restart();
                    Console.Error.WriteLine($"process: {p.Done:N0} of {p.Total:N0} events");
                }
            }),
            cancellationToken);
    }

    private static void PrintStats(ProcessStats s, TimeSpan elapsed, PolicyEngine engine)
    {
        var table = new Table().AddColumns("", "count");
        table.Title = new TableTitle($"processed with policy {engine.Version}");
        foreach (var (name, value) in new (string, long)[]
                 {
                     ("events", s.Events), ("posts", s.Posts), ("media items", s.Media), ("media errors", s.MediaErrors), ("bank matches", s.MediaMatches),
                     ("lexicon hits", s.TextHits), ("engagements (sexualising, trade)", s.Engagements), ("reports", s.Reports), ("signal sets evaluated", s.SignalSets),
                     ("decisions recorded", s.Decisions), ("actions enqueued", s.Actions), ("events set aside (haven events dead list)", s.Dead),
                 })
        {
            table.AddRow(name, value.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        }

        foreach (var (reason, count) in s.MediaErrorReasons.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal))
        {
            table.AddRow($"  media error: {Markup.Escape(reason)}", count.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(table);
        Console.Out.WriteLine($"{s.Events:N0} events in {elapsed.TotalSeconds:0.0} s ({s.Events / Math.Max(elapsed.TotalSeconds, 1e-3):N0} events/s)");
    }

    public static Command Decisions()
    {
        var account = new Option<string?>("--account") { Description = "Only decisions about this account or its content." };
        var last = new Option<int>("--last") { Description = "Show the last N decisions.", DefaultValueFactory = _ => 50 };
        var json = new Option<bool>("--json") { Description = "One JSON object per decision." };
        var command = new Command("decisions", "List the decision log: rule, policy version, mode, subject, actions and evidence (ids, categories and numbers only).") { account, last, json };
        command.SetAction((parse, ct) => CliContext.GuardAsync("decisions", async () =>
        {
            await using var store = await CliContext.OpenStoreAsync(parse, ct);
            if (store is null)
            {
                return ExitCodes.StoreError;
            }

            var (shown, total) = await DecisionLog.ReadLastAsync(store, Math.Max(1, parse.GetValue(last)), parse.GetValue(account), ct);
            if (parse.GetValue(json))
            {
                foreach (var d in shown)
                {
                    Console.Out.WriteLine(JsonSerializer.Serialize(new
                    {
                        d.DecisionId,
                        d.EventSeq,
                        d.RuleId,
                        d.PolicyVersion,
                        d.Mode,
                        d.SubjectKind,
                        d.SubjectId,
                        d.Account,
                        d.Actions,
                        evidence = JsonDocument.Parse(d.EvidenceJson).RootElement,
                        d.OccurredAt,
                    }, CliJson.Options));
                }

                return shown.Count == 0 ? ExitCodes.NoMatch : ExitCodes.Ok;
            }

            var table = new Table().AddColumns("#", "rule", "mode", "subject", "account", "actions", "evidence");
            foreach (var d in shown)
            {
                table.AddRow(
                    d.N.ToString(System.Globalization.CultureInfo.InvariantCulture), Markup.Escape(d.RuleId), d.Mode, Markup.Escape($"{d.SubjectKind}:{d.SubjectId}"), Markup.Escape(d.Account),
                    Markup.Escape(string.Join(", ", d.Actions.Select(a => a.Action))), Markup.Escape(EvidenceSummary(d.EvidenceJson)));
            }

            AnsiConsole.Write(table);
            Console.Out.WriteLine($"{shown.Count:N0} of {total:N0} decisions");
            return shown.Count == 0 ? ExitCodes.NoMatch : ExitCodes.Ok;
        }));
        return command;
    }

    private static string EvidenceSummary(string json)
    {
        var evidence = JsonSerializer.Deserialize<List<PolicyEvidence>>(json, new JsonSerializerOptions(JsonSerializerDefaults.Web)) ?? [];
        return string.Join("; ", evidence.Select(e => e.Summary));
    }

    public static Command Status()
    {
        var target = new Argument<string?>("TARGET") { Description = "account:ID, content:ID or community:ID; omit to list every status.", Arity = ArgumentArity.ZeroOrOne };
        var verify = new Option<bool>("--verify") { Description = "Recompute every status from the decision log and compare it with the stored projection." };
        var command = new Command("status", "Show the current status of accounts, content and communities, derived from the decision log.") { target, verify };
        command.SetAction((parse, ct) => CliContext.GuardAsync("status", async () =>
        {
            await using var store = await CliContext.OpenStoreAsync(parse, ct);
            if (store is null)
            {
                return ExitCodes.StoreError;
            }

            var stored = await DecisionLog.ListStatusAsync(store, cancellationToken: ct);
            if (parse.GetValue(verify))
            {
                var derived = await DecisionLog.ProjectFromLogAsync(store, ct);
                var differ = stored.Zip(derived).Count(p => !Same(p.First, p.Second)) + Math.Abs(stored.Count - derived.Count);
                Console.Out.WriteLine(differ == 0
                    ? $"status projection matches the decision log ({stored.Count:N0} subjects)"
                    : $"status projection differs from the decision log in {differ:N0} subjects");
                return differ == 0 ? ExitCodes.Ok : ExitCodes.AuditBroken;
            }

            var wanted = parse.GetValue(target);
            if (wanted is null)
            {
                await PrintPipelineAsync(store, ct);
            }

            var rows = wanted is null ? stored : stored.Where(s => $"{s.Kind}:{s.Id}" == wanted).ToList();
            if (rows.Count == 0)
            {
                Console.Error.WriteLine(wanted is null ? "haven status: no decisions yet." : $"haven status: no decision concerns {wanted}.");
                return ExitCodes.NotFound;
            }

            var table = new Table().AddColumns("subject", "status", "in force", "shadow (would)", "review", "decisions");
            foreach (var s in rows)
            {
                table.AddRow(Markup.Escape($"{s.Kind}:{s.Id}"), s.Status, string.Join(", ", s.Actions), string.Join(", ", s.ShadowActions), s.ReviewPriority ?? "-", s.Decisions.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            AnsiConsole.Write(table);
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>Where the signals stage stands and every media error by reason, so that no failure is visible only in the database.</summary>
    private static async Task PrintPipelineAsync(Haven.Storage.HavenStore store, CancellationToken cancellationToken)
    {
        var last = await new Haven.Events.EventLog(store).LastSeqAsync(cancellationToken);
        long checkpoint;
        await using (var connection = await store.OpenConnectionAsync(cancellationToken))
        {
            checkpoint = (await Haven.Events.EventRecords.ReadCheckpointAsync(connection, Haven.Events.EventRecords.SignalsCheckpoint, cancellationToken))?.Seq ?? 0;
        }

        var table = new Table().AddColumns("pipeline", "count");
        table.AddRow("events in the log", last.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        table.AddRow("processed (checkpoint)", checkpoint.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        table.AddRow("waiting to be processed", (last - checkpoint).ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        foreach (var (reason, count) in await Haven.Events.EventRecords.MediaErrorsAsync(store, cancellationToken))
        {
            table.AddRow($"media error: {Markup.Escape(reason)}", count.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(table);
    }

    /// <summary><c>haven events show ID</c>: an event's own record.</summary>
    public static Command Events()
    {
        var id = new Argument<string>("ID") { Description = "The platform's event id." };
        var json = new Option<bool>("--json") { Description = "The record as JSON." };
        var show = new Command("show", "An event's record: log position, whether it was processed, and each media item's outcome (error codes, PDQ computed, bank matches). Ids and codes only.") { id, json };
        show.SetAction((parse, ct) => CliContext.GuardAsync("events show", async () =>
        {
            await using var store = await CliContext.OpenStoreAsync(parse, ct);
            if (store is null)
            {
                return ExitCodes.StoreError;
            }

            var record = await Haven.Events.EventRecords.FindAsync(store, parse.GetValue(id)!, cancellationToken: ct);
            if (record is null)
            {
                Console.Error.WriteLine($"haven events show: no event '{parse.GetValue(id)}' is stored (a line refused at ingest is not stored).");
                return ExitCodes.NotFound;
            }

            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(record, CliJson.Options));
                return ExitCodes.Ok;
            }

            Console.Out.WriteLine($"{record.Id}: {record.Type} at seq {record.Seq:N0}, occurred {record.OccurredAt:u}, received {record.ReceivedAt:u}, {(record.Processed ? "processed" : "not processed yet")}");
            if (record.Media.Count > 0)
            {
                var table = new Table().AddColumns("media", "source", "outcome", "PDQ", "quality", "bank matches");
                foreach (var m in record.Media)
                {
                    table.AddRow(Markup.Escape($"{m.Index} {m.MediaId}"), m.Source, Markup.Escape(m.Error ?? "ok"), m.PdqComputed ? "yes" : "no", m.Quality?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown", m.BankMatches.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }

                AnsiConsole.Write(table);
            }

            return ExitCodes.Ok;
        }));
        return new Command("events", "Look up stored events and the events set aside as dead.") { show, DeadEventCommands.Create() };
    }

    private static bool Same(SubjectStatus a, SubjectStatus b) =>
        a.Kind == b.Kind && a.Id == b.Id && a.Status == b.Status && a.Actions.SequenceEqual(b.Actions) && a.ShadowActions.SequenceEqual(b.ShadowActions) &&
        a.ReviewPriority == b.ReviewPriority && a.Decisions == b.Decisions && a.LastDecisionId == b.LastDecisionId;
}
