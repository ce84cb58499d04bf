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

    // Wider keys never pay off below 2^31 entries: their directories alone would exceed the budget.
    private const int MaxChosenChunkBits = 26;

    // Cost model for a lookup on random data, in nanoseconds; only ratios matter. Measured on the 2-core EPYC (Zen 4)
    // bench machine: a probe is a directory walk (L2/L3), a candidate an id read plus a random 32-byte hash read.
    internal const double ProbeCost = 6;
    internal const double CandidateCost = 10;
    internal const double LinearCostPerEntry = 0.4;

    /// <summary>
    /// Builds an index over <paramref name="hashes"/>; entry ids are positions in the span. Choose this off the request
    /// path: it copies the hashes and radix-sorts one table per chunk (a few sequential passes each, no comparisons).
    /// </summary>
    public static PdqIndex Build(ReadOnlySpan<PdqHash> hashes) => Build(hashes, ChooseLayout(hashes.Length));

    /// <summary>
    /// Builds an index over the first <paramref name="count"/> of <paramref name="hashes"/> and keeps that array as its
    /// own instead of copying it (when <paramref name="count"/> is its length), so a caller that filled an array for
    /// the purpose does not hold two copies at once. The caller must not write to the array afterwards.
    /// </summary>
    public static PdqIndex BuildOwned(PdqHash[] hashes, int count)
    {
        ArgumentNullException.ThrowIfNull(hashes);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, hashes.Length);
        if (count < hashes.Length)
        {
            Array.Resize(ref hashes, count);
        }

        return BuildOwned(hashes, ChooseLayout(count), scanWhenCheaper: true);
    }

    /// <summary>
    /// Builds with an explicit layout. Tests use it to exercise the tables on small banks, with
    /// <paramref name="scanWhenCheaper"/> false so that no threshold falls back to the linear scan.
    /// </summary>
    internal static PdqIndex Build(ReadOnlySpan<PdqHash> hashes, PdqIndexLayout layout, bool scanWhenCheaper = true) =>
        BuildOwned(hashes.ToArray(), layout, scanWhenCheaper);

    private static PdqIndex BuildOwned(PdqHash[] copy, PdqIndexLayout layout, bool scanWhenCheaper)
    {
        layout.Validate();
        var count = copy.Length;
        if (layout.IsLinear || count == 0)
        {
            return new PdqIndex(copy, PdqIndexLayout.Linear, [], [], [], scanWhenCheaper);
        }

        var tables = layout.Tables;
        var idBits = PackedIds.BitsFor(count);
        var ids = new PackedIds[tables];
        var directories = new BucketDirectory[tables];

        // (key << 32 | id) per entry, sorted by key; 16 bytes per entry of scratch while building.
        var entries = new ulong[count];
        var spare = new ulong[count];
        var mask = ChunkMask(layout.ChunkBits);
        for (var table = 0; table < tables; table++)
        {
            var offset = layout.ChunkOffset(table);
            for (var e = 0; e < count; e++)
            {
                entries[e] = ((ulong)Chunk(copy[e], offset, mask) << 32) | (uint)e;
            }

            var sorted = RadixSortByKey(entries, spare, layout.ChunkBits);
            directories[table] = BucketDirectory.Build(sorted, layout.ChunkBits, layout.GroupBits);
            var packed = new PackedIds(count, idBits);
            for (var p = 0; p < sorted.Length; p++)
            {
                packed.Set(p, (uint)sorted[p]);
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
    /// LSD radix sort of (key &lt;&lt; 32 | id) by the key's low <paramref name="keyBits"/> bits, in passes of at most
    /// 9 bits so that each pass scatters into at most 512 streams (few cache and TLB misses, unlike a counting sort
    /// over 2^t buckets). Stable, so ids stay ascending within a key. Returns whichever buffer holds the result.
    /// </summary>
    internal static ulong[] RadixSortByKey(ulong[] entries, ulong[] spare, int keyBits)
    {
        var passes = Math.Max(1, (keyBits + 8) / 9);
        var digitBits = (keyBits + passes - 1) / passes;
        var radix = 1 << digitBits;
        var counts = new int[passes * radix];
        foreach (var entry in entries)
        {
            var key = (uint)(entry >> 32);
            for (var pass = 0; pass < passes; pass++)
            {
                counts[(pass * radix) + (int)((key >> (pass * digitBits)) & (uint)(radix - 1))]++;
            }
        }

        var source = entries;
        var target = spare;
        for (var pass = 0; pass < passes; pass++)
        {
            var slice = counts.AsSpan(pass * radix, radix);
            if (slice.Contains(entries.Length))
            {
                continue; // Every key has the same digit: the pass would copy the order unchanged.
            }

            var running = 0;
            for (var d = 0; d < radix; d++)
            {
                var size = slice[d];
                slice[d] = running;
                running += size;
            }

            var shift = 32 + (pass * digitBits);
            foreach (var entry in source)
            {
                target[slice[(int)((entry >> shift) & (ulong)(radix - 1))]++] = entry;
            }

            (source, target) = (target, source);
        }

        return source;
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
