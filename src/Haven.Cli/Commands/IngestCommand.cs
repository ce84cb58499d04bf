using System.CommandLine;
using Haven.Cli.Configuration;
using Haven.Events;
using Spectre.Console;

namespace Haven.Cli.Commands;

/// <summary><c>haven ingest FILE.ndjson</c>: the same ingest as <c>POST /v1/events</c>, from a file.</summary>
internal static class IngestCommand
{
    private const int MaxErrorsShown = 50;

    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "NDJSON file: one event per line ('-' reads standard input)." };
        var batch = new Option<int>("--batch") { Description = "Events per committed batch. Events:IngestBatchSize.", DefaultValueFactory = _ => HavenConfig.Int32(Settings.IngestBatch, 5_000) };
        var limits = new EventLimitOptions();
        var command = new Command("ingest", "Ingest platform events from an NDJSON file: idempotent on event id, durable per batch, every bad line reported with its number.") { file, batch };
        limits.AddTo(command);
        command.SetAction((parse, ct) => CliContext.GuardAsync("ingest", async () =>
        {
            var batchSize = parse.GetValue(batch);
            if (batchSize is < 1 or > EventLog.MaxBatchLines)
            {
                Console.Error.WriteLine($"haven ingest: --batch must be 1..{EventLog.MaxBatchLines}");
                return ExitCodes.Usage;
            }

            var path = parse.GetValue(file)!;
            if (path != "-" && !File.Exists(path))
            {
                Console.Error.WriteLine($"haven ingest: {path}: no such file.");
                return ExitCodes.InputError;
            }

            if (!limits.TryGet(parse, out var eventLimits, out var invalid))
            {
                Console.Error.WriteLine($"haven ingest: {invalid}");
                return ExitCodes.Usage;
            }

            await using var store = await CliContext.OpenStoreAsync(parse, ct);
            if (store is null)
            {
                return ExitCodes.StoreError;
            }

            var log = new EventLog(store, eventLimits);
            await using var input = path == "-" ? Console.OpenStandardInput() : new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            using var reader = new NdjsonReader(input);
            var length = path == "-" ? 0 : new FileInfo(path).Length;
            var summary = new IngestSummary(0, 0, 0, 0, 0);
            var shown = 0;
            var started = DateTime.UtcNow;

            async Task RunAsync(Action<long, IngestSummary> report)
            {
                var lines = new List<NdjsonLine>(batchSize);
                long firstLine = 1;
                while (true)
                {
                    var line = await reader.ReadLineAsync(ct);
                    if (line is { } read)
                    {
                        lines.Add(read);
                    }

                    if (lines.Count == batchSize || (line is null && lines.Count > 0))
                    {
                        var results = await log.IngestAsync(lines, firstLine, ct);
                        summary = summary.Add(IngestSummary.Of(results));
                        foreach (var r in results.Where(r => r.Status is IngestStatus.Error or IngestStatus.Conflict))
                        {
                            if (shown++ < MaxErrorsShown)
                            {
                                Console.Error.WriteLine($"line {r.Line}: {r.Status.ToString().ToLowerInvariant()}: {r.Code}: {r.Error}");
                            }
                        }

                        firstLine += lines.Count;
                        lines.Clear();
                        report(reader.Position, summary);
                    }

                    if (line is null)
                    {
                        break;
                    }
                }
            }

            var console = CliContext.Stderr;
            if (console.Profile.Capabilities.Interactive && length > 0)
            {
                await console.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .StartAsync(async ctx =>
                    {
                        var task = ctx.AddTask("ingesting", maxValue: length);
                        await RunAsync((position, s) => { task.Value = Math.Min(length, position); task.Description = $"ingesting: {s.Accepted:N0} accepted"; });
                        task.Value = length;
                    });
            }
            else
            {
                var last = DateTime.UtcNow;
                await RunAsync((_, s) =>
                {
                    if ((DateTime.UtcNow - last).TotalSeconds >= 2)
                    {
                        last = DateTime.UtcNow;
                        Console.Error.WriteLine($"ingest: {s.Lines:N0} lines, {s.Accepted:N0} accepted");
                    }
                });
            }

            if (shown > MaxErrorsShown)
            {
                Console.Error.WriteLine($"… and {shown - MaxErrorsShown:N0} more");
            }

            var seconds = Math.Max((DateTime.UtcNow - started).TotalSeconds, 1e-3);
            Console.Out.WriteLine($"{summary.Lines:N0} events: {summary.Accepted:N0} accepted, {summary.Duplicates:N0} duplicates, {summary.Conflicts:N0} conflicts, {summary.Errors:N0} errors ({summary.Lines / seconds:N0} events/s)");
            return summary.Errors + summary.Conflicts > 0 ? ExitCodes.InputError : ExitCodes.Ok;
        }));
        return command;
    }
}
