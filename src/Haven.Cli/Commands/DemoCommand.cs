using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Haven.Banks;
using Haven.Cases;
using Haven.Cli.Configuration;
using Haven.Matching;
using Haven.Media;
using Haven.People;
using Haven.Server;
using Haven.Simulation;
using Microsoft.Extensions.Hosting;
using Spectre.Console;

namespace Haven.Cli.Commands;

/// <summary><c>haven demo</c>: Haven's main job end to end on synthetic data.</summary>
internal static class DemoCommand
{
    /// <summary>The bank the demo (re)creates.</summary>
    public const string BankName = "demo-known";

    /// <summary>The person <c>--serve</c> signs in: a specialist, so both queues are theirs.</summary>
    public const string ReviewerName = "demo-reviewer";

    public static Command Create()
    {
        var accounts = new Option<int>("--accounts") { Description = "Accounts on the simulated platform.", DefaultValueFactory = _ => 200_000 };
        var network = new Option<int>("--network") { Description = "Accounts in the planted offender network (the news report's scale: --accounts 1000000 --network 14000).", DefaultValueFactory = _ => 2_000 };
        var known = new Option<int>("--known") { Description = "Synthetic images banked for the re-upload check (0 skips it).", DefaultValueFactory = _ => 100 };
        var unrelated = new Option<int>("--unrelated") { Description = "Synthetic images never banked (false-match check).", DefaultValueFactory = _ => 500 };
        var seed = new Option<int>("--seed") { Description = "Seed: the same seed gives the same platform and images.", DefaultValueFactory = _ => 2026 };
        var serve = new Option<bool>("--serve") { Description = $"Then keep the review console running on the demo's store, with the account '{ReviewerName}' (specialist) whose one-time password is printed once; Ctrl+C stops it." };
        var urls = new Option<string>("--urls") { Description = "Where --serve listens (';'-separated). Loopback by default. Server:Urls.", DefaultValueFactory = _ => HavenConfig.Text(Settings.Urls) ?? "http://127.0.0.1:8080" };
        var command = new Command("demo", "Run Haven end to end on a simulated platform: ingest, signals, policy, decisions and the cases they open, network discovery from one seed against the planted truth, and re-uploads of known images; writes an HTML report. With --serve, then serves the review console on the demo's cases.")
        {
            accounts, network, known, unrelated, seed, serve, urls,
        };
        command.SetAction((parse, ct) => CliContext.GuardAsync("demo", async () =>
        {
            var platform = new PlatformDemoOptions(parse.GetValue(accounts), parse.GetValue(network), parse.GetValue(seed));
            var media = new MediaDemoOptions(Math.Max(1, parse.GetValue(known)), parse.GetValue(unrelated), parse.GetValue(seed));
            if ((platform.Validate() ?? (parse.GetValue(known) < 0 ? "known images must be 0 or more" : media.Validate())) is { } invalid)
            {
                Console.Error.WriteLine("haven demo: " + invalid);
                return ExitCodes.Usage;
            }

            // Checked before the demo runs, so a bad address is refused at once rather than after two minutes.
            var server = parse.GetValue(serve) ? ServerOptions(parse.GetValue(urls)!) : null;
            if (server?.Validate() is { } invalidServer)
            {
                Console.Error.WriteLine("haven demo: " + invalidServer);
                return ExitCodes.Usage;
            }

            // The demo has a store of its own, so it never mixes with real data and every run starts clean.
            var folder = Path.GetFullPath(Path.Combine(parse.GetValue(CliContext.Data)!, "demo"));
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }

            Directory.CreateDirectory(folder);
            var opened = await Storage.HavenStore.OpenAsync(new Storage.StoreOptions { Provider = "sqlite", DataFolder = folder }, cancellationToken: ct);
            if (!opened.TryGetValue(out var store, out var error))
            {
                Console.Error.WriteLine($"haven demo: cannot open the demo store in {folder}: {error}");
                return ExitCodes.StoreError;
            }

            await using (store)
            {
                var result = await RunPlatformAsync(platform, store, folder, ct);
                MediaDemoReport? reuploads = null;
                if (parse.GetValue(known) > 0)
                {
                    reuploads = await RunAsync(media, new BankService(store), ct);
                }

                var reportPath = Path.Combine(folder, "report.html");
                await File.WriteAllTextAsync(reportPath, PlatformDemoReport.Render(result, reuploads), ct);
                Render(result, reuploads, folder, reportPath);
                if (server is not null)
                {
                    return await ServeAsync(server, store, ct);
                }
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static async Task<PlatformDemoResult> RunPlatformAsync(PlatformDemoOptions options, Storage.HavenStore store, string folder, CancellationToken ct)
    {
        var console = CliContext.Stderr;
        if (!console.Profile.Capabilities.Interactive)
        {
            var last = Stopwatch.StartNew();
            var phase = string.Empty;
            return await PlatformDemo.RunAsync(options, store, folder, new Progress<DemoPhase>(p =>
            {
                if (p.Name != phase || last.Elapsed.TotalSeconds >= 5)
                {
                    phase = p.Name;
                    last.Restart();
                    Console.Error.WriteLine(p.Total > 0 ? $"demo: {p.Name}: {p.Done:N0} of {p.Total:N0}" : $"demo: {p.Name}");
                }
            }), ct);
        }

        PlatformDemoResult? result = null;
        await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async ctx =>
            {
                var tasks = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                ProgressTask? current = null;
                result = await PlatformDemo.RunAsync(options, store, folder, new Progress<DemoPhase>(p =>
                {
                    var name = p.Name.StartsWith("evaluating", StringComparison.Ordinal) ? "evaluating every algorithm" : p.Name;
                    if (!tasks.TryGetValue(name, out var task))
                    {
                        if (current is not null)
                        {
                            current.Value = current.MaxValue;
                        }

                        task = ctx.AddTask(name, maxValue: Math.Max(1, p.Total));
                        tasks[name] = task;
                        current = task;
                    }

                    if (p.Total > 0)
                    {
                        task.MaxValue = p.Total;
                        task.Value = p.Done;
                    }
                }), ct);
                foreach (var task in tasks.Values)
                {
                    task.Value = task.MaxValue;
                }
            });
        return result!;
    }

    private static void Render(PlatformDemoResult result, MediaDemoReport? reuploads, string folder, string reportPath)
    {
        var truth = result.Truth;
        var candidates = new Table().Title($"Discovered from one seed ({Markup.Escape(truth.Seeds.Creator)}): the top {result.Options.Top}, explained")
            .AddColumns("#", "account", "role", "planted", "shortest path to the seed");
        var roles = truth.Offenders.ToDictionary(o => o.Account, o => o.Role.ToString().ToLowerInvariant(), StringComparer.Ordinal);
        foreach (var c in result.Discovery.Candidates.Take(result.Options.Top))
        {
            candidates.AddRow(
                c.Rank.ToString(System.Globalization.CultureInfo.InvariantCulture), Markup.Escape(c.Account), c.Role ?? "-",
                roles.TryGetValue(c.Account, out var planted) ? planted : "[red]no[/]", Markup.Escape(string.Join("; ", c.Path)));
        }

        AnsiConsole.Write(candidates);
        AnsiConsole.Write(EvaluateCommand.Table(result.Evaluation, $"{truth.Offenders.Count:N0} planted offenders among {result.Options.Accounts:N0} accounts: every algorithm against the truth"));
        var metrics = result.DiscoveryMetrics;
        var best = metrics.BestRecallAtPrecision(0.90);
        AnsiConsole.MarkupLine(Markup.Escape(
            $"From one seed, evidence-weighted PageRank found {metrics.RecallAt(metrics.Relevant):P1} of the {metrics.Relevant:N0} planted accounts in its top {metrics.Relevant:N0} " +
            $"(precision {metrics.PrecisionAt(metrics.Relevant):P1}); best recall at precision ≥ 90%: {(best is { } b ? $"{b.Recall:P1} in the top {b.K:N0}" : "not reached")}."));
        AnsiConsole.MarkupLine(Markup.Escape(
            $"Pipeline: {result.Ingest.Accepted:N0} events ingested, {result.Processing.MediaMatches:N0} bank matches, {result.Processing.Engagements:N0} sexualising or trade engagements, " +
            $"{result.Processing.Decisions:N0} decisions recorded " +
            $"({result.Processing.Actions:N0} platform actions queued, never sent: no platform is connected); rising hashtags: {string.Join(", ", result.RisingHashtags.Select(t => "#" + t.Tag))}."));
        RenderCases(result);
        if (reuploads is not null)
        {
            AnsiConsole.MarkupLine(Markup.Escape(
                "Re-uploads of known images: " + string.Join(", ", reuploads.Rows.Select(r => $"{r.Transform} {r.RecallDihedral:P0}")) +
                $" (dihedral query); {reuploads.FalseMatchesDihedral} false matches among {reuploads.Unrelated:N0} never-banked images."));
        }

        AnsiConsole.MarkupLine(Markup.Escape($"Whole demo {result.Elapsed.TotalSeconds + (reuploads?.Elapsed.TotalSeconds ?? 0):0} s. Store and simulated files: {folder}"));
        AnsiConsole.MarkupLine($"[bold]Report:[/] {Markup.Escape(reportPath)}");
    }

    private static void RenderCases(PlatformDemoResult result)
    {
        var cases = result.Cases;
        var priorities = CasePriorities.All.Reverse().ToArray();
        var byQueue = new Table().Title($"Cases opened for people: {cases.Total:N0} open").AddColumns(["queue", .. priorities, "all"]);
        foreach (var queue in new[] { CaseQueues.Specialist, CaseQueues.Review })
        {
            byQueue.AddRow([queue, .. priorities.Select(p => cases.Open.Where(c => c.Queue == queue && c.Priority == p).Sum(c => c.Cases).ToString("N0", CultureInfo.InvariantCulture)), cases.InQueue(queue).ToString("N0", CultureInfo.InvariantCulture)]);
        }

        AnsiConsole.Write(byQueue);
        AnsiConsole.MarkupLine(Markup.Escape(
            $"Open cases holding user reports: {cases.FromReports:N0}; bank matches: {cases.FromBankMatches:N0}; lexicon hits in text: {cases.FromText:N0}; " +
            $"network discovery (top {result.Options.Top} candidates): {cases.FromDiscovery:N0} (a case can hold several)."));
        var top = new Table().Title("First in each queue").AddColumns("queue", "case", "subject", "priority", "items", "reporters");
        foreach (var c in cases.Top)
        {
            top.AddRow(c.Queue, c.CaseId.ToString(CultureInfo.InvariantCulture), Markup.Escape($"{c.SubjectKind}:{c.SubjectId}"), c.Priority, c.Items.ToString("N0", CultureInfo.InvariantCulture), c.Reporters.ToString("N0", CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(top);
    }

    /// <summary>The server <c>--serve</c> runs: <c>haven serve</c>'s options from configuration, processing nothing and sending no action.</summary>
    private static HavenServerOptions ServerOptions(string urls)
    {
        var options = ServeCommand.ConfiguredOptions(urls);

        // Every event is processed already; and the simulated platform's actions must never reach a real one, so no
        // adapter is configured whatever the configuration names (Webhook and Mastodon stay null: nothing is dispatched).
        options.ProcessEvents = false;
        return options;
    }

    /// <summary>
    /// Creates the demo reviewer (or, on a store that has one, gives it a new one-time password, the specialist role and
    /// enables it), starts the server on the demo's store and prints the console's address and the password once.
    /// </summary>
    private static async Task<int> ServeAsync(HavenServerOptions options, Storage.HavenStore store, CancellationToken ct)
    {
        var people = new PeopleService(store);
        var issued = await people.CreateAsync(ReviewerName, PersonRole.Specialist, password: null, ct);
        if (!issued.IsSuccess)
        {
            if (await people.GetAsync(ReviewerName, ct) is not { } existing)
            {
                Console.Error.WriteLine("haven demo: cannot create the demo reviewer: " + issued.Error);
                return ExitCodes.StoreError;
            }

            if (existing.Role != PersonRole.Specialist)
            {
                await people.SetRoleAsync(ReviewerName, PersonRole.Specialist, ct);
            }

            if (existing.Disabled)
            {
                await people.SetDisabledAsync(ReviewerName, disabled: false, ct);
            }

            issued = await people.ResetPasswordAsync(ReviewerName, password: null, ct);
        }

        if (!issued.TryGetValue(out var reviewer, out var error) || reviewer.OneTimePassword is not { } oneTime)
        {
            Console.Error.WriteLine("haven demo: cannot set the demo reviewer's password: " + error);
            return ExitCodes.StoreError;
        }

        await using var app = HavenServer.Build(options, store);
        await app.StartAsync(ct);
        var address = app.Urls.First().TrimEnd('/');
        Console.Out.WriteLine();
        Console.Out.WriteLine($"Review console: {address}/console");
        Console.Out.WriteLine($"Sign in as {ReviewerName} (specialist: the review and the specialist queues) with this one-time password, shown once;");
        Console.Out.WriteLine("the console then asks you to choose your own:");
        Console.Out.WriteLine($"one-time password: {oneTime}");
        Console.Out.WriteLine("Ctrl+C stops the server.");
        await app.WaitForShutdownAsync(ct);
        return ExitCodes.Ok;
    }

    private static async Task<MediaDemoReport?> RunAsync(MediaDemoOptions options, BankService banks, CancellationToken ct)
    {
        var elapsed = Stopwatch.StartNew();
        var hasher = new MediaHasher();
        var console = CliContext.Stderr;
        MediaDemoReport? report = null;
        await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async ctx =>
            {
                var drawing = ctx.AddTask($"drawing and hashing {options.Known} known images", maxValue: options.Known);
                var known = new byte[options.Known][];
                var entries = new List<NewBankEntry>[options.Known];
                Parallel.For(0, options.Known, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = ct }, i =>
                {
                    known[i] = MediaDemo.KnownImage(options, i);
                    entries[i] = [.. MediaDemo.EntriesFor(hasher.Hash(known[i]), i)];
                    drawing.Increment(1);
                });

                var banking = ctx.AddTask($"banking them in '{BankName}'", maxValue: 1);
                if (await banks.FindAsync(BankName, ct) is not null)
                {
                    await banks.DeleteAsync(BankName, ct);
                }

                var created = await banks.CreateAsync(BankName, "Synthetic images banked by 'haven demo'.", cancellationToken: ct);
                if (!created.IsSuccess)
                {
                    throw new InvalidOperationException("demo bank: " + created.Error);
                }

                var added = await banks.AddEntriesAsync(BankName, entries.SelectMany(e => e), ct);
                if (!added.IsSuccess)
                {
                    throw new InvalidOperationException("demo entries: " + added.Error);
                }

                banking.Increment(1);
                var (index, _) = await MatchIndexLoader.LoadAsync(banks, cancellationToken: ct);

                var total = options.Known * MediaDemo.Transforms.Count + options.Unrelated;
                var matching = ctx.AddTask($"deriving, hashing and matching {total:N0} images", maxValue: total);
                report = await Task.Run(() => MediaDemo.Evaluate(options, known, index, hasher, new SynchronousProgress(matching), elapsed), ct);
                matching.Value = total;
            });
        return report;
    }

    /// <summary>Progress that updates the bar on the reporting thread (Spectre's tasks are thread-safe).</summary>
    private sealed class SynchronousProgress(ProgressTask task) : IProgress<DemoProgress>
    {
        public void Report(DemoProgress value) => task.Value = Math.Max(task.Value, value.Done);
    }
}
