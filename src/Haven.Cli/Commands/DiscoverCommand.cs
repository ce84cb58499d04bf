using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Haven.Graph;
using Spectre.Console;

namespace Haven.Cli.Commands;

/// <summary><c>haven discover --seed ID…</c>: ranked, explained candidates around confirmed accounts (docs/discovery.md).</summary>
internal static class DiscoverCommand
{
    public static Command Create()
    {
        var seeds = new Option<string[]>("--seed") { Description = "A confirmed account id (repeatable).", Required = true, AllowMultipleArgumentsPerToken = true };
        var algorithm = new Option<string>("--algorithm") { Description = "bfs, ppr, evidence-ppr (default) or sybilrank.", DefaultValueFactory = _ => "evidence-ppr" };
        var top = new Option<int>("--top") { Description = "How many candidates.", DefaultValueFactory = _ => 50 };
        var hops = new Option<int>("--max-hops") { Description = "Farthest hop from a seed considered.", DefaultValueFactory = _ => 3 };
        var json = new Option<bool>("--json") { Description = "One JSON object per candidate." };
        var openCases = new Option<bool>("--open-cases") { Description = "Feed the candidates to the policy as discovered accounts (decisions recorded; the default policy opens cases for review)." };
        var policy = ProcessCommands.PolicyOption();
        var shadow = ProcessCommands.ShadowOption();
        var enforcement = new EnforcementCliOptions();
        var command = new Command("discover", "Find the network around confirmed accounts: ranked candidates with roles and a shortest path to a seed with the evidence on it.")
        {
            seeds, algorithm, top, hops, json, openCases, policy, shadow,
        };
        enforcement.AddTo(command);
        command.SetAction((parse, ct) => CliContext.GuardAsync("discover", async () =>
        {
            if (!enforcement.TryGet(parse, out var targets, out var invalidTargets))
            {
                Console.Error.WriteLine("haven discover: " + invalidTargets);
                return ExitCodes.Usage;
            }

            if (!DiscoveryAlgorithms.TryParse(parse.GetValue(algorithm), out var chosen))
            {
                Console.Error.WriteLine($"haven discover: unknown algorithm '{parse.GetValue(algorithm)}'; use {string.Join(", ", DiscoveryAlgorithms.All.Select(a => a.Name))}.");
                return ExitCodes.Usage;
            }

            var request = new DiscoveryRequest(parse.GetValue(seeds)!, chosen, parse.GetValue(top), parse.GetValue(hops));
            if (request.Validate() is { } invalid)
            {
                Console.Error.WriteLine("haven discover: " + invalid);
                return ExitCodes.Usage;
            }

            await using var store = await CliContext.OpenStoreAsync(parse, ct);
            if (store is null)
            {
                return ExitCodes.StoreError;
            }

            var snapshot = await NetworkSnapshot.LoadAsync(store, cancellationToken: ct);
            var result = snapshot.Discover(request);
            foreach (var unknown in result.UnknownSeeds)
            {
                Console.Error.WriteLine($"haven discover: seed {unknown} is not in the graph (no interactions processed yet).");
            }

            if (result.Seeds.Count == 0)
            {
                return ExitCodes.NotFound;
            }

            if (parse.GetValue(json))
            {
                foreach (var c in result.Candidates)
                {
                    Console.Out.WriteLine(JsonSerializer.Serialize(c, CliJson.Options));
                }
            }
            else
            {
                Render(result, snapshot);
            }

            if (parse.GetValue(openCases))
            {
                var engine = await ProcessCommands.LoadPolicyAsync("discover", parse.GetValue(policy), parse.GetValue(shadow), ct);
                if (engine is null)
                {
                    return ExitCodes.Usage;
                }

                var (recorded, enqueued) = await DiscoveryCases.FeedAsync(store, engine, result, targets.Adapters, ct);
                Console.Out.WriteLine($"{recorded:N0} decisions recorded for discovered accounts ({enqueued:N0} actions enqueued).");
            }

            return result.Candidates.Count == 0 ? ExitCodes.NoMatch : ExitCodes.Ok;
        }));
        return command;
    }

    private static void Render(DiscoveryResult result, NetworkSnapshot snapshot)
    {
        var table = new Table().AddColumns("#", "account", "score", "hops", "role", "evidence", "path to a seed");
        table.Title = new TableTitle($"{result.Algorithm.Name()} from {result.Seeds.Count} seed(s): {result.Reached:N0} accounts within reach, {result.Elapsed.TotalMilliseconds:N0} ms");
        foreach (var c in result.Candidates)
        {
            var e = c.Evidence;
            var evidence = e is null ? "-" : $"{e.MatchedPosts} matched, {e.Amplified} amplified, {e.Engagements} engagements, {e.Reports} reports";
            table.AddRow(
                c.Rank.ToString(CultureInfo.InvariantCulture), Markup.Escape(c.Account), c.Score.ToString("G3", CultureInfo.InvariantCulture), c.Hops.ToString(CultureInfo.InvariantCulture),
                c.Role ?? "-", Markup.Escape(evidence), Markup.Escape(string.Join("; ", c.Path)));
        }

        AnsiConsole.Write(table);
        Console.Out.WriteLine($"graph: {snapshot.Graph.NodeCount:N0} accounts, {snapshot.Graph.EdgeCount:N0} edges, built in {snapshot.BuildTime.TotalSeconds:0.0} s");
    }
}
