using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Haven.Graph;
using Haven.Simulation;
using Spectre.Console;

namespace Haven.Cli.Commands;

/// <summary><c>haven evaluate --truth truth.json</c>: every discovery algorithm against the planted network (docs/discovery.md).</summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var truth = new Option<string>("--truth") { Description = "The truth.json written by haven simulate for the events in this store.", Required = true };
        var hops = new Option<int>("--max-hops") { Description = "Farthest hop from a seed considered.", DefaultValueFactory = _ => 3 };
        var json = new Option<bool>("--json") { Description = "JSON rows instead of a table." };
        var command = new Command("evaluate", "Run every discovery algorithm from 1 and from 10 seeds and print precision, recall, precision@k and time against the ground truth.") { truth, hops, json };
        command.SetAction((parse, ct) => CliContext.GuardAsync("evaluate", async () =>
        {
            GroundTruth loaded;
            try
            {
                loaded = GroundTruth.Load(parse.GetValue(truth)!);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or JsonException)
            {
                Console.Error.WriteLine($"haven evaluate: {parse.GetValue(truth)}: {e.Message}");
                return ExitCodes.InputError;
            }

            await using var store = await CliContext.OpenStoreAsync(parse, ct);
            if (store is null)
            {
                return ExitCodes.StoreError;
            }

            var snapshot = await NetworkSnapshot.LoadAsync(store, cancellationToken: ct);
            if (snapshot.NodeOf(loaded.Seeds.Creator) < 0)
            {
                Console.Error.WriteLine("haven evaluate: the truth's seed accounts are not in this store's graph; ingest and process the simulated events first.");
                return ExitCodes.NotFound;
            }

            var rows = DiscoveryEvaluation.Run(snapshot, loaded, parse.GetValue(hops), new Progress<string>(p => Console.Error.WriteLine("evaluate: " + p)));
            if (parse.GetValue(json))
            {
                foreach (var r in rows)
                {
                    Console.Out.WriteLine(JsonSerializer.Serialize(new
                    {
                        algorithm = r.Algorithm.Name(),
                        r.SeedSet,
                        r.Reached,
                        r.Metrics.Relevant,
                        precisionAt100 = r.Metrics.PrecisionAt(100),
                        precisionAt1000 = r.Metrics.PrecisionAt(1000),
                        recallAtTruth = r.Metrics.RecallAt(r.Metrics.Relevant),
                        atPrecision90 = r.AtPrecision90,
                        milliseconds = r.Elapsed.TotalMilliseconds,
                        r.RoleAccuracy,
                    }, CliJson.Options));
                }

                return ExitCodes.Ok;
            }

            AnsiConsole.Write(Table(rows, $"{loaded.Offenders.Count:N0} planted offenders among {snapshot.Graph.NodeCount:N0} accounts; graph of {snapshot.Graph.EdgeCount:N0} edges built in {snapshot.BuildTime.TotalSeconds:0.0} s"));
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>The evaluation table shared with <c>haven demo</c>.</summary>
    public static Table Table(IReadOnlyList<EvaluationRow> rows, string title)
    {
        var table = new Table().AddColumns("algorithm", "seeds", "reached", "P@100", "P@1000", "recall@|truth|", "recall at P≥0.90 (k)", "roles right", "time");
        table.Title = new TableTitle(Markup.Escape(title));
        foreach (var r in rows)
        {
            var best = r.AtPrecision90;
            table.AddRow(
                r.Algorithm.Name(), r.SeedSet, r.Reached.ToString("N0", CultureInfo.InvariantCulture),
                r.Metrics.PrecisionAt(100).ToString("0.000", CultureInfo.InvariantCulture),
                r.Metrics.PrecisionAt(1000).ToString("0.000", CultureInfo.InvariantCulture),
                r.Metrics.RecallAt(r.Metrics.Relevant).ToString("0.000", CultureInfo.InvariantCulture),
                best is { } b ? $"{b.Recall:0.000} ({b.K:N0})" : "-",
                r.RoleAccuracy.ToString("P0", CultureInfo.InvariantCulture),
                $"{r.Elapsed.TotalMilliseconds:N0} ms");
        }

        return table;
    }
}
