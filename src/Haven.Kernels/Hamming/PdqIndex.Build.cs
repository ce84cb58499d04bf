using System.Runtime.CompilerServices;
using Haven.Kernels.Pdq;

namespace Haven.Kernels.Hamming;

public sealed partial class PdqIndex
{
    /// <summary>The bytes-per-entry ceiling (design §5).</summary>
    internal const int MaxBytesPerEntry = 64;

    // Array payloads must leave this much of the ceiling for object headers and the small per-index arrays.
    private const int FixedOverheadBytes = 4096;

    // Below this many entries a popcount scan (≈0.3 ns per entry) beats any table walk.
    private const int MinIndexedCount = 4096;

    // The build keeps one int per bucket; 2^26 of them is 256 MiB, and wider keys never pay off below 2^31 entries.
    private const int MaxChosenChunkBits = 26;

    // Cost model for a lookup on random data, in nanoseconds; only ratios matter. Measured on the 2-core EPYC (Zen 4)
    // bench machine: a probe is a directory walk (L2/L3), a candidate an id read plus a random 32-byte hash read.
    internal const double ProbeCost = 6;
    internal const double CandidateCost = 10;
    internal const double LinearCostPerEntry = 0.4;

    /// <summary>
    /// Builds an index over <paramref name="hashes"/>; entry ids are positions in the span. Choose this off the request
    /// path: it sorts every table (O(N + 2^t) per table, no comparisons) and copies the hashes.
    /// </summary>
    public static PdqIndex Build(ReadOnlySpan<PdqHash> hashes) => Build(hashes, ChooseLayout(hashes.Length));

    /// <summary>
    /// Builds with an explicit layout. Tests use it to exercise the tables on small banks, with
    /// <paramref name="scanWhenCheaper"/> false so that no threshold falls back to the linear scan.
    /// </summary>
    internal static PdqIndex Build(ReadOnlySpan<PdqHash> hashes, PdqIndexLayout layout, bool scanWhenCheaper = true)
    {
        layout.Validate();
        var copy = hashes.ToArray();
        var count = copy.Length;
        if (layout.IsLinear || count == 0)
        {
            return new PdqIndex(copy, PdqIndexLayout.Linear, [], [], [], scanWhenCheaper);
        }

        var tables = layout.Tables;
        var idBits = PackedIds.BitsFor(count);
        var ids = new PackedIds[tables];
        var directories = new BucketDirectory[tables];
        var keys = new uint[count];
        var cursor = new int[1 << layout.ChunkBits];
        var mask = ChunkMask(layout.ChunkBits);
        for (var table = 0; table < tables; table++)
        {
            var offset = layout.ChunkOffset(table);
            Array.Clear(cursor);
            for (var e = 0; e < count; e++)
            {
                var key = Chunk(copy[e], offset, mask);
                keys[e] = key;
                cursor[key]++;
            }

            directories[table] = BucketDirectory.Build(cursor, layout.ChunkBits, layout.GroupBits);

            // Counting sort, stable: ids within a bucket stay ascending.
            var running = 0;
            for (var b = 0; b < cursor.Length; b++)
            {
                var size = cursor[b];
                cursor[b] = running;
                running += size;
            }

            var packed = new PackedIds(count, idBits);
            for (var e = 0; e < count; e++)
            {
                packed.Set(cursor[keys[e]]++, (uint)e);
            }

            ids[table] = packed;
        }

        var offsets = new int[tables];
        for (var table = 0; table < tables; table++)
        {
            offsets[table] = layout.ChunkOffset(table);
        }

        return new PdqIndex(copy, layout, offsets, ids, directories, scanWhenCheaper);
    }

    /// <summary>
    /// Picks tables × chunk width minimising the modelled cost of a threshold-31 lookup on random data, among layouts
    /// that fit <see cref="MaxBytesPerEntry"/>; small banks get a linear scan.
    /// </summary>
    internal static PdqIndexLayout ChooseLayout(int count)
    {
        var best = PdqIndexLayout.Linear;
        if (count < MinIndexedCount)
        {
            return best;
        }

        var bestCost = count * LinearCostPerEntry;
        var budget = ((long)MaxBytesPerEntry * count) - FixedOverheadBytes;
        for (var tables = 1; tables <= PdqIndexLayout.MaxTables; tables++)
        {
            for (var bits = 8; bits <= Math.Min(MaxChosenChunkBits, 256 / tables); bits++)
            {
                // Sparser samples free memory for wider keys; the scan they add stays within one or two words
                // while a group holds about 2^g·(1 + N/2^t) bits ≤ 4 words, which the cost model does not see.
                for (var groupBits = 6; groupBits <= 8; groupBits++)
                {
                    var layout = new PdqIndexLayout(tables, bits, groupBits);
                    var groupWords = (1L << groupBits) * (1 + (count / (double)(1L << bits))) / 64;
                    if (groupWords > 4 || EstimateMemory(count, layout) > budget)
                    {
                        continue;
                    }

                    var cost = EstimateCost(count, layout, DefaultThreshold);
                    if (cost < bestCost)
                    {
                        bestCost = cost;
                        best = layout;
                    }
                }
            }
        }

        return best;
    }

    /// <summary>Managed bytes an index of this layout holds (array payloads; headers are covered by the budget's slack).</summary>
    internal static long EstimateMemory(long count, PdqIndexLayout layout)
    {
        var bytes = count * Unsafe.SizeOf<PdqHash>();
        if (layout.IsLinear)
        {
            return bytes;
        }

        var idBytes = ((count * PackedIds.BitsFor((int)count)) + 7) / 8 + 8;
        var perTable = idBytes + BucketDirectory.MemoryFor(count, layout.ChunkBits, layout.GroupBits);
        return bytes + (layout.Tables * perTable) + (layout.Tables * sizeof(int)) + (64 * layout.Tables);
    }

    /// <summary>Modelled nanoseconds for one lookup at <paramref name="threshold"/> on random data.</summary>
    internal static double EstimateCost(long count, PdqIndexLayout layout, int threshold)
    {
        if (layout.IsLinear)
        {
            return count * LinearCostPerEntry;
        }

        Span<int> radii = stackalloc int[layout.Tables];
        AssignRadii(threshold, radii);
        var perBucket = count / (double)(1L << layout.ChunkBits);
        double cost = 0;
        foreach (var radius in radii)
        {
            var probes = HammingBall.Size(layout.ChunkBits, radius);
            cost += probes * (ProbeCost + (perBucket * CandidateCost));
        }

        return cost;
    }

    /// <summary>
    /// Search radius per table for a threshold r, after Norouzi, Punjani and Fleet, "Fast Exact Search in Hamming
    /// Space with Multi-Index Hashing" (PAMI 2014), §3: with r + 1 = m·s + a, the first a tables get radius s and the
    /// rest s − 1 (−1: table not probed). Σ(radius + 1) = r + 1, so an entry that every probed table misses
    /// differs by at least radius + 1 bits in every chunk, hence by more than r bits in all.
    /// </summary>
    internal static void AssignRadii(int threshold, Span<int> radii)
    {
        var tables = radii.Length;
        var share = (threshold + 1) / tables;
        var extra = (threshold + 1) % tables;
        for (var i = 0; i < tables; i++)
        {
            radii[i] = share - 1 + (i < extra ? 1 : 0);
        }
    }

    internal static uint ChunkMask(int bits) => bits >= 32 ? uint.MaxValue : (1u << bits) - 1;

    /// <summary>Bits [offset, offset + width) of the hash, bit k of the hash being bit k%64 of word k/64 (pdq.md §3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint Chunk(in PdqHash hash, int offset, uint mask)
    {
        ref var words = ref Unsafe.AsRef(in hash.W0);
        var word = offset >> 6;
        var shift = offset & 63;
        var value = Unsafe.Add(ref words, word) >> shift;
        if (shift != 0 && word < 3)
        {
            value |= Unsafe.Add(ref words, word + 1) << (64 - shift);
        }

        return (uint)value & mask;
    }
}
