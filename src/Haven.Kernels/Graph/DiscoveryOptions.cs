namespace Haven.Kernels.Graph;

/// <summary>
/// Personalised PageRank settings. The defaults are plain personalised PageRank (every stored edge weight 1, restart
/// spread evenly over the seeds, no degree normalisation); <see cref="EvidenceWeighted"/> gives the degree-normalised,
/// evidence-weighted variant.
/// </summary>
public sealed class PageRankOptions
{
    /// <summary>Nodes farther than this from every seed get no score; walks that step beyond it end there.</summary>
    public int MaxHops { get; init; } = 3;

    /// <summary>Restart (teleport) probability per step.</summary>
    public double Alpha { get; init; } = 0.15;

    /// <summary>
    /// Forward push stops when every node's unpushed residual is below Tolerance × its degree; each node's mass is then
    /// low by at most about Tolerance × its degree (exactly so on plain symmetric weights), i.e. its degree-normalised
    /// score by at most Tolerance.
    /// </summary>
    public double Tolerance { get; init; } = 1e-7;

    /// <summary>
    /// After the push phase, synchronous sweeps over the ball push every residual at once until at most this much of
    /// the walk mass (of 1) is left unpushed; <see cref="DiscoveryWorkspace.ResidualMass"/> reports what is left, which
    /// bounds the total score error.
    /// </summary>
    public double MaxResidual { get; init; } = 0.01;

    /// <summary>Threads for each sweep; 1 runs on the calling thread only (the push phase is always sequential).</summary>
    public int MaxDegreeOfParallelism { get; init; } = 1;

    /// <summary>Weight of an edge by kind, indexed by <see cref="EdgeKind"/> (7 entries, each ≥ 0); null for all 1.</summary>
    public float[]? KindWeights { get; init; }

    /// <summary>When true an edge merged from k interactions weighs 1 + log2(k) times its kind weight.</summary>
    public bool CountMultiplicity { get; init; }

    /// <summary>
    /// Evidence per node (≥ 0, one per node), e.g. bank matches or flagged replies. An edge into node v weighs
    /// (1 + evidence[v]) times more, and a seed's share of the restart mass is proportional to 1 + its evidence.
    /// Null for none.
    /// </summary>
    public float[]? NodeEvidence { get; init; }

    /// <summary>
    /// Scores are mass / weighted-degree^DegreeExponent (weighted degree: the sum of the node's edge weights, evidence
    /// excluded), so that hubs everyone touches do not rise. 0 for plain PageRank mass.
    /// </summary>
    public double DegreeExponent { get; init; }

    /// <summary>Kind weights for evidence-weighted discovery: shared media and reposts heavy, follows light.</summary>
    public static float[] DefaultKindWeights =>
    [
        3f, // Repost
        2f, // Quote
        1.5f, // Reply
        1f, // Mention
        0.25f, // Follow
        4f, // SharedMedia
        1f, // SharedHashtag
    ];

    /// <summary>
    /// The degree-normalised, evidence-weighted variant: <see cref="DefaultKindWeights"/> (or the given ones), repeated
    /// interactions counted, node evidence, scores divided by weighted degree.
    /// </summary>
    public static PageRankOptions EvidenceWeighted(float[]? nodeEvidence, float[]? kindWeights = null, int maxHops = 3) => new()
    {
        MaxHops = maxHops,
        KindWeights = kindWeights ?? DefaultKindWeights,
        CountMultiplicity = true,
        NodeEvidence = nodeEvidence,
        DegreeExponent = 1,
    };
}

/// <summary>SybilRank settings (Cao et al., NSDI 2012).</summary>
public sealed class SybilRankOptions
{
    /// <summary>Nodes farther than this from every seed get no score; trust that flows beyond it is lost.</summary>
    public int MaxHops { get; init; } = 3;

    /// <summary>Propagation rounds; 0 for the paper's ⌈log2 N⌉ (early termination is what keeps trust local).</summary>
    public int Iterations { get; init; }

    /// <summary>Threads for each propagation round; 1 runs on the calling thread only.</summary>
    public int MaxDegreeOfParallelism { get; init; } = 1;
}
