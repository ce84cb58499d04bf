using Haven.Kernels.Graph;

namespace Haven.Kernels.Tests.Graph;

/// <summary>Interactions as parallel arrays, the shape <see cref="InteractionGraph.Build"/> takes.</summary>
internal sealed record EdgeList(int NodeCount, int[] From, int[] To, EdgeKind[] Kinds, long[] UnixSeconds)
{
    public int Count => From.Length;

    public static EdgeList Of(int nodeCount, params (int From, int To, EdgeKind Kind)[] edges) => new(
        nodeCount,
        [.. edges.Select(e => e.From)],
        [.. edges.Select(e => e.To)],
        [.. edges.Select(e => e.Kind)],
        [.. edges.Select((_, i) => 1_700_000_000L + (i * 86_400L))]);

    /// <summary>
    /// Seeded random interactions with the awkward cases mixed in: self-loops, repeated pairs (endpoints drawn from a
    /// small pool part of the time), both directions of one pair, and isolated nodes (endpoints drawn below nodeCount − 3).
    /// </summary>
    public static EdgeList Random(int nodeCount, int edgeCount, Random random)
    {
        var from = new int[edgeCount];
        var to = new int[edgeCount];
        var kinds = new EdgeKind[edgeCount];
        var seconds = new long[edgeCount];
        var span = Math.Max(1, nodeCount - 3);
        for (var e = 0; e < edgeCount; e++)
        {
            var pool = random.Next(4) == 0 ? Math.Min(span, 4) : span;
            from[e] = random.Next(pool);
            to[e] = random.Next(10) == 0 ? from[e] : random.Next(pool);
            kinds[e] = (EdgeKind)random.Next(7);
            seconds[e] = random.NextInt64(0, 65_536L * 86_400);
        }

        return new EdgeList(nodeCount, from, to, kinds, seconds);
    }

    public EdgeList Slice(int start, int length, int nodeCount) => new(
        nodeCount, From[start..(start + length)], To[start..(start + length)], Kinds[start..(start + length)], UnixSeconds[start..(start + length)]);

    public InteractionGraph Build() => InteractionGraph.Build(NodeCount, From, To, Kinds, UnixSeconds);
}

/// <summary>
/// The oracle: an adjacency list of dictionaries built the obvious way, with breadth-first search, dense power
/// iteration in doubles and SybilRank rounds over every node, following the definitions in the graph README.
/// </summary>
internal sealed class NaiveGraph
{
    private readonly List<Interaction>[] _adjacency;

    public NaiveGraph(EdgeList edges)
    {
        var merged = new Dictionary<(int Owner, int Neighbour, EdgeKind Kind), (EdgeDirection Direction, int Count, DateOnly Last)>();
        for (var e = 0; e < edges.Count; e++)
        {
            int f = edges.From[e], t = edges.To[e];
            if (f == t)
            {
                continue;
            }

            var day = DateOnly.FromDateTime(DateTime.UnixEpoch.AddSeconds(edges.UnixSeconds[e]));
            Add((f, t, edges.Kinds[e]), EdgeDirection.Outgoing, day);
            Add((t, f, edges.Kinds[e]), EdgeDirection.Incoming, day);
        }

        _adjacency = new List<Interaction>[edges.NodeCount];
        for (var v = 0; v < edges.NodeCount; v++)
        {
            _adjacency[v] = [];
        }

        foreach (var ((owner, neighbour, kind), (direction, count, last)) in merged)
        {
            _adjacency[owner].Add(new Interaction(neighbour, kind, direction, Math.Min(count, InteractionGraph.MaxMultiplicity), last));
        }

        foreach (var list in _adjacency)
        {
            list.Sort((a, b) => (a.Neighbour, a.Kind).CompareTo((b.Neighbour, b.Kind)));
        }

        void Add((int, int, EdgeKind) key, EdgeDirection direction, DateOnly day)
        {
            merged[key] = merged.TryGetValue(key, out var old)
                ? (old.Direction | direction, old.Count + 1, day > old.Last ? day : old.Last)
                : (direction, 1, day);
        }
    }

    public int NodeCount => _adjacency.Length;

    public IReadOnlyList<Interaction> Edges(int node) => _adjacency[node];

    /// <summary>Hops to the nearest seed, −1 beyond maxHops.</summary>
    public int[] Hops(IEnumerable<int> seeds, int maxHops)
    {
        var hops = Enumerable.Repeat(-1, NodeCount).ToArray();
        var queue = new Queue<int>();
        foreach (var seed in seeds.Where(s => hops[s] < 0))
        {
            hops[seed] = 0;
            queue.Enqueue(seed);
        }

        while (queue.Count > 0)
        {
            var u = queue.Dequeue();
            if (hops[u] == maxHops)
            {
                continue;
            }

            foreach (var edge in _adjacency[u].Where(edge => hops[edge.Neighbour] < 0))
            {
                hops[edge.Neighbour] = hops[u] + 1;
                queue.Enqueue(edge.Neighbour);
            }
        }

        return hops;
    }

    /// <summary>Edges from nodes one hop nearer the seeds.</summary>
    public int ParentEdges(int[] hops, int node) => _adjacency[node].Count(edge => hops[edge.Neighbour] >= 0 && hops[edge.Neighbour] == hops[node] - 1);

    /// <summary>
    /// Personalised PageRank of the walk killed on leaving the hop ball, by power iteration to convergence:
    /// x = α s + (1 − α) Pᵀ x with P(u→v) = w(u,v)(1 + e_v) / Σ_v' w(u,v')(1 + e_v'), then x / weighted-degree^β.
    /// </summary>
    public double[] PageRank(int[] seeds, PageRankOptions options)
    {
        var hops = Hops(seeds, options.MaxHops);
        var evidence = options.NodeEvidence;
        double Evidence(int v) => evidence is null ? 0 : evidence[v];
        double Weight(Interaction edge) =>
            (options.KindWeights is null ? 1 : options.KindWeights[(int)edge.Kind]) * (options.CountMultiplicity ? 1 + Math.Log2(edge.Multiplicity) : 1);

        var distinct = seeds.Distinct().ToArray();
        var restart = new double[NodeCount];
        var restartTotal = distinct.Sum(s => 1 + Evidence(s));
        foreach (var seed in distinct)
        {
            restart[seed] = (1 + Evidence(seed)) / restartTotal;
        }

        var x = (double[])restart.Clone();
        for (var iteration = 0; iteration < 100_000; iteration++)
        {
            var next = restart.Select(r => options.Alpha * r).ToArray();
            for (var u = 0; u < NodeCount; u++)
            {
                var outWeight = _adjacency[u].Sum(edge => Weight(edge) * (1 + Evidence(edge.Neighbour)));
                if (hops[u] < 0 || outWeight == 0)
                {
                    continue;
                }

                foreach (var edge in _adjacency[u].Where(edge => hops[edge.Neighbour] >= 0))
                {
                    next[edge.Neighbour] += (1 - options.Alpha) * x[u] * Weight(edge) * (1 + Evidence(edge.Neighbour)) / outWeight;
                }
            }

            var change = next.Zip(x, (a, b) => Math.Abs(a - b)).Sum();
            x = next;
            if (change < 1e-15)
            {
                break;
            }
        }

        for (var v = 0; v < NodeCount; v++)
        {
            var degree = _adjacency[v].Sum(Weight);
            if (hops[v] < 0)
            {
                x[v] = double.NaN;
            }
            else if (options.DegreeExponent != 0 && degree > 0)
            {
                x[v] /= Math.Pow(degree, options.DegreeExponent);
            }
        }

        return x;
    }

    /// <summary>SybilRank rounds over every node, trust outside the hop ball dropped each round, then trust / degree.</summary>
    public double[] SybilRank(int[] seeds, int maxHops, int rounds)
    {
        var hops = Hops(seeds, maxHops);
        var distinct = seeds.Distinct().ToArray();
        var trust = new double[NodeCount];
        foreach (var seed in distinct)
        {
            trust[seed] = 1.0 / distinct.Length;
        }

        for (var round = 0; round < rounds; round++)
        {
            var next = new double[NodeCount];
            for (var u = 0; u < NodeCount; u++)
            {
                foreach (var edge in _adjacency[u])
                {
                    next[edge.Neighbour] += trust[u] / _adjacency[u].Count;
                }
            }

            trust = [.. next.Select((t, v) => hops[v] >= 0 ? t : 0)];
        }

        return [.. trust.Select((t, v) => hops[v] < 0 ? double.NaN : _adjacency[v].Count > 0 ? t / _adjacency[v].Count : t)];
    }
}
