using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using Haven.Kernels.Pdq;

namespace Haven.Kernels.Hamming;

/// <summary>
/// Exact PDQ near-neighbour index: every entry within the threshold is returned, none is missed (multi-index
/// hashing over disjoint chunks; see <see cref="AssignRadii"/>). Immutable once built, so any number of threads may
/// search it at once without locks; rebuild and swap the reference when the banks change.
/// </summary>
public sealed partial class PdqIndex
{
    /// <summary>The confident-match threshold of the PDQ reference (pdq.md §4).</summary>
    public const int DefaultThreshold = 31;

    /// <summary>Largest threshold a query may ask for.</summary>
    public const int MaxThreshold = 63;

    /// <summary>Most query variants a dihedral search takes (the 8 rotations and flips of one image).</summary>
    public const int MaxVariants = 8;

    private readonly PdqHash[] _hashes;
    private readonly PdqIndexLayout _layout;
    private readonly int[] _chunkOffsets;
    private readonly PackedIds[] _ids;
    private readonly BucketDirectory[] _directories;

    // Per threshold: the radius of each table (row-major, MaxThreshold + 1 rows) and whether a scan is cheaper.
    private readonly sbyte[] _radii;
    private readonly bool[] _scanInstead;

    [ThreadStatic]
    private static SearchScratch? _scratch;

    private PdqIndex(PdqHash[] hashes, PdqIndexLayout layout, int[] chunkOffsets, PackedIds[] ids, BucketDirectory[] directories, bool scanWhenCheaper)
    {
        _hashes = hashes;
        _layout = layout;
        _chunkOffsets = chunkOffsets;
        _ids = ids;
        _directories = directories;
        _radii = new sbyte[(MaxThreshold + 1) * layout.Tables];
        _scanInstead = new bool[MaxThreshold + 1];
        Span<int> radii = stackalloc int[layout.Tables];
        for (var threshold = 0; threshold <= MaxThreshold; threshold++)
        {
            if (layout.IsLinear)
            {
                _scanInstead[threshold] = true;
                continue;
            }

            AssignRadii(threshold, radii);
            for (var i = 0; i < radii.Length; i++)
            {
                _radii[(threshold * layout.Tables) + i] = (sbyte)radii[i];
            }

            _scanInstead[threshold] = scanWhenCheaper && EstimateCost(hashes.Length, layout, threshold) > hashes.Length * LinearCostPerEntry;
        }

        long bytes = (long)hashes.Length * Unsafe.SizeOf<PdqHash>();
        foreach (var table in ids)
        {
            bytes += table.MemoryBytes;
        }

        foreach (var directory in directories)
        {
            bytes += directory.MemoryBytes;
        }

        MemoryBytes = bytes + _radii.Length + _scanInstead.Length + (chunkOffsets.Length * sizeof(int));
    }

    /// <summary>An index of no entries.</summary>
    public static PdqIndex Empty { get; } = Build([]);

    /// <summary>Number of entries.</summary>
    public int Count => _hashes.Length;

    /// <summary>Managed bytes held by the index's arrays (hashes, id tables, bucket directories).</summary>
    public long MemoryBytes { get; }

    /// <summary>Tables × chunk width, for benchmarks and the ADR.</summary>
    internal PdqIndexLayout Layout => _layout;

    /// <summary>True when a search at <paramref name="threshold"/> scans every hash instead of walking the tables.</summary>
    internal bool ScansAt(int threshold) => _scanInstead[threshold];

    /// <summary>The indexed hash of entry <paramref name="entry"/>.</summary>
    public PdqHash this[int entry] => _hashes[entry];

    /// <summary>Appends every entry within <see cref="DefaultThreshold"/> of <paramref name="query"/>; see <see cref="Search(in PdqHash, int, List{PdqIndexHit})"/>.</summary>
    public void Search(in PdqHash query, List<PdqIndexHit> results) => Search(query, DefaultThreshold, results);

    /// <summary>
    /// Appends to <paramref name="results"/> every entry whose distance to <paramref name="query"/> is at most
    /// <paramref name="threshold"/>, each once, as variant 0, in no particular order.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">threshold is outside 0..<see cref="MaxThreshold"/>.</exception>
    public void Search(in PdqHash query, int threshold, List<PdqIndexHit> results)
    {
        ValidateThreshold(threshold);
        ArgumentNullException.ThrowIfNull(results);
        var variants = MemoryMarshal.CreateReadOnlySpan(in query, 1);
        SearchVariant(variants, 0, threshold, results);
    }

    /// <summary>
    /// Searches with up to 8 variants of one image (the dihedral hashes; index 0 is the image as given) and appends one
    /// hit per entry within <paramref name="threshold"/> of any variant: the smallest distance, ties going to the lowest
    /// variant index, in no particular order.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">threshold is outside 0..<see cref="MaxThreshold"/>.</exception>
    /// <exception cref="ArgumentException">variants does not hold 1 to 8 hashes.</exception>
    public void SearchDihedral(ReadOnlySpan<PdqHash> variants, int threshold, List<PdqIndexHit> results)
    {
        ValidateThreshold(threshold);
        ValidateVariants(variants);
        ArgumentNullException.ThrowIfNull(results);
        for (var v = 0; v < variants.Length; v++)
        {
            SearchVariant(variants, v, threshold, results);
        }
    }

    internal static void ValidateThreshold(int threshold) =>
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)threshold, (uint)MaxThreshold, nameof(threshold));

    internal static void ValidateVariants(ReadOnlySpan<PdqHash> variants)
    {
        if (variants.Length is < 1 or > MaxVariants)
        {
            throw new ArgumentException("A dihedral query has 1 to 8 variants.", nameof(variants));
        }
    }

    /// <summary>
    /// Reports the entries within the threshold of variants[v] that variant v wins (see <see cref="WinsOverOtherVariants"/>),
    /// so that searching every variant reports each entry once.
    /// </summary>
    private void SearchVariant(ReadOnlySpan<PdqHash> variants, int v, int threshold, List<PdqIndexHit> results)
    {
        ref readonly var query = ref variants[v];
        if (_scanInstead[threshold])
        {
            ScanVariant(variants, v, threshold, results);
            return;
        }

        var tables = _layout.Tables;
        var mask = ChunkMask(_layout.ChunkBits);
        var radii = _radii.AsSpan(threshold * tables, tables);
        Span<uint> queryKeys = stackalloc uint[PdqIndexLayout.MaxTables];
        for (var i = 0; i < tables; i++)
        {
            queryKeys[i] = Chunk(query, _chunkOffsets[i], mask);
        }

        var scratch = _scratch ??= new SearchScratch();
        var context = new ProbeContext(variants, v, threshold, queryKeys, radii, results);
        var keyLimit = 1UL << _layout.ChunkBits;
        for (var table = 0; table < tables; table++)
        {
            int radius = radii[table];
            var queryKey = queryKeys[table];
            var pending = 0;
            for (var weight = 0; weight <= radius && weight <= _layout.ChunkBits; weight++)
            {
                var flip = (1UL << weight) - 1;
                while (flip < keyLimit)
                {
                    scratch.Keys[pending++] = queryKey ^ (uint)flip;
                    if (pending == SearchScratch.BlockSize)
                    {
                        ProbeBlock(table, scratch, pending, ref context);
                        pending = 0;
                    }

                    if (flip == 0)
                    {
                        break;
                    }

                    flip = HammingBall.NextSameWeight(flip);
                }
            }

            if (pending > 0)
            {
                ProbeBlock(table, scratch, pending, ref context);
            }
        }
    }

    /// <summary>
    /// Looks up a block of probe keys of one table and verifies what they hold. The work is split into passes whose
    /// iterations are independent (bucket samples, bucket bounds, ids, hashes) so that the core keeps many cache misses
    /// in flight; done key by key, each probe is a chain of three dependent misses and the lookup runs ~10× slower.
    /// </summary>
    private unsafe void ProbeBlock(int table, SearchScratch scratch, int count, ref ProbeContext context)
    {
        var directory = _directories[table];
        var groupBits = directory.GroupBits;
        var groupMask = (1u << groupBits) - 1;
        var packed = _ids[table];
        var idBits = packed.Bits;
        var idMask = packed.Mask;
        var keys = scratch.Keys;
        var positions = scratch.Positions;
        var rangeStarts = scratch.RangeStarts;
        var rangeSizes = scratch.RangeSizes;
        var candidates = scratch.Candidates;
        fixed (ulong* bits = directory.Bits)
        fixed (uint* samples = directory.Samples)
        fixed (byte* idBytes = packed.Bytes)
        fixed (PdqHash* hashes = _hashes)
        {
            // Pass 0 fetches the samples so that pass 1's loads of them rarely wait.
            for (var i = 0; i < count; i++)
            {
                Prefetch(samples + (keys[i] >> groupBits));
            }

            // Pass 1: the sampled start of each key's group; then fetch the bit-vector word it points at.
            for (var i = 0; i < count; i++)
            {
                var group = keys[i] >> groupBits;
                var position = samples[group] + ((long)group << groupBits);
                positions[i] = position;
                Prefetch(bits + (position >> 6));
            }

            // Pass 2: bucket bounds; keep the non-empty ones and fetch their first ids.
            var ranges = 0;
            for (var i = 0; i < count; i++)
            {
                var key = keys[i];
                BucketDirectory.LocateFrom(ref *bits, positions[i], key, (int)(key & groupMask), out var start, out var size);
                if (size > 0)
                {
                    rangeStarts[ranges] = start;
                    rangeSizes[ranges] = size;
                    ranges++;
                    Prefetch(idBytes + ((start * idBits) >> 3));
                }
            }

            // Pass 3: ids to candidates, fetching each candidate's hash; pass 4 verifies a full buffer at a time.
            var pending = 0;
            for (var r = 0; r < ranges; r++)
            {
                var end = rangeStarts[r] + rangeSizes[r];
                for (var p = rangeStarts[r]; p < end; p++)
                {
                    var entry = (int)PackedIds.Read(ref *idBytes, idBits, idMask, p);
                    candidates[pending++] = entry;
                    Prefetch(hashes + entry);
                    if (pending == candidates.Length)
                    {
                        Verify(table, hashes, candidates, pending, ref context);
                        pending = 0;
                    }
                }
            }

            Verify(table, hashes, candidates, pending, ref context);
        }
    }

    private unsafe void Verify(int table, PdqHash* hashes, int[] candidates, int count, ref ProbeContext context)
    {
        ref readonly var query = ref context.Variants[context.Variant];
        for (var i = 0; i < count; i++)
        {
            var entry = candidates[i];
            ref readonly var candidate = ref hashes[entry];
            var distance = PdqHash.Distance(candidate, query);
            if (distance <= context.Threshold
                && FirstTableToFind(candidate, context.QueryKeys, context.Radii, ChunkMask(_layout.ChunkBits)) == table
                && WinsOverOtherVariants(candidate, context.Variants, context.Variant, distance))
            {
                context.Results.Add(new PdqIndexHit(entry, distance, context.Variant));
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Prefetch(void* address)
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0(address);
        }
    }

    /// <summary>What one variant's search carries through its blocks.</summary>
    private readonly ref struct ProbeContext(
        ReadOnlySpan<PdqHash> variants, int variant, int threshold, ReadOnlySpan<uint> queryKeys, ReadOnlySpan<sbyte> radii, List<PdqIndexHit> results)
    {
        public readonly ReadOnlySpan<PdqHash> Variants = variants;
        public readonly int Variant = variant;
        public readonly int Threshold = threshold;
        public readonly ReadOnlySpan<uint> QueryKeys = queryKeys;
        public readonly ReadOnlySpan<sbyte> Radii = radii;
        public readonly List<PdqIndexHit> Results = results;
    }

    /// <summary>Per-thread buffers for the block passes: the index itself stays immutable and shareable.</summary>
    private sealed class SearchScratch
    {
        public const int BlockSize = 256;

        public uint[] Keys { get; } = new uint[BlockSize];

        public long[] Positions { get; } = new long[BlockSize];

        public long[] RangeStarts { get; } = new long[BlockSize];

        public long[] RangeSizes { get; } = new long[BlockSize];

        public int[] Candidates { get; } = new int[1024];
    }

    /// <summary>
    /// The lowest table whose probe ball holds the candidate's chunk: the candidate is reported only when found through
    /// that table, which dedupes without a hash set.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int FirstTableToFind(in PdqHash candidate, ReadOnlySpan<uint> queryKeys, ReadOnlySpan<sbyte> radii, uint mask)
    {
        for (var j = 0; j < radii.Length; j++)
        {
            if (radii[j] >= 0 && BitOperations.PopCount(Chunk(candidate, _chunkOffsets[j], mask) ^ queryKeys[j]) <= radii[j])
            {
                return j;
            }
        }

        return -1;
    }

    /// <summary>True when no other variant is closer, nor equally close with a lower index.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool WinsOverOtherVariants(in PdqHash candidate, ReadOnlySpan<PdqHash> variants, int v, int distance)
    {
        for (var u = 0; u < variants.Length; u++)
        {
            if (u == v)
            {
                continue;
            }

            var other = PdqHash.Distance(candidate, variants[u]);
            if (other < distance || (other == distance && u < v))
            {
                return false;
            }
        }

        return true;
    }

    private void ScanVariant(ReadOnlySpan<PdqHash> variants, int v, int threshold, List<PdqIndexHit> results)
    {
        if (variants.Length == 1)
        {
            PdqLinearScan.SearchRange(_hashes, 0, variants[0], threshold, 0, results);
            return;
        }

        var before = results.Count;
        PdqLinearScan.SearchRange(_hashes, 0, variants[v], threshold, v, results);

        // Keep only the hits variant v wins, compacting in place.
        var kept = before;
        for (var i = before; i < results.Count; i++)
        {
            var hit = results[i];
            if (WinsOverOtherVariants(_hashes[hit.Entry], variants, v, hit.Distance))
            {
                results[kept++] = hit;
            }
        }

        results.RemoveRange(kept, results.Count - kept);
    }
}
