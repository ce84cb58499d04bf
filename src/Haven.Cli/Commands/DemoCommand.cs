using System.CommandLine;
using System.Diagnostics;
using Haven.Banks;
using Haven.Matching;
using Haven.Media;
using Haven.Simulation;
using Spectre.Console;

namespace Haven.Cli.Commands;

/// <summary><c>haven demo</c>: Haven's main job end to end on synthetic data.</summary>
internal static class DemoCommand
{
    /// <summary>The bank the demo (re)creates.</summary>
    public const string BankName = "demo-known";

    public static Command Create()
    {
        var known = new Option<int>("--known") { Description = "Synthetic images banked as known.", DefaultValueFactory = _ => 200 };
        var unrelated = new Option<int>("--unrelated") { Description = "Synthetic images never banked (false-match check).", DefaultValueFactory = _ => 1000 };
        var seed = new Option<int>("--seed") { Description = "Seed: the same seed gives the same images.", DefaultValueFactory = _ => 2026 };
        var command = new Command("demo", "Run Haven end to end on synthetic media: bank known images, derive re-uploads, match everything, print recall and false matches.")
        {
            known, unrelated, seed,
        };
        command.SetAction((parse, ct) => CliContext.GuardAsync("demo", async () =>
        {
            var options = new MediaDemoOptions(parse.GetValue(known), parse.GetValue(unrelated), parse.GetValue(seed));
            if (options.Validate() is { } invalid)
            {
                Console.Error.WriteLine("haven demo: " + invalid);
                return ExitCodes.Usage;
            }

            await using var store = await CliContext.OpenStoreAsync(parse, ct);
            if (store is null)
            {
                return ExitCodes.StoreError;
            }

            var report = await RunAsync(options, new BankService(store), ct);
            if (report is null)
            {
                return ExitCodes.Internal;
            }

            Render(report, options, CliContext.StoreOptions(parse));
            return ExitCodes.Ok;
        }));
        return command;
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

    private static void Render(MediaDemoReport report, MediaDemoOptions options, Storage.StoreOptions store)
    {
        var table = new Table().Title($"Re-uploads of {options.Known} banked images, PDQ threshold {options.Threshold}")
            .AddColumn("transform").AddColumn("what")
            .AddColumn(new TableColumn("recall").RightAligned())
            .AddColumn(new TableColumn("recall, dihedral query").RightAligned())
            .AddColumn(new TableColumn("median distance").RightAligned());
        foreach (var row in report.Rows)
        {
            table.AddRow(
                row.Transform, row.Description,
                Percent(row.RecallPlain), Percent(row.RecallDihedral),
                row.MedianDistanceDihedral < 0 ? "-" : row.MedianDistanceDihedral.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(table);
        var falses = new Table().AddColumns("never-banked images", "false matches", "false matches, dihedral", "below quality gate")
            .AddRow($"{report.Unrelated:N0}", $"{report.FalseMatchesPlain}", $"{report.FalseMatchesDihedral}", $"{report.BelowQualityGate}");
        AnsiConsole.Write(falses);
        AnsiConsole.MarkupLine(
            $"Decoded, hashed (MD5, SHA-256, PDQ with 8 dihedral hashes) and matched [bold]{report.ImagesHashed:N0}[/] images twice each at " +
            $"[bold]{report.ImagesPerSecond:N0} images/s[/] on {Environment.ProcessorCount} cores; whole demo {report.Elapsed.TotalSeconds:N1} s.");
        AnsiConsole.MarkupLine(Markup.Escape(
            $"Store: {(store.Provider == "sqlite" ? Path.GetFullPath(store.DataFolder) : "PostgreSQL")}; bank '{BankName}', index version {report.IndexVersion}. " +
            "Try: ./haven bank list, ./haven match --dihedral FILE, ./haven serve."));
    }

    private static string Percent(double value) => value.ToString("P1", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Progress that updates the bar on the reporting thread (Spectre's tasks are thread-safe).</summary>
    private sealed class SynchronousProgress(ProgressTask task) : IProgress<DemoProgress>
    {
        public void Report(DemoProgress value) => task.Value = Math.Max(task.Value, value.Done);
    }
}
