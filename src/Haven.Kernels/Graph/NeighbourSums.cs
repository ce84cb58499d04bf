using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Haven.Kernels.Graph;

/// <summary>
/// The inner loop of every sweep: a node's sum of a per-node value over its neighbours. Four accumulators, because a
/// single one makes each addition wait for the previous (≈ 4 cycles each, the bound of a sweep otherwise); the random
/// loads then overlap. Neighbour ids come from a snapshot, so they are below its node count and the value arrays
/// (sized to it) are read without bounds checks. Scalar equivalent: <c>Σ values[targets[i]] (× weights[labels[i]])</c>.
/// </summary>
internal static class NeighbourSums
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sum(int[] targets, int start, int end, float[] values)
    {
        ref var value = ref MemoryMarshal.GetArrayDataReference(values);
        ref var target = ref MemoryMarshal.GetArrayDataReference(targets);
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        var i = start;
        for (; i + 4 <= end; i += 4)
        {
            s0 += Unsafe.Add(ref value, Unsafe.Add(ref target, i));
            s1 += Unsafe.Add(ref value, Unsafe.Add(ref target, i + 1));
            s2 += Unsafe.Add(ref value, Unsafe.Add(ref target, i + 2));
            s3 += Unsafe.Add(ref value, Unsafe.Add(ref target, i + 3));
        }

        for (; i < end; i++)
        {
            s0 += Unsafe.Add(ref value, Unsafe.Add(ref target, i));
        }

        return (s0 + s1) + (s2 + s3);
    }

    /// <summary>As <see cref="Sum"/>, each term weighted by its half-edge's label (a 256-entry table).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double WeightedSum(int[] targets, byte[] labels, int start, int end, float[] values, double[] labelWeights)
    {
        ref var value = ref MemoryMarshal.GetArrayDataReference(values);
        ref var target = ref MemoryMarshal.GetArrayDataReference(targets);
        ref var label = ref MemoryMarshal.GetArrayDataReference(labels);
        ref var weight = ref MemoryMarshal.GetArrayDataReference(labelWeights);
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        var i = start;
        for (; i + 4 <= end; i += 4)
        {
            s0 += Unsafe.Add(ref value, Unsafe.Add(ref target, i)) * Unsafe.Add(ref weight, Unsafe.Add(ref label, i));
            s1 += Unsafe.Add(ref value, Unsafe.Add(ref target, i + 1)) * Unsafe.Add(ref weight, Unsafe.Add(ref label, i + 1));
            s2 += Unsafe.Add(ref value, Unsafe.Add(ref target, i + 2)) * Unsafe.Add(ref weight, Unsafe.Add(ref label, i + 2));
            s3 += Unsafe.Add(ref value, Unsafe.Add(ref target, i + 3)) * Unsafe.Add(ref weight, Unsafe.Add(ref label, i + 3));
        }

        for (; i < end; i++)
        {
            s0 += Unsafe.Add(ref value, Unsafe.Add(ref target, i)) * Unsafe.Add(ref weight, Unsafe.Add(ref label, i));
        }

        return (s0 + s1) + (s2 + s3);
    }

    /// <summary>Adds share × weights[labels[i]] to values[targets[i]] for each half-edge of one node (a push).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Spread(int[] targets, byte[] labels, int start, int end, double share, double[] labelWeights, double[] values)
    {
        ref var value = ref MemoryMarshal.GetArrayDataReference(values);
        ref var target = ref MemoryMarshal.GetArrayDataReference(targets);
        ref var label = ref MemoryMarshal.GetArrayDataReference(labels);
        ref var weight = ref MemoryMarshal.GetArrayDataReference(labelWeights);
        for (var i = start; i < end; i++)
        {
            Unsafe.Add(ref value, Unsafe.Add(ref target, i)) += share * Unsafe.Add(ref weight, Unsafe.Add(ref label, i));
        }
    }
}
