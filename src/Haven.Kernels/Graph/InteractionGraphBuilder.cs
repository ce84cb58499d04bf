namespace Haven.Kernels.Graph;

/// <summary>
/// Collects interactions (11 bytes each) and builds an <see cref="InteractionGraph"/>, from scratch or as a refresh of
/// an earlier snapshot. Not thread-safe; the snapshots it builds are.
/// </summary>
public sealed class InteractionGraphBuilder
{
    private int[] _from;
    private int[] _to;
    private EdgeKind[] _kinds;
    private ushort[] _days;

    /// <summary>Creates a builder with room for <paramref name="capacity"/> interactions before it grows.</summary>
    public InteractionGraphBuilder(int capacity = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _from = new int[capacity];
        _to = new int[capacity];
        _kinds = new EdgeKind[capacity];
        _days = new ushort[capacity];
    }

    /// <summary>Number of nodes the built graph will have: one past the largest id seen, or more after <see cref="EnsureNodeCount"/>.</summary>
    public int NodeCount { get; private set; }

    /// <summary>Number of interactions added since the last <see cref="Clear"/>.</summary>
    public int Count { get; private set; }

    /// <summary>Makes the built graph have at least <paramref name="nodeCount"/> nodes (isolated ones included).</summary>
    public void EnsureNodeCount(int nodeCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nodeCount);
        NodeCount = Math.Max(NodeCount, nodeCount);
    }

    /// <summary>Adds one interaction: <paramref name="from"/> —<paramref name="kind"/>→ <paramref name="to"/> at a Unix time in seconds.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is negative or int.MaxValue, the kind is unknown, or the time is outside 1970..2149.</exception>
    public void Add(int from, int to, EdgeKind kind, long unixSeconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        ArgumentOutOfRangeException.ThrowIfNegative(to);
        ArgumentOutOfRangeException.ThrowIfEqual(Math.Max(from, to), int.MaxValue, nameof(to));
        ArgumentOutOfRangeException.ThrowIfGreaterThan((byte)kind, (byte)EdgeKind.SharedHashtag, nameof(kind));
        var day = InteractionGraph.DayOf(unixSeconds);
        if (Count == _from.Length)
        {
            Grow();
        }

        _from[Count] = from;
        _to[Count] = to;
        _kinds[Count] = kind;
        _days[Count] = day;
        Count++;
        NodeCount = Math.Max(NodeCount, Math.Max(from, to) + 1);
    }

    /// <summary>Builds a snapshot of the added interactions.</summary>
    public InteractionGraph Build() => InteractionGraph.BuildCore(NodeCount, _from.AsSpan(0, Count), _to.AsSpan(0, Count), _kinds.AsSpan(0, Count), _days.AsSpan(0, Count));

    /// <summary>
    /// Builds a snapshot of <paramref name="previous"/>'s edges plus the added interactions (see
    /// <see cref="InteractionGraph.WithEdges"/>); the node count is the larger of the two.
    /// </summary>
    public InteractionGraph BuildOnto(InteractionGraph previous)
    {
        ArgumentNullException.ThrowIfNull(previous);
        return previous.MergeCore(
            Math.Max(NodeCount, previous.NodeCount), _from.AsSpan(0, Count), _to.AsSpan(0, Count), _kinds.AsSpan(0, Count), _days.AsSpan(0, Count));
    }

    /// <summary>Forgets the added interactions and the node count, keeping the buffers.</summary>
    public void Clear()
    {
        Count = 0;
        NodeCount = 0;
    }

    private void Grow()
    {
        var capacity = (int)Math.Min(Array.MaxLength, Math.Max(16, 2L * _from.Length));
        Array.Resize(ref _from, capacity);
        Array.Resize(ref _to, capacity);
        Array.Resize(ref _kinds, capacity);
        Array.Resize(ref _days, capacity);
    }
}
