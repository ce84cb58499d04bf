namespace Haven.Kernels.Graph;

/// <summary>
/// Buffers for one discovery run at a time, reused across runs (nothing is allocated per iteration, and only a run
/// over a larger graph than before grows them), and the results of the latest run: which nodes lie within the hop
/// bound, their scores, ranking, and an explanation path to the nearest seed for each. A run resets only the nodes the
/// previous run touched. Not thread-safe: give each thread its own workspace.
/// </summary>
public sealed partial class DiscoveryWorkspace
{
    /// <summary>Largest hop bound a run accepts (hops are kept in a byte per node, so the BFS reads 1 byte per edge).</summary>
    public const int MaxHopsLimit = 254;

    private const byte Unreached = byte.MaxValue;

    private byte[] _hops = [];
    private int[] _parent = [];
    private int[] _parentEdge = [];
    private int[] _parentCount = [];
    private int[] _order = [];
    private int[] _levelEnd = new int[8];
    private double[] _mass = [];
    private float[] _scores = [];
    private double[] _outWeight = [];
    private double[] _slack = [];
    private float[] _perEdge = [];
    private int[] _byId = [];
    private int[] _queue = [];
    private bool[] _queued = [];
    private readonly double[] _labelWeights = new double[256];
    private int _reached;
    private int _levels;
    private InteractionGraph? _graph;

    /// <summary>Creates a workspace; it sizes itself to the first graph it runs on.</summary>
    public DiscoveryWorkspace()
    {
    }

    /// <summary>Nodes within the hop bound of the latest run, in breadth-first order (seeds first, then by hops).</summary>
    public ReadOnlySpan<int> Reached => _order.AsSpan(0, _reached);

    /// <summary>For push-based PageRank: the walk mass left unpushed (an upper bound on the total score error).</summary>
    public double ResidualMass { get; private set; }

    /// <summary>Half-edges visited by the latest run's pushes (PageRank) or pull sweeps (SybilRank); 0 for breadth-first.</summary>
    public long Work { get; private set; }

    /// <summary>Hops from <paramref name="node"/> to its nearest seed in the latest run, or −1 beyond the bound.</summary>
    public int Hops(int node) => (uint)node < (uint)_hops.Length && _hops[node] != Unreached ? _hops[node] : -1;

    /// <summary>The score of <paramref name="node"/> in the latest run; false for nodes beyond the hop bound.</summary>
    public bool TryGetScore(int node, out float score)
    {
        var reached = Hops(node) >= 0;
        score = reached ? _scores[node] : 0;
        return reached;
    }

    /// <summary>
    /// The <paramref name="count"/> best-scored nodes of the latest run, best first (ties: fewer hops, then lower id).
    /// Seeds are left out unless <paramref name="includeSeeds"/>.
    /// </summary>
    public RankedNode[] Top(int count, bool includeSeeds = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var heap = new PriorityQueue<RankedNode, RankedNode>(count + 1, WorstFirst.Instance);
        foreach (var node in Reached)
        {
            var candidate = new RankedNode(node, _scores[node], _hops[node]);
            if (count == 0 || (candidate.Hops == 0 && !includeSeeds))
            {
                continue;
            }

            if (heap.Count < count)
            {
                heap.Enqueue(candidate, candidate);
            }
            else if (WorstFirst.Instance.Compare(candidate, heap.Peek()) > 0)
            {
                heap.EnqueueDequeue(candidate, candidate);
            }
        }

        var ranked = new RankedNode[heap.Count];
        for (var i = ranked.Length - 1; i >= 0; i--)
        {
            ranked[i] = heap.Dequeue();
        }

        return ranked;
    }

    /// <summary>
    /// A shortest path from <paramref name="node"/> to its nearest seed (the first found breadth-first), one step per
    /// hop, empty for a seed. Throws for a node beyond the hop bound.
    /// </summary>
    /// <exception cref="ArgumentException">The node was not reached by the latest run.</exception>
    public PathStep[] PathToSeed(int node)
    {
        var hops = Hops(node);
        if (hops < 0)
        {
            throw new ArgumentException($"Node {node} lies beyond the hop bound of the latest run.", nameof(node));
        }

        var steps = new PathStep[hops];
        var graph = _graph!;
        for (var i = 0; i < steps.Length; i++)
        {
            var parent = _parent[node];
            var seen = graph.InteractionAt(_parentEdge[node]); // stored at the parent, pointing at node
            var direction = (EdgeDirection)((((int)seen.Direction & 1) << 1) | (((int)seen.Direction >> 1) & 1));
            steps[i] = new PathStep(node, parent, seen.Kind, direction);
            node = parent;
        }

        return steps;
    }

    /// <summary>
    /// Resets what the previous run touched, sizes the buffers for <paramref name="graph"/>, and expands breadth-first
    /// from the seeds up to <paramref name="maxHops"/>, recording hops, a parent edge and the number of edges from the
    /// previous level for each reached node.
    /// </summary>
    internal void Expand(InteractionGraph graph, ReadOnlySpan<int> seeds, int maxHops)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentOutOfRangeException.ThrowIfNegative(maxHops);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxHops, MaxHopsLimit);
        Reset(graph.NodeCount);
        _graph = graph;
        foreach (var seed in seeds)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)seed, (uint)graph.NodeCount, nameof(seeds));
            if (_hops[seed] == Unreached)
            {
                _hops[seed] = 0;
                _parent[seed] = -1;
                _parentEdge[seed] = -1;
                _order[_reached++] = seed;
            }
        }

        _levelEnd[0] = _reached;
        _levels = 1;
        var offsets = graph.Offsets;
        var targets = graph.Targets;
        var head = 0;
        for (var level = 0; level < maxHops && head < _reached; level++)
        {
            var end = _reached;
            var next = level + 1;
            for (; head < end; head++)
            {
                var u = _order[head];
                for (var i = offsets[u]; i < offsets[u + 1]; i++)
                {
                    var v = targets[i];
                    var hops = _hops[v];
                    if (hops == Unreached)
                    {
                        _hops[v] = (byte)next;
                        _parent[v] = u;
                        _parentEdge[v] = i;
                        _parentCount[v] = 1;
                        _order[_reached++] = v;
                    }
                    else if (hops == next)
                    {
                        _parentCount[v]++;
                    }
                }
            }

            if (_levels == _levelEnd.Length)
            {
                Array.Resize(ref _levelEnd, _levels * 2);
            }

            _levelEnd[_levels++] = _reached;
        }
    }

    /// <summary>Number of nodes within <paramref name="hops"/> of a seed (a prefix of <see cref="Reached"/>).</summary>
    internal int ReachedWithin(int hops) => _levelEnd[Math.Min(hops, _levels - 1)];

    private void Reset(int nodeCount)
    {
        if (_hops.Length < nodeCount)
        {
            _hops = new byte[nodeCount];
            Array.Fill(_hops, Unreached);
            _parent = new int[nodeCount];
            _parentEdge = new int[nodeCount];
            _parentCount = new int[nodeCount];
            _order = new int[nodeCount];
            _mass = new double[nodeCount];
            _scores = new float[nodeCount];
            _outWeight = new double[nodeCount];
            _slack = new double[nodeCount];
            _perEdge = new float[nodeCount];
            _queue = new int[nodeCount];
            _queued = new bool[nodeCount];
        }
        else
        {
            foreach (var node in Reached)
            {
                _hops[node] = Unreached;
                _parentCount[node] = 0;
                _mass[node] = 0;
                _scores[node] = 0;
                _outWeight[node] = 0;
                _perEdge[node] = 0;
            }
        }

        _reached = 0;
        _levels = 0;
        ResidualMass = 0;
        Work = 0;
    }

    /// <summary>Orders the heap so its root is the worst of the kept nodes.</summary>
    private sealed class WorstFirst : IComparer<RankedNode>
    {
        public static readonly WorstFirst Instance = new();

        // Positive when a ranks better than b.
        public int Compare(RankedNode a, RankedNode b)
        {
            var byScore = a.Score.CompareTo(b.Score);
            if (byScore != 0)
            {
                return byScore;
            }

            var byHops = b.Hops.CompareTo(a.Hops);
            return byHops != 0 ? byHops : b.Node.CompareTo(a.Node);
        }
    }
}
