using System.Diagnostics;
using Haven.Kernels.Graph;
using Haven.Storage;

namespace Haven.Graph;

/// <summary>The ranking algorithms (DESIGN §3.4): the by-hand baseline, two PageRanks and SybilRank.</summary>
internal enum DiscoveryAlgorithm
{
    /// <summary><c>bfs</c>: breadth-first expansion, what a volunteer does by hand.</summary>
    BreadthFirst,

    /// <summary><c>ppr</c>: plain personalised PageRank.</summary>
    PageRank,

    /// <summary><c>evidence-ppr</c>: degree-normalised, evidence-weighted personalised PageRank (the default).</summary>
    EvidencePageRank,

    /// <summary><c>sybilrank</c>: SybilRank with the offenders as seeds.</summary>
    SybilRank,
}

/// <summary>Names of algorithms on the command line and over HTTP.</summary>
internal static class DiscoveryAlgorithms
{
    public static readonly IReadOnlyList<(string Name, DiscoveryAlgorithm Algorithm)> All =
    [
        ("bfs", DiscoveryAlgorithm.BreadthFirst),
        ("ppr", DiscoveryAlgorithm.PageRank),
        ("evidence-ppr", DiscoveryAlgorithm.EvidencePageRank),
        ("sybilrank", DiscoveryAlgorithm.SybilRank),
    ];

    public static string Name(this DiscoveryAlgorithm algorithm) => All.First(a => a.Algorithm == algorithm).Name;

    public static bool TryParse(string? name, out DiscoveryAlgorithm algorithm)
    {
        foreach (var (n, a) in All)
        {
            if (string.Equals(n, name, StringComparison.OrdinalIgnoreCase))
            {
                algorithm = a;
                return true;
            }
        }

        algorithm = DiscoveryAlgorithm.EvidencePageRank;
        return false;
    }
}

/// <summary>What to discover: from which confirmed accounts, how, how far and how many.</summary>
/// <param name="Explain">How many of the top candidates get a path to a seed (null: all); an evaluation that only ranks passes 0.</param>
internal sealed record DiscoveryRequest(IReadOnlyList<string> Seeds, DiscoveryAlgorithm Algorithm = DiscoveryAlgorithm.EvidencePageRank, int Top = 100, int MaxHops = 3, int? Explain = null)
{
    /// <summary>Why the request is unusable, or null.</summary>
    public string? Validate() =>
        Seeds.Count == 0 ? "at least one seed account is needed"
        : Seeds.Count > 10_000 ? "at most 10,000 seeds"
        : Top < 1 ? "top must be at least 1"
        : MaxHops is < 1 or > 10 ? "max hops must be 1..10"
        : null;
}

/// <summary>One step of an explanation: <see cref="Actor"/> did <see cref="Kind"/> to <see cref="Target"/> (e.g. reposted).</summary>
internal sealed record ExplanationStep(string Actor, string Kind, string Target)
{
    public override string ToString() => $"{Actor} —{Kind}→ {Target}";
}

/// <summary>A ranked candidate with its role, its own evidence and a shortest path to a seed with the evidence on it.</summary>
internal sealed record DiscoveredAccount(int Rank, string Account, float Score, int Hops, string? Role, IReadOnlyList<string> Roles, AccountEvidence? Evidence, IReadOnlyList<ExplanationStep> Path);

/// <summary>The outcome of one discovery run.</summary>
internal sealed record DiscoveryResult(
    DiscoveryAlgorithm Algorithm, IReadOnlyList<string> Seeds, IReadOnlyList<string> UnknownSeeds, int Reached, IReadOnlyList<DiscoveredAccount> Candidates, TimeSpan Elapsed);

/// <summary>
/// An immutable snapshot for discovery: the CSR interaction graph (Kernels/Graph), the account ↔ node mapping and
/// every account's evidence. Built from the store; safe to share between threads (each run has its own workspace).
/// </summary>
internal sealed class NetworkSnapshot
{
    private readonly Dictionary<string, int> _nodes;

    private readonly GraphSourceState _source;
    private readonly GraphSourceOptions _options;

    private NetworkSnapshot(InteractionGraph graph, GraphSourceState source, GraphSourceOptions options, Dictionary<string, AccountEvidence> evidence, TimeSpan buildTime, bool incremental)
    {
        Graph = graph;
        _source = source;
        _options = options;
        Incremental = incremental;
        var accounts = source.Input.Accounts.ToArray();
        Accounts = accounts;
        Evidence = evidence;
        BuildTime = buildTime;
        _nodes = new Dictionary<string, int>(accounts.Length, StringComparer.Ordinal);
        for (var i = 0; i < accounts.Length; i++)
        {
            _nodes[accounts[i]] = i;
        }

        NodeEvidence = new float[accounts.Length];
        foreach (var (account, e) in evidence)
        {
            if (_nodes.TryGetValue(account, out var node))
            {
                NodeEvidence[node] = e.Weight;
            }
        }
    }

    /// <summary>The graph.</summary>
    public InteractionGraph Graph { get; }

    /// <summary>Account id of each node.</summary>
    public IReadOnlyList<string> Accounts { get; }

    /// <summary>Evidence of every account that has any.</summary>
    public IReadOnlyDictionary<string, AccountEvidence> Evidence { get; }

    /// <summary>Evidence weight per node, for the evidence-weighted PageRank.</summary>
    public float[] NodeEvidence { get; }

    /// <summary>How long reading the store and building the graph took.</summary>
    public TimeSpan BuildTime { get; }

    /// <summary>True when this snapshot was made by merging new edges into the previous one rather than a full load.</summary>
    public bool Incremental { get; }

    /// <summary>The node of an account, or -1.</summary>
    public int NodeOf(string account) => _nodes.GetValueOrDefault(account, -1);

    /// <summary>Reads the store and builds the snapshot.</summary>
    public static async Task<NetworkSnapshot> LoadAsync(HavenStore store, GraphSourceOptions? options = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        options ??= new GraphSourceOptions();
        var source = await GraphSource.LoadAsync(store, options, cancellationToken).ConfigureAwait(false);
        var evidence = await AccountEvidence.LoadAsync(store, cancellationToken).ConfigureAwait(false);
        AddEvidenceNodes(source.Input, evidence);
        var graph = source.Input.Build();
        source.Input.ClearEdges();
        return new NetworkSnapshot(graph, source, options, evidence, clock.Elapsed, incremental: false);
    }

    /// <summary>
    /// A newer snapshot: reads only what the signals stage wrote since this one and merges it into the graph in one
    /// linear pass (Kernels/Graph); evidence is read again. Not thread-safe with another refresh of the same lineage.
    /// </summary>
    public async Task<NetworkSnapshot> RefreshAsync(HavenStore store, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        await GraphSource.LoadDeltaAsync(store, _options, _source, cancellationToken).ConfigureAwait(false);
        var evidence = await AccountEvidence.LoadAsync(store, cancellationToken).ConfigureAwait(false);
        AddEvidenceNodes(_source.Input, evidence);
        var graph = _source.Input.BuildOnto(Graph);
        _source.Input.ClearEdges();
        return new NetworkSnapshot(graph, _source, _options, evidence, clock.Elapsed, incremental: true);
    }

    private static void AddEvidenceNodes(GraphInput input, Dictionary<string, AccountEvidence> evidence)
    {
        foreach (var account in evidence.Keys.Order(StringComparer.Ordinal))
        {
            input.Node(account);
        }
    }

    /// <summary>Runs one discovery: ranks candidates, assigns roles and explains each by a shortest path to a seed.</summary>
    public DiscoveryResult Discover(DiscoveryRequest request)
    {
        if (request.Validate() is { } invalid)
        {
            throw new ArgumentException(invalid, nameof(request));
        }

        var clock = Stopwatch.StartNew();
        var seeds = request.Seeds.Distinct(StringComparer.Ordinal).ToList();
        var known = seeds.Where(s => _nodes.ContainsKey(s)).ToList();
        var unknown = seeds.Where(s => !_nodes.ContainsKey(s)).ToList();
        var seedNodes = known.Select(s => _nodes[s]).ToArray();
        if (seedNodes.Length == 0)
        {
            return new DiscoveryResult(request.Algorithm, known, unknown, 0, [], clock.Elapsed);
        }

        var workspace = new DiscoveryWorkspace();
        switch (request.Algorithm)
        {
            case DiscoveryAlgorithm.BreadthFirst:
                GraphDiscovery.BreadthFirst(Graph, seedNodes, request.MaxHops, workspace);
                break;
            case DiscoveryAlgorithm.PageRank:
                GraphDiscovery.PersonalizedPageRank(Graph, seedNodes, new PageRankOptions { MaxHops = request.MaxHops }, workspace);
                break;
            case DiscoveryAlgorithm.SybilRank:
                GraphDiscovery.SybilRank(Graph, seedNodes, new SybilRankOptions { MaxHops = request.MaxHops }, workspace);
                break;
            default:
                GraphDiscovery.PersonalizedPageRank(Graph, seedNodes, PageRankOptions.EvidenceWeighted(NodeEvidence, maxHops: request.MaxHops), workspace);
                break;
        }

        var top = workspace.Top(request.Top);
        var candidates = new List<DiscoveredAccount>(top.Length);
        foreach (var ranked in top)
        {
            var account = Accounts[ranked.Node];
            var evidence = Evidence.GetValueOrDefault(account);
            IReadOnlyList<ExplanationStep> path = candidates.Count < (request.Explain ?? int.MaxValue) ? [.. workspace.PathToSeed(ranked.Node).Select(Step)] : [];
            candidates.Add(new DiscoveredAccount(candidates.Count + 1, account, ranked.Score, ranked.Hops, evidence?.PrimaryRole, evidence?.Roles ?? [], evidence, path));
        }

        return new DiscoveryResult(request.Algorithm, known, unknown, workspace.Reached.Length, candidates, clock.Elapsed);
    }

    private ExplanationStep Step(PathStep step)
    {
        var kind = KindVerb(step.Kind);
        var (from, to) = (Accounts[step.From], Accounts[step.To]);
        return step.Direction.HasFlag(EdgeDirection.Outgoing) ? new ExplanationStep(from, kind, to) : new ExplanationStep(to, kind, from);
    }

    /// <summary>How an edge kind reads in an explanation.</summary>
    public static string KindVerb(EdgeKind kind) => kind switch
    {
        EdgeKind.Repost => "reposted",
        EdgeKind.Quote => "quoted",
        EdgeKind.Reply => "replied to",
        EdgeKind.Mention => "mentioned",
        EdgeKind.Follow => "follows",
        EdgeKind.SharedMedia => "posted the same media as",
        _ => "used a watched hashtag after",
    };
}
