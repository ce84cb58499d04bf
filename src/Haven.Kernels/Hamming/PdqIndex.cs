using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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
        var chunkBits = _layout.ChunkBits;
        var groupBits = _layout.GroupBits;
        var mask = ChunkMask(chunkBits);
        var radii = _radii.AsSpan(threshold * tables, tables);
        Span<uint> queryKeys = stackalloc uint[PdqIndexLayout.MaxTables];
        for (var i = 0; i < tables; i++)
        {
            queryKeys[i] = Chunk(query, _chunkOffsets[i], mask);
        }

        ref var hashes = ref MemoryMarshal.GetArrayDataReference(_hashes);
        var keyLimit = 1UL << chunkBits;
        for (var table = 0; table < tables; table++)
        {
            int radius = radii[table];
            if (radius < 0)
            {
                continue;
            }

            var directory = _directories[table];
            ref var bits = ref MemoryMarshal.GetArrayDataReference(directory.Bits);
            ref var samples = ref MemoryMarshal.GetArrayDataReference(directory.Samples);
            var packed = _ids[table];
            ref var idBytes = ref MemoryMarshal.GetArrayDataReference(packed.Bytes);
            var idBits = packed.Bits;
            var idMask = packed.Mask;
            var queryKey = queryKeys[table];
            for (var weight = 0; weight <= radius && weight <= chunkBits; weight++)
            {
                var flip = (1UL << weight) - 1;
                while (flip < keyLimit)
                {
                    BucketDirectory.Locate(ref bits, ref samples, groupBits, queryKey ^ (uint)flip, out var start, out var size);
                    for (var p = start; p < start + size; p++)
                    {
                        var entry = (int)PackedIds.Read(ref idBytes, idBits, idMask, p);
                        ref readonly var candidate = ref Unsafe.Add(ref hashes, entry);
                        var distance = PdqHash.Distance(candidate, query);
                        if (distance <= threshold
                            && FirstTableToFind(candidate, queryKeys, radii, mask) == table
                            && WinsOverOtherVariants(candidate, variants, v, distance))
                        {
                            results.Add(new PdqIndexHit(entry, distance, v));
                        }
                    }

                    if (flip == 0)
                    {
                        break;
                    }

                    flip = HammingBall.NextSameWeight(flip);
                }
            }
        }
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
