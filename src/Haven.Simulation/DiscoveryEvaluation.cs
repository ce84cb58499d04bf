using Haven.Graph;

namespace Haven.Simulation;

/// <summary>One algorithm from one seed set, measured against the planted truth.</summary>
internal sealed record EvaluationRow(
    DiscoveryAlgorithm Algorithm, string SeedSet, int Seeds, int Reached, RankingMetrics Metrics, TimeSpan Elapsed, double RoleAccuracy)
{
    /// <summary>Recall and precision at the cut-off where precision is still at least 0.90 (the target), or null.</summary>
    public CurvePoint? AtPrecision90 => Metrics.BestRecallAtPrecision(0.90);
}

/// <summary>
/// <c>haven evaluate</c>: runs every algorithm from one seed (a creator) and from ten mixed seeds, each ranking every
/// account within reach, and measures precision, recall, precision@k and role accuracy against the ground truth of
/// <c>haven simulate</c>.
/// </summary>
internal static class DiscoveryEvaluation
{
    /// <summary>Evaluates every algorithm on both seed sets; rows in algorithm order, one seed first.</summary>
    public static IReadOnlyList<EvaluationRow> Run(NetworkSnapshot snapshot, GroundTruth truth, int maxHops = 3, IProgress<string>? progress = null)
    {
        var offenders = truth.OffenderAccounts();
        var roles = truth.Offenders.ToDictionary(o => o.Account, o => o.Role.ToString().ToLowerInvariant(), StringComparer.Ordinal);
        var seedSets = new (string Name, IReadOnlyList<string> Seeds)[] { ("1 creator", [truth.Seeds.Creator]), ("10 mixed", truth.Seeds.Mixed) };
        var rows = new List<EvaluationRow>();
        foreach (var (name, algorithm) in DiscoveryAlgorithms.All)
        {
            foreach (var (setName, seeds) in seedSets)
            {
                progress?.Report($"{name} from {setName}");
                var result = snapshot.Discover(new DiscoveryRequest(seeds, algorithm, Top: Math.Max(1, snapshot.Graph.NodeCount), MaxHops: maxHops, Explain: 0));
                var ranked = result.Candidates.Select(c => c.Account).ToList();
                var metrics = RankingMetrics.Compute(ranked, offenders, seeds.ToHashSet(StringComparer.Ordinal));
                rows.Add(new EvaluationRow(algorithm, setName, result.Seeds.Count, result.Reached, metrics, result.Elapsed, RoleAccuracy(result, roles)));
            }
        }

        return rows;
    }

    /// <summary>Share of true offenders among the candidates whose assigned primary role equals their planted role.</summary>
    private static double RoleAccuracy(DiscoveryResult result, Dictionary<string, string> roles)
    {
        var found = result.Candidates.Where(c => roles.ContainsKey(c.Account)).ToList();
        return found.Count == 0 ? 0 : (double)found.Count(c => c.Role == roles[c.Account]) / found.Count;
    }
}
