using System.Runtime.CompilerServices;

namespace Haven.Kernels.Graph;

/// <summary>
/// Immutable snapshot of the interaction graph in compressed sparse rows. Nodes are dense ids 0..<see cref="NodeCount"/>−1
/// (the engine maps accounts to them). Every interaction is stored at both ends, so discovery walks it undirected,
/// with a direction bit per end for explanations ("A reposted B"). Interactions of one kind between one pair are merged
/// into one edge (directions or-ed, a saturating count, the latest day); self-loops are dropped. Each node's half-edges
/// are sorted by (neighbour, kind). Memory: 7 bytes per half-edge, so 14 bytes per stored edge, plus 4 bytes per node.
/// Any number of threads may read a snapshot; build a new one (<see cref="InteractionGraphBuilder"/>, or
/// <see cref="WithEdges"/> for a refresh) and swap the reference.
/// </summary>
public sealed partial class InteractionGraph
{
    /// <summary>Interactions of one kind between one pair counted before the count saturates.</summary>
    public const int MaxMultiplicity = HalfEdgeLabel.MaxMultiplicity;

    /// <summary>The last UTC day a timestamp may fall on (days are stored in 16 bits from 1970-01-01: 2149-06-06).</summary>
    public static readonly DateOnly LastDay = DateOnly.FromDayNumber(UnixEpochDayNumber + ushort.MaxValue);

    private const int SecondsPerDay = 86_400;
    private static readonly int UnixEpochDayNumber = new DateOnly(1970, 1, 1).DayNumber;

    // offsets[v]..offsets[v+1] are v's half-edges in the three parallel arrays below.
    private readonly int[] _offsets;
    private readonly int[] _targets;
    private readonly byte[] _labels;
    private readonly ushort[] _days;

    private InteractionGraph(int[] offsets, int[] targets, byte[] labels, ushort[] days)
    {
        _offsets = offsets;
        _targets = targets;
        _labels = labels;
        _days = days;
    }

    /// <summary>A graph of no nodes.</summary>
    public static InteractionGraph Empty { get; } = new([0], [], [], []);

    /// <summary>Number of nodes, isolated ones included.</summary>
    public int NodeCount => _offsets.Length - 1;

    /// <summary>Number of stored (merged) edges; each is two half-edges.</summary>
    public long EdgeCount => _targets.Length / 2;

    /// <summary>Number of half-edges (twice <see cref="EdgeCount"/>).</summary>
    public int HalfEdgeCount => _targets.Length;

    /// <summary>Managed bytes of the snapshot's arrays: 7 per half-edge plus 4 per node.</summary>
    public long MemoryBytes => (_offsets.Length * sizeof(int)) + (_targets.Length * (long)(sizeof(int) + sizeof(byte) + sizeof(ushort)));

    /// <summary>Number of stored edges at <paramref name="node"/> (distinct (neighbour, kind) pairs).</summary>
    public int Degree(int node) => _offsets[node + 1] - _offsets[node];

    /// <summary>The <paramref name="index"/>-th edge of <paramref name="node"/>, in (neighbour, kind) order.</summary>
    /// <exception cref="ArgumentOutOfRangeException">index is not below <see cref="Degree"/>.</exception>
    public Interaction GetInteraction(int node, int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Degree(node), nameof(index));
        return InteractionAt(_offsets[node] + index);
    }

    /// <summary>The neighbours of <paramref name="node"/>, one per stored edge (a neighbour repeats once per kind).</summary>
    public ReadOnlySpan<int> Neighbours(int node) => _targets.AsSpan(_offsets[node], Degree(node));

    internal ReadOnlySpan<int> Offsets => _offsets;

    internal ReadOnlySpan<int> Targets => _targets;

    internal ReadOnlySpan<byte> Labels => _labels;

    internal ReadOnlySpan<ushort> Days => _days;

    internal int[] OffsetArray => _offsets;

    internal int[] TargetArray => _targets;

    internal byte[] LabelArray => _labels;

    internal Interaction InteractionAt(int halfEdge)
    {
        var label = _labels[halfEdge];
        return new Interaction(
            _targets[halfEdge],
            HalfEdgeLabel.Kind(label),
            HalfEdgeLabel.Direction(label),
            HalfEdgeLabel.Multiplicity(label),
            DateOnly.FromDayNumber(UnixEpochDayNumber + _days[halfEdge]));
    }

    /// <summary>The stored day of a Unix time in seconds.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The time is before 1970 or after <see cref="LastDay"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ushort DayOf(long unixSeconds)
    {
        var day = unixSeconds / SecondsPerDay;
        if ((ulong)day > ushort.MaxValue || unixSeconds < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(unixSeconds), unixSeconds, "Timestamps are Unix seconds from 1970-01-01 to 2149-06-06.");
        }

        return (ushort)day;
    }
}
