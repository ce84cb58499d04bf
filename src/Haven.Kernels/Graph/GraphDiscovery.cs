namespace Haven.Kernels.Graph;

/// <summary>
/// Network discovery from seeds (confirmed accounts) over an <see cref="InteractionGraph"/>, treated as undirected.
/// Every algorithm first expands breadth-first from the seeds up to its hop bound; nodes beyond it get no score, and
/// each reached node gets a shortest path to its nearest seed. Results stay in the workspace until its next run:
/// <see cref="DiscoveryWorkspace.Top"/>, <see cref="DiscoveryWorkspace.TryGetScore"/>,
/// <see cref="DiscoveryWorkspace.PathToSeed"/>. Seeds out of range throw; repeated seeds count once.
/// </summary>
public static class GraphDiscovery
{
    /// <summary>
    /// The by-hand baseline: what a volunteer does, expanding from the seeds. Ranks by hops, then by the number of
    /// edges reaching the node from the previous level; the score is 1 / (hops + 1 / (1 + those edges)).
    /// </summary>
    public static void BreadthFirst(InteractionGraph graph, ReadOnlySpan<int> seeds, int maxHops, DiscoveryWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        workspace.RunBreadthFirst(graph, seeds, maxHops);
    }

    /// <summary>
    /// Personalised PageRank with restart to the seeds, by forward push with a residual threshold (Andersen, Chung and
    /// Lang, FOCS 2006). Default options give plain PPR (α = 0.15, uniform edge weights);
    /// <see cref="PageRankOptions.EvidenceWeighted"/> gives kind and evidence weights and degree-normalised scores.
    /// </summary>
    public static void PersonalizedPageRank(InteractionGraph graph, ReadOnlySpan<int> seeds, PageRankOptions options, DiscoveryWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        workspace.RunPageRank(graph, seeds, options);
    }

    /// <summary>
    /// SybilRank (Cao et al., NSDI 2012) with the offenders as the trusted seeds: early-terminated power iteration of
    /// trust, scored trust / degree, so a high score marks the seeds' community rather than its hubs.
    /// </summary>
    public static void SybilRank(InteractionGraph graph, ReadOnlySpan<int> seeds, SybilRankOptions options, DiscoveryWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        workspace.RunSybilRank(graph, seeds, options);
    }
}
