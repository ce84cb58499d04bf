using System.Buffers;

namespace Haven.Kernels.Graph;

public sealed partial class InteractionGraph
{
    /// <summary>
    /// Builds a snapshot from interactions given as parallel spans (edge i is from[i] —kinds[i]→ to[i] at
    /// unixSeconds[i]). Two passes, no per-edge allocation: a counting pass sizes each node's run of half-edges, a
    /// scatter pass fills it, then each node's run is sorted and its parallel edges merged.
    /// </summary>
    /// <param name="nodeCount">Number of nodes; every id must be below it.</param>
    /// <exception cref="ArgumentException">The spans differ in length, or an id, kind or timestamp is out of range.</exception>
    public static InteractionGraph Build(
        int nodeCount, ReadOnlySpan<int> from, ReadOnlySpan<int> to, ReadOnlySpan<EdgeKind> kinds, ReadOnlySpan<long> unixSeconds) =>
        BuildOrMerge(previous: null, nodeCount, from, to, kinds, unixSeconds);

    /// <summary>
    /// A new snapshot holding this one's edges and the given new interactions, over <paramref name="nodeCount"/> nodes
    /// (at least <see cref="NodeCount"/>: nodes are never removed). Sorts only the batch, then merges it with the
    /// already-sorted runs of this snapshot in one linear pass; the result equals a build from scratch of all the
    /// interactions. This snapshot is left unchanged.
    /// </summary>
    /// <exception cref="ArgumentException">As for <see cref="Build"/>, or nodeCount is below <see cref="NodeCount"/>.</exception>
    public InteractionGraph WithEdges(
        int nodeCount, ReadOnlySpan<int> from, ReadOnlySpan<int> to, ReadOnlySpan<EdgeKind> kinds, ReadOnlySpan<long> unixSeconds) =>
        BuildOrMerge(this, nodeCount, from, to, kinds, unixSeconds);

    private static InteractionGraph BuildOrMerge(
        InteractionGraph? previous, int nodeCount, ReadOnlySpan<int> from, ReadOnlySpan<int> to, ReadOnlySpan<EdgeKind> kinds, ReadOnlySpan<long> unixSeconds)
    {
        var rented = ArrayPool<ushort>.Shared.Rent(unixSeconds.Length);
        try
        {
            var days = rented.AsSpan(0, unixSeconds.Length);
            for (var i = 0; i < unixSeconds.Length; i++)
            {
                days[i] = DayOf(unixSeconds[i]);
            }

            return previous is null ? BuildCore(nodeCount, from, to, kinds, days) : previous.MergeCore(nodeCount, from, to, kinds, days);
        }
        finally
        {
            ArrayPool<ushort>.Shared.Return(rented);
        }
    }

    internal static InteractionGraph BuildCore(int nodeCount, ReadOnlySpan<int> from, ReadOnlySpan<int> to, ReadOnlySpan<EdgeKind> kinds, ReadOnlySpan<ushort> days)
    {
        var batch = SortedHalfEdges.Create(nodeCount, from, to, kinds, days);
        var offsets = new int[nodeCount + 1];
        for (var v = 0; v < nodeCount; v++)
        {
            offsets[v + 1] = offsets[v] + batch.Counts[v];
        }

        var total = offsets[nodeCount];
        var targets = new int[total];
        var labels = new byte[total];
        var stored = new ushort[total];
        for (var v = 0; v < nodeCount; v++)
        {
            var source = batch.Keys.AsSpan(batch.Starts[v], batch.Counts[v]);
            var target = offsets[v];
            foreach (var key in source)
            {
                targets[target] = HalfEdgeLabel.Neighbour(key);
                labels[target] = HalfEdgeLabel.Label(key);
                stored[target] = HalfEdgeLabel.Day(key);
                target++;
            }
        }

        return new InteractionGraph(offsets, targets, labels, stored);
    }

    internal InteractionGraph MergeCore(int nodeCount, ReadOnlySpan<int> from, ReadOnlySpan<int> to, ReadOnlySpan<EdgeKind> kinds, ReadOnlySpan<ushort> days)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nodeCount, NodeCount);
        var batch = SortedHalfEdges.Create(nodeCount, from, to, kinds, days);

        // Pass 1 sizes each node's merged run; pass 2 writes it. Reading twice is cheaper than writing an
        // over-allocated copy and trimming it, and keeps the snapshot's arrays exact.
        var offsets = new int[nodeCount + 1];
        long total = 0;
        for (var v = 0; v < nodeCount; v++)
        {
            total += MergeNode(v, batch, default, write: false);
            if (total > Array.MaxLength)
            {
                throw new ArgumentException("The graph would exceed the half-edge limit of one array.", nameof(from));
            }

            offsets[v + 1] = (int)total;
        }

        var merged = new InteractionGraph(offsets, new int[total], new byte[total], new ushort[total]);
        for (var v = 0; v < nodeCount; v++)
        {
            MergeNode(v, batch, merged, write: true);
        }

        return merged;
    }

    /// <summary>Merges node v's run in this snapshot with its run in the batch, both sorted by (neighbour, kind).</summary>
    private int MergeNode(int v, in SortedHalfEdges batch, InteractionGraph? into, bool write)
    {
        var (start, end) = v < NodeCount ? (_offsets[v], _offsets[v + 1]) : (0, 0);
        var keys = batch.Keys.AsSpan(batch.Starts[v], batch.Counts[v]);
        var at = write ? into!._offsets[v] : 0;
        var count = 0;
        var i = start;
        var j = 0;
        while (i < end || j < keys.Length)
        {
            int neighbour;
            byte label;
            ushort day;
            var oldGroup = i < end ? HalfEdgeLabel.Group(_targets[i], _labels[i]) : ulong.MaxValue;
            var newGroup = j < keys.Length ? HalfEdgeLabel.Group(keys[j]) : ulong.MaxValue;
            if (oldGroup < newGroup)
            {
                (neighbour, label, day) = (_targets[i], _labels[i], _days[i]);
                i++;
            }
            else if (newGroup < oldGroup)
            {
                (neighbour, label, day) = (HalfEdgeLabel.Neighbour(keys[j]), HalfEdgeLabel.Label(keys[j]), HalfEdgeLabel.Day(keys[j]));
                j++;
            }
            else
            {
                neighbour = _targets[i];
                label = HalfEdgeLabel.Merge(_labels[i], HalfEdgeLabel.Label(keys[j]));
                day = Math.Max(_days[i], HalfEdgeLabel.Day(keys[j]));
                i++;
                j++;
            }

            if (write)
            {
                into!._targets[at + count] = neighbour;
                into._labels[at + count] = label;
                into._days[at + count] = day;
            }

            count++;
        }

        return count;
    }

    /// <summary>
    /// A batch of interactions as half-edge sort keys, grouped by owner (counting sort), each owner's run sorted and
    /// its parallel edges merged in place: node v's run is Keys[Starts[v] .. Starts[v] + Counts[v]].
    /// </summary>
    private readonly struct SortedHalfEdges
    {
        public readonly int[] Starts;
        public readonly int[] Counts;
        public readonly ulong[] Keys;

        private SortedHalfEdges(int[] starts, int[] counts, ulong[] keys)
        {
            Starts = starts;
            Counts = counts;
            Keys = keys;
        }

        public static SortedHalfEdges Create(int nodeCount, ReadOnlySpan<int> from, ReadOnlySpan<int> to, ReadOnlySpan<EdgeKind> kinds, ReadOnlySpan<ushort> days)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(nodeCount);
            if (to.Length != from.Length || kinds.Length != from.Length || days.Length != from.Length)
            {
                throw new ArgumentException("from, to, kinds and timestamps must have one entry per interaction.", nameof(to));
            }

            // Pass 1: half-edges per owner (self-loops are dropped), then exclusive prefix sums.
            var starts = new int[nodeCount + 1];
            long total = 0;
            for (var e = 0; e < from.Length; e++)
            {
                int f = from[e], t = to[e];
                if ((uint)f >= (uint)nodeCount || (uint)t >= (uint)nodeCount)
                {
                    throw new ArgumentOutOfRangeException(nameof(from), $"Interaction {e} names a node outside 0..{nodeCount - 1}.");
                }

                if ((byte)kinds[e] > (byte)EdgeKind.SharedHashtag)
                {
                    throw new ArgumentOutOfRangeException(nameof(kinds), $"Interaction {e} has an unknown kind {kinds[e]}.");
                }

                if (f != t)
                {
                    starts[f]++;
                    starts[t]++;
                    total += 2;
                }
            }

            if (total > Array.MaxLength)
            {
                throw new ArgumentException("The batch exceeds the half-edge limit of one array.", nameof(from));
            }

            var running = 0;
            for (var v = 0; v <= nodeCount; v++)
            {
                var size = starts[v];
                starts[v] = running;
                running += size;
            }

            // Pass 2: scatter both half-edges of every interaction; Counts serves as the fill cursor.
            var keys = new ulong[total];
            var cursor = new int[nodeCount];
            Array.Copy(starts, cursor, nodeCount);
            for (var e = 0; e < from.Length; e++)
            {
                int f = from[e], t = to[e];
                if (f == t)
                {
                    continue;
                }

                var kind = kinds[e];
                keys[cursor[f]++] = HalfEdgeLabel.Key(t, HalfEdgeLabel.Single(kind, outgoing: true), days[e]);
                keys[cursor[t]++] = HalfEdgeLabel.Key(f, HalfEdgeLabel.Single(kind, outgoing: false), days[e]);
            }

            // Per owner: sort, then merge runs of one (neighbour, kind) in place.
            for (var v = 0; v < nodeCount; v++)
            {
                var run = keys.AsSpan(starts[v], starts[v + 1] - starts[v]);
                cursor[v] = run.Length <= 1 ? run.Length : SortAndMerge(run);
            }

            return new SortedHalfEdges(starts, cursor, keys);
        }

        private static int SortAndMerge(Span<ulong> run)
        {
            run.Sort();
            var kept = 1;
            for (var i = 1; i < run.Length; i++)
            {
                var key = run[i];
                ref var last = ref run[kept - 1];
                if (HalfEdgeLabel.Group(key) == HalfEdgeLabel.Group(last))
                {
                    var label = HalfEdgeLabel.Merge(HalfEdgeLabel.Label(last), HalfEdgeLabel.Label(key));
                    last = HalfEdgeLabel.Key(HalfEdgeLabel.Neighbour(key), label, Math.Max(HalfEdgeLabel.Day(last), HalfEdgeLabel.Day(key)));
                }
                else
                {
                    run[kept++] = key;
                }
            }

            return kept;
        }
    }
}
