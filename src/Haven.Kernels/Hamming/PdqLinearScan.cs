using Haven.Kernels.Pdq;

namespace Haven.Kernels.Hamming;

/// <summary>
/// Brute-force PDQ search: the oracle the index is tested against and the baseline it is benchmarked beside.
/// It is the plain loop on purpose: POPCNT over four words per hash, nothing the index could share a bug with.
/// </summary>
public static class PdqLinearScan
{
    /// <summary>Appends every entry of <paramref name="bank"/> within <paramref name="threshold"/> of <paramref name="query"/>, in entry order, as variant 0.</summary>
    /// <exception cref="ArgumentOutOfRangeException">threshold is outside 0..<see cref="PdqIndex.MaxThreshold"/>.</exception>
    public static void Search(ReadOnlySpan<PdqHash> bank, in PdqHash query, int threshold, List<PdqIndexHit> results)
    {
        PdqIndex.ValidateThreshold(threshold);
        ArgumentNullException.ThrowIfNull(results);
        SearchRange(bank, 0, query, threshold, 0, results);
    }

    /// <summary>
    /// Brute-force dihedral search: one hit per entry within the threshold of any variant, with the smallest distance
    /// and, on ties, the lowest variant index. Hits come in entry order.
    /// </summary>
    /// <exception cref="ArgumentException">variants does not hold 1 to 8 hashes.</exception>
    public static void SearchDihedral(ReadOnlySpan<PdqHash> bank, ReadOnlySpan<PdqHash> variants, int threshold, List<PdqIndexHit> results)
    {
        PdqIndex.ValidateThreshold(threshold);
        PdqIndex.ValidateVariants(variants);
        ArgumentNullException.ThrowIfNull(results);
        for (var i = 0; i < bank.Length; i++)
        {
            var best = int.MaxValue;
            var bestVariant = -1;
            for (var v = 0; v < variants.Length; v++)
            {
                var distance = PdqHash.Distance(bank[i], variants[v]);
                if (distance < best)
                {
                    best = distance;
                    bestVariant = v;
                }
            }

            if (best <= threshold)
            {
                results.Add(new PdqIndexHit(i, best, bestVariant));
            }
        }
    }

    /// <summary>Scans <paramref name="bank"/>, reporting entry <c>firstEntry + i</c> for element i.</summary>
    internal static void SearchRange(ReadOnlySpan<PdqHash> bank, int firstEntry, in PdqHash query, int threshold, int variant, List<PdqIndexHit> results)
    {
        for (var i = 0; i < bank.Length; i++)
        {
            var distance = PdqHash.Distance(bank[i], query);
            if (distance <= threshold)
            {
                results.Add(new PdqIndexHit(firstEntry + i, distance, variant));
            }
        }
    }
}
