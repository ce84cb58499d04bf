using System.CommandLine;
using System.Globalization;
using Haven.Simulation;
using Spectre.Console;

namespace Haven.Cli.Commands;

/// <summary><c>haven simulate</c>: a seeded synthetic platform with a planted offender network and its ground truth.</summary>
internal static class SimulateCommand
{
    public static Command Create()
    {
        var defaults = new PlatformOptions();
        var output = new Option<string>("--out") { Description = "Folder to write events.ndjson, bank.csv, lexicon.csv and truth.json into (created if missing).", Required = true };
        var accounts = new Option<int>("--accounts") { Description = "Accounts on the platform, offenders included.", DefaultValueFactory = _ => defaults.Accounts };
        var network = new Option<int>("--network") { Description = "Offender accounts: ~5% creators, 25% distributors, 50% amplifiers, 20% solicitors.", DefaultValueFactory = _ => defaults.Network };
        var seed = new Option<int>("--seed") { Description = "Seed: the same options give byte-identical files.", DefaultValueFactory = _ => defaults.Seed };
        var days = new Option<int>("--days") { Description = "Days of activity; offenders take over the co-opted hashtag in the second half.", DefaultValueFactory = _ => defaults.Days };
        var images = new Option<int>("--images") { Description = "Known images carried as real synthetic JPEG bytes (exercises decoding).", DefaultValueFactory = _ => defaults.Images };
        var camouflage = new Option<double>("--camouflage") { Description = "Share of offenders' follows, reposts and replies aimed at ordinary users.", DefaultValueFactory = _ => defaults.Camouflage };
        var unwitting = new Option<double>("--unwitting") { Description = "Share of ordinary users' follows and reposts that land on offenders unknowingly.", DefaultValueFactory = _ => defaults.Unwitting };
        var command = new Command("simulate", "Generate a synthetic platform (events, known-image bank, placeholder lexicon) with a planted offender network and its ground truth.")
        {
            output, accounts, network, seed, days, images, camouflage, unwitting,
        };
        command.SetAction((parse, ct) => CliContext.GuardAsync("simulate", async () =>
        {
            var options = new PlatformOptions
            {
                Accounts = parse.GetValue(accounts),
                Network = parse.GetValue(network),
                Seed = parse.GetValue(seed),
                Days = parse.GetValue(days),
                Images = parse.GetValue(images),
                Camouflage = parse.GetValue(camouflage),
                Unwitting = parse.GetValue(unwitting),
            };
            if (options.Validate() is { } invalid)
            {
                Console.Error.WriteLine("haven simulate: " + invalid);
                return ExitCodes.Usage;
            }

            var folder = parse.GetValue(output)!;
            if (!CanWrite(folder, out var why))
            {
                Console.Error.WriteLine($"haven simulate: cannot write to {folder}: {why}");
                return ExitCodes.InputError;
            }

            PlatformSummary summary;
            try
            {
                summary = await RunAsync(options, folder, ct);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"haven simulate: cannot write to {folder}: {e.Message}");
                return ExitCodes.InputError;
            }

            Render(summary);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static async Task<PlatformSummary> RunAsync(PlatformOptions options, string folder, CancellationToken ct)
    {
        var console = CliContext.Stderr;
        if (!console.Profile.Capabilities.Interactive)
        {
            // Redirected: a plain line per phase and every few days.
            var last = string.Empty;
            var plain = new ActionProgress(p =>
            {
                var line = p.Phase == "days" ? $"simulate: day {p.Done}/{p.Total}" : $"simulate: {p.Phase}";
                if (line != last && (p.Phase != "days" || p.Done % 5 == 0 || p.Done == p.Total))
                {
                    last = line;
                    Console.Error.WriteLine(line);
                }
            });
            return await Task.Run(() => PlatformSimulator.Generate(options, folder, plain, ct), ct);
        }

        PlatformSummary? summary = null;
        await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async ctx =>
            {
                var setup = ctx.AddTask("bank, lexicon, follow graph", maxValue: 1);
                var daysTask = ctx.AddTask($"simulating {options.Days} days of {options.Accounts:N0} accounts", maxValue: options.Days);
                var bar = new ActionProgress(p =>
                {
                    if (p.Phase == "days")
                    {
                        setup.Value = 1;
                        daysTask.Value = p.Done;
                    }
                    else if (p.Phase == "done")
                    {
                        setup.Value = 1;
                        daysTask.Value = options.Days;
                    }
                });
                summary = await Task.Run(() => PlatformSimulator.Generate(options, folder, bar, ct), ct);
                setup.Value = 1;
                daysTask.Value = options.Days;
            });
        return summary!;
    }

    private static bool CanWrite(string folder, out string why)
    {
        try
        {
            Directory.CreateDirectory(folder);
            var probe = Path.Combine(folder, ".haven-simulate-probe");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            why = string.Empty;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            why = e.Message;
            return false;
        }
    }

    private static void Render(PlatformSummary summary)
    {
        var c = summary.Counts;
        var table = new Table().Title($"Simulated platform, seed {summary.Options.Seed}, {summary.Options.Days} days")
            .AddColumn("what").AddColumn(new TableColumn("count").RightAligned());
        table.AddRow("accounts", N(summary.Options.Accounts));
        foreach (var (role, count) in summary.OffendersByRole)
        {
            table.AddRow($"offenders: {role.ToString().ToLowerInvariant()}s", N(count));
        }

        table.AddRow("known images banked / posted", $"{N(summary.KnownImages)} / {N(summary.KnownImagesPosted)}");
        foreach (var (type, count) in c.ByType())
        {
            table.AddRow($"events: {type}", N(count));
        }

        table.AddRow("  posts (plain and photo) / with known images", $"{N(c.Posts)} / {N(c.KnownMediaPosts)}");
        table.AddRow("  replies / reposts / quotes", $"{N(c.Replies)} / {N(c.Reposts)} / {N(c.Quotes)}");
        table.AddRow("[bold]events[/]", $"[bold]{N(c.Events)}[/]");
        AnsiConsole.Write(table);

        var files = new Table().AddColumns("file", "bytes");
        foreach (var file in summary.Files)
        {
            files.AddRow(Markup.Escape(file), N(new FileInfo(file).Length));
        }

        AnsiConsole.Write(files);
        AnsiConsole.MarkupLine(Markup.Escape(
            $"Generated in {summary.Elapsed.TotalSeconds.ToString("N1", CultureInfo.InvariantCulture)} s ({(c.Events / Math.Max(summary.Elapsed.TotalSeconds, 1e-3)).ToString("N0", CultureInfo.InvariantCulture)} events/s). " +
            "Try: ./haven ingest events.ndjson; ./haven bank import NAME bank.csv --format csv; ./haven lexicon import NAME lexicon.csv."));
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>Reports on the generating thread (Spectre's tasks are thread-safe), in order, none lost.</summary>
    private sealed class ActionProgress(Action<PlatformProgress> report) : IProgress<PlatformProgress>
    {
        public void Report(PlatformProgress value) => report(value);
    }
}
