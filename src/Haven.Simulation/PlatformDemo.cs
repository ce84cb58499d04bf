using System.Diagnostics;
using System.Text;
using Dapper;
using Haven.Banks;
using Haven.Banks.Import;
using Haven.Enforcement;
using Haven.Events;
using Haven.Graph;
using Haven.Pipeline;
using Haven.Policy;
using Haven.Signals;
using Haven.Storage;
using Haven.Text;

namespace Haven.Simulation;

/// <summary>Sizes and seed of the platform demo.</summary>
internal sealed record PlatformDemoOptions(int Accounts = 200_000, int Network = 2_000, int Seed = 2026, int Top = 20)
{
    /// <summary>Why these options are unusable, or null.</summary>
    public string? Validate() =>
        new PlatformOptions { Accounts = Accounts, Network = Network, Seed = Seed }.Validate()
        ?? (Top is < 1 or > 1000 ? "top must be 1..1000" : null);
}

/// <summary>Progress of a demo phase: name, work done, work in all (0 when unknown).</summary>
internal readonly record struct DemoPhase(string Name, long Done, long Total);

/// <summary>Everything the platform demo measured, for the console and the HTML report.</summary>
internal sealed record PlatformDemoResult(
    PlatformDemoOptions Options,
    PlatformSummary Simulation,
    GroundTruth Truth,
    IngestSummary Ingest,
    ProcessStats Processing,
    IReadOnlyList<(string Rule, long Decisions, long Subjects)> DecisionsByRule,
    IReadOnlyList<HashtagTrend> RisingHashtags,
    NetworkSnapshot Snapshot,
    DiscoveryResult Discovery,
    RankingMetrics DiscoveryMetrics,
    IReadOnlyList<EvaluationRow> Evaluation,
    IReadOnlyList<(string Phase, TimeSpan Elapsed)> Phases,
    DemoCaseSummary Cases,
    int DiscoveryDecisions)
{
    /// <summary>Total time of all phases.</summary>
    public TimeSpan Elapsed => Phases.Aggregate(TimeSpan.Zero, (sum, p) => sum + p.Elapsed);
}

/// <summary>
/// <c>haven demo</c>, the platform half: simulates a platform with a planted offender network, ingests every event
/// through the event log, runs the signals stage with the shipped policy (which opens cases for people), then discovers
/// the network from one confirmed account, feeds its top candidates to the policy as <c>haven discover --open-cases</c>
/// does, and measures every algorithm against the planted truth. Every step is the real one a deployment runs, on a
/// store of its own; no platform is connected, so the platform actions decided wait in the outbox and are never sent.
/// </summary>
internal static class PlatformDemo
{
    /// <summary>Name of the bank the simulated known images are imported into.</summary>
    public const string BankName = "simulated-known";

    /// <summary>Runs the demo in <paramref name="folder"/> (simulated files) against <paramref name="store"/> (empty).</summary>
    public static async Task<PlatformDemoResult> RunAsync(PlatformDemoOptions options, HavenStore store, string folder, IProgress<DemoPhase>? progress = null, CancellationToken cancellationToken = default)
    {
        var phases = new List<(string, TimeSpan)>();
        var clock = Stopwatch.StartNew();
        void Done(string phase)
        {
            phases.Add((phase, clock.Elapsed));
            clock.Restart();
        }

        var simFolder = Path.Combine(folder, "simulated");
        var platform = new PlatformOptions { Accounts = options.Accounts, Network = options.Network, Seed = options.Seed };
        var simulation = PlatformSimulator.Generate(platform, simFolder, new Progress<PlatformProgress>(p => progress?.Report(new DemoPhase("simulating the platform", p.Done, p.Total))), cancellationToken);
        var truth = GroundTruth.Load(Path.Combine(simFolder, "truth.json"));
        Done("simulate");

        await SetUpAsync(store, simFolder, truth, cancellationToken).ConfigureAwait(false);
        var ingest = await IngestAsync(store, Path.Combine(simFolder, "events.ndjson"), simulation.Counts.Events, progress, cancellationToken).ConfigureAwait(false);
        Done("ingest");

        ProcessStats processing;
        // The same factory as haven serve and haven process, with the shipped policy as it ships (enforce: shadow
        // decisions open no cases). No adapter is configured and the demo runs no dispatcher, so platform actions are
        // enqueued for the webhook queue as in any deployment without one, and stay there: nothing leaves the machine.
        var policy = PolicyLoader.LoadBuiltIn();
        await using (var pipeline = SignalsPipeline.Create(store, new SignalsSettings { Policy = policy, Targets = EnforcementTargets.None }))
        {
            processing = await pipeline.Processor.RunAsync(new Progress<(long Done, long Total)>(p => progress?.Report(new DemoPhase("signals, policy, decisions, cases", p.Done, p.Total))), cancellationToken).ConfigureAwait(false);
        }

        Done("process");
        var byRule = await DecisionsByRuleAsync(store, cancellationToken).ConfigureAwait(false);
        var (_, rising) = await new HashtagService(store).SuggestAsync(new HashtagSuggestOptions(TimeSpan.FromDays(Math.Max(1, truth.Parameters.Days / 2))), cancellationToken).ConfigureAwait(false);

        progress?.Report(new DemoPhase("building the interaction graph", 0, 0));
        var snapshot = await NetworkSnapshot.LoadAsync(store, cancellationToken: cancellationToken).ConfigureAwait(false);
        Done("graph");

        progress?.Report(new DemoPhase("discovering from one seed", 0, 0));
        var discovery = snapshot.Discover(new DiscoveryRequest([truth.Seeds.Creator], DiscoveryAlgorithm.EvidencePageRank, Top: Math.Max(options.Top, snapshot.Graph.NodeCount), Explain: Math.Max(options.Top, PlatformDemoReport.PictureNodes)));
        var metrics = RankingMetrics.Compute([.. discovery.Candidates.Select(c => c.Account)], truth.OffenderAccounts(), new HashSet<string>(StringComparer.Ordinal) { truth.Seeds.Creator });
        Done("discover");

        // As `haven discover --open-cases`: the top candidates become decisions of the policy's network rule, which
        // opens one case per account, named by the run so a reviewer can list the network's candidates together.
        progress?.Report(new DemoPhase("opening cases for the top candidates", 0, 0));
        var (discoveryDecisions, _) = await DiscoveryCases.FeedAsync(store, policy, discovery with { Candidates = [.. discovery.Candidates.Take(options.Top)] }, EnforcementTargets.None.Adapters, cancellationToken).ConfigureAwait(false);
        var cases = await DemoCases.SummarizeAsync(store, cancellationToken).ConfigureAwait(false);
        Done("cases");

        var evaluation = DiscoveryEvaluation.Run(snapshot, truth, progress: new Progress<string>(p => progress?.Report(new DemoPhase("evaluating: " + p, 0, 0))));
        Done("evaluate");
        return new PlatformDemoResult(options, simulation, truth, ingest, processing, byRule, rising, snapshot, discovery, metrics, evaluation, phases, cases, discoveryDecisions);
    }

    private static async Task SetUpAsync(HavenStore store, string simFolder, GroundTruth truth, CancellationToken cancellationToken)
    {
        var banks = new BankService(store);
        var created = await banks.CreateAsync(BankName, "Known images of the simulated platform (random PDQ hashes and synthetic images).", cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!created.IsSuccess)
        {
            throw new InvalidOperationException("demo bank: " + created.Error);
        }

        using (var bank = new StreamReader(Path.Combine(simFolder, "bank.csv"), Encoding.UTF8))
        {
            var imported = await banks.ImportAsync(BankName, bank, new ImportOptions { Format = ImportFormat.Csv }, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!imported.IsSuccess)
            {
                throw new InvalidOperationException("demo bank import: " + imported.Error);
            }
        }

        var lexicons = new LexiconService(store);
        var lexicon = await lexicons.CreateAsync("simulated", "Placeholder words of the simulated platform.", cancellationToken).ConfigureAwait(false);
        if (!lexicon.IsSuccess)
        {
            throw new InvalidOperationException("demo lexicon: " + lexicon.Error);
        }

        using (var words = new StreamReader(Path.Combine(simFolder, "lexicon.csv"), Encoding.UTF8))
        {
            var imported = await lexicons.ImportAsync("simulated", words, cancellationToken).ConfigureAwait(false);
            if (!imported.IsSuccess)
            {
                throw new InvalidOperationException("demo lexicon import: " + imported.Error);
            }
        }

        await new HashtagService(store).WatchAsync(truth.Hashtags.Watch, "watched hashtag of the simulated platform", cancellationToken).ConfigureAwait(false);
    }

    private static async Task<IngestSummary> IngestAsync(HavenStore store, string path, long total, IProgress<DemoPhase>? progress, CancellationToken cancellationToken)
    {
        var log = new EventLog(store);
        var summary = new IngestSummary(0, 0, 0, 0, 0);
        using var reader = new StreamReader(path, Encoding.UTF8, false, new FileStreamOptions { BufferSize = 1 << 16 });
        var lines = new List<string>(EventLog.MaxBatchLines);
        long first = 1;
        while (true)
        {
            var line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line is not null)
            {
                lines.Add(line);
            }

            if (lines.Count == EventLog.MaxBatchLines || (line is null && lines.Count > 0))
            {
                summary = summary.Add(IngestSummary.Of(await log.IngestAsync(lines, first, cancellationToken).ConfigureAwait(false)));
                first += lines.Count;
                lines.Clear();
                progress?.Report(new DemoPhase("ingesting events", summary.Lines, total));
            }

            if (line is null)
            {
                return summary;
            }
        }
    }

    private static async Task<IReadOnlyList<(string Rule, long Decisions, long Subjects)>> DecisionsByRuleAsync(HavenStore store, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(string Rule, long Decisions, long Subjects)>(new CommandDefinition(
            "SELECT rule_id, COUNT(*), COUNT(DISTINCT account) FROM decisions GROUP BY rule_id ORDER BY rule_id", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows];
    }
}
