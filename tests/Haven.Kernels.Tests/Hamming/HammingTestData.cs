using Haven.Kernels.Hamming;
using Haven.Kernels.Pdq;

namespace Haven.Kernels.Tests.Hamming;

/// <summary>Seeded random hashes, banks with planted neighbours, and the set comparison the index tests share.</summary>
internal static class HammingTestData
{
    public static PdqHash RandomHash(Random random)
    {
        Span<byte> bytes = stackalloc byte[PdqHash.ByteLength];
        random.NextBytes(bytes);
        return PdqHash.ReadFrom(bytes);
    }

    /// <summary>A hash exactly <paramref name="distance"/> bits away from <paramref name="hash"/> (distinct bit positions).</summary>
    public static PdqHash Flip(PdqHash hash, int distance, Random random)
    {
        Span<ulong> w = [hash.W0, hash.W1, hash.W2, hash.W3];
        Span<bool> flipped = stackalloc bool[256];
        for (var done = 0; done < distance;)
        {
            var bit = random.Next(256);
            if (flipped[bit])
            {
                continue;
            }

            flipped[bit] = true;
            w[bit >> 6] ^= 1UL << (bit & 63);
            done++;
        }

        return new PdqHash(w[0], w[1], w[2], w[3]);
    }

    public static PdqHash[] RandomBank(int count, Random random)
    {
        var bank = new PdqHash[count];
        for (var i = 0; i < bank.Length; i++)
        {
            bank[i] = RandomHash(random);
        }

        return bank;
    }

    /// <summary>
    /// Overwrites random positions of <paramref name="bank"/> with neighbours of <paramref name="center"/> at every
    /// distance 0..maxDistance, each distance twice over (two different neighbours) and once more as an exact duplicate
    /// of the first, so duplicates must all come back. Returns how many positions it wrote.
    /// </summary>
    public static int PlantNeighbours(PdqHash[] bank, PdqHash center, int maxDistance, Random random)
    {
        var written = 0;
        for (var d = 0; d <= maxDistance && written + 3 <= bank.Length; d++)
        {
            var first = Flip(center, d, random);
            bank[random.Next(bank.Length)] = first;
            bank[random.Next(bank.Length)] = Flip(center, d, random);
            bank[random.Next(bank.Length)] = first;
            written += 3;
        }

        return written;
    }

    /// <summary>A bank derived from a few base hashes by 0..maxFlips bit flips: huge buckets in every table.</summary>
    public static PdqHash[] ClusteredBank(int count, int bases, int maxFlips, Random random, out PdqHash[] baseHashes)
    {
        baseHashes = RandomBank(bases, random);
        var bank = new PdqHash[count];
        for (var i = 0; i < bank.Length; i++)
        {
            bank[i] = Flip(baseHashes[random.Next(bases)], random.Next(maxFlips + 1), random);
        }

        return bank;
    }

    /// <summary>
    /// Asserts the index's hits equal the linear scan's as a set of (entry, distance), each entry once, variant 0.
    /// Returns the number of hits so callers can check a test found something.
    /// </summary>
    public static int AssertSameAsScan(PdqIndex index, PdqHash[] bank, PdqHash query, int threshold)
    {
        var expected = new List<PdqIndexHit>();
        PdqLinearScan.Search(bank, query, threshold, expected);
        var actual = new List<PdqIndexHit>();
        index.Search(query, threshold, actual);
        AssertSameSet(expected, actual, $"threshold {threshold}, query {query}");
        return expected.Count;
    }

    public static void AssertSameSet(List<PdqIndexHit> expected, List<PdqIndexHit> actual, string context)
    {
        var actualSorted = actual.OrderBy(h => h.Entry).ToList();
        var distinct = actualSorted.Select(h => h.Entry).Distinct().Count();
        Assert.True(distinct == actual.Count, $"duplicate entries in index results ({context})");
        var expectedSorted = expected.OrderBy(h => h.Entry).ToList();
        if (!expectedSorted.SequenceEqual(actualSorted))
        {
            var missing = expectedSorted.Except(actualSorted).Take(5);
            var extra = actualSorted.Except(expectedSorted).Take(5);
            Assert.Fail($"index differs from scan ({context}): {expected.Count} expected, {actual.Count} found; " +
                $"missing [{string.Join(", ", missing)}], extra [{string.Join(", ", extra)}]");
        }
    }
}
