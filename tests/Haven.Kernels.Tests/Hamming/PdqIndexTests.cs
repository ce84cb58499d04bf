using Haven.Kernels.Hamming;
using Haven.Kernels.Pdq;
using static Haven.Kernels.Tests.Hamming.HammingTestData;

namespace Haven.Kernels.Tests.Hamming;

public sealed class PdqIndexTests
{
    private static readonly int[] Thresholds = [0, 1, 10, 31, 52, 63];

    /// <summary>Layouts that put the tables under stress on small banks: many narrow chunks, few wide ones, one table, odd widths.</summary>
    public static TheoryData<int, int, int> Layouts => new()
    {
        { 16, 16, 6 },
        { 11, 13, 6 },
        { 10, 9, 3 },
        { 8, 12, 0 },
        { 5, 17, 7 },
        { 3, 7, 2 },
        { 1, 14, 6 },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void MatchesLinearScanWithPlantedNeighboursAtEveryDistance(int tables, int chunkBits, int groupBits)
    {
        var random = new Random(HashCode.Combine(tables, chunkBits, groupBits, 1));
        var layout = new PdqIndexLayout(tables, chunkBits, groupBits);
        foreach (var size in new[] { 0, 1, 2, 3, 67, 1000, 5003 })
        {
            foreach (var threshold in Thresholds)
            {
                var bank = RandomBank(size, random);
                var centers = new[] { RandomHash(random), RandomHash(random) };
                foreach (var center in centers)
                {
                    PlantNeighbours(bank, center, Math.Min(threshold + 2, 65), random);
                }

                var index = PdqIndex.Build(bank, layout, scanWhenCheaper: false);
                Assert.Equal(size, index.Count);
                Assert.False(size > 0 && index.ScansAt(threshold));
                var found = 0;
                foreach (var center in centers)
                {
                    found += AssertSameAsScan(index, bank, center, threshold);
                }

                for (var q = 0; q < 4 && size > 0; q++)
                {
                    // Queries on an entry, near an entry, and anywhere.
                    var entry = bank[random.Next(size)];
                    AssertSameAsScan(index, bank, entry, threshold);
                    AssertSameAsScan(index, bank, Flip(entry, random.Next(threshold + 3), random), threshold);
                    AssertSameAsScan(index, bank, RandomHash(random), threshold);
                }

                // Each center planted ≥ 3 entries per distance ≤ threshold unless the bank is tiny.
                if (size >= 1000)
                {
                    Assert.True(found >= 2 * 3 * (threshold + 1) / 2, $"only {found} planted hits");
                }
            }
        }
    }

    [Fact]
    public void EveryThresholdMatchesLinearScan()
    {
        var random = new Random(31);
        var bank = RandomBank(3001, random);
        var center = RandomHash(random);
        PlantNeighbours(bank, center, 65, random);
        var index = PdqIndex.Build(bank, new PdqIndexLayout(12, 14, 5), scanWhenCheaper: false);
        for (var threshold = 0; threshold <= PdqIndex.MaxThreshold; threshold++)
        {
            var found = AssertSameAsScan(index, bank, center, threshold);
            Assert.True(found >= threshold + 1, $"planted neighbours missing at threshold {threshold}");
            AssertSameAsScan(index, bank, Flip(center, threshold / 2, random), threshold);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(4095)]
    [InlineData(4096)]
    [InlineData(30011)]
    public void DefaultBuildMatchesLinearScan(int size)
    {
        var random = new Random(size + 7);
        var bank = RandomBank(size, random);
        var center = RandomHash(random);
        PlantNeighbours(bank, center, 33, random);
        var index = PdqIndex.Build(bank);
        foreach (var threshold in Thresholds)
        {
            AssertSameAsScan(index, bank, center, threshold);
            AssertSameAsScan(index, bank, RandomHash(random), threshold);
        }

        var hits = new List<PdqIndexHit>();
        index.Search(center, hits);
        var scan = new List<PdqIndexHit>();
        PdqLinearScan.Search(bank, center, PdqIndex.DefaultThreshold, scan);
        AssertSameSet(scan, hits, "default threshold");
    }

    [Theory]
    [InlineData(16, 16, 6)]
    [InlineData(10, 12, 4)]
    [InlineData(4, 20, 6)]
    public void ClusteredBanksMatchLinearScan(int tables, int chunkBits, int groupBits)
    {
        var random = new Random(tables * 1000 + chunkBits);
        var layout = new PdqIndexLayout(tables, chunkBits, groupBits);

        // Few bases, few flips: most entries share most chunk keys, so a handful of buckets hold thousands of entries.
        var bank = ClusteredBank(6000, 4, 3, random, out var bases);
        var index = PdqIndex.Build(bank, layout, scanWhenCheaper: false);
        foreach (var threshold in new[] { 0, 3, 31, 63 })
        {
            foreach (var b in bases)
            {
                var found = AssertSameAsScan(index, bank, b, threshold);
                Assert.True(found > 0);
                AssertSameAsScan(index, bank, Flip(b, 20, random), threshold);
            }

            AssertSameAsScan(index, bank, RandomHash(random), threshold);
        }

        // One hash repeated: a single bucket holds every entry of every table.
        var same = Enumerable.Repeat(bases[0], 5000).ToArray();
        same[4999] = Flip(bases[0], 31, random);
        var degenerate = PdqIndex.Build(same, layout, scanWhenCheaper: false);
        Assert.Equal(5000, AssertSameAsScan(degenerate, same, bases[0], 31));
        Assert.Equal(4999, AssertSameAsScan(degenerate, same, bases[0], 30));
        AssertSameAsScan(degenerate, same, Flip(bases[0], 1, random), 31);
    }

    [Theory]
    [InlineData(11, 13, 6, 0)]
    [InlineData(11, 13, 6, 31)]
    [InlineData(8, 16, 6, 10)]
    [InlineData(8, 16, 6, 52)]
    [InlineData(0, 0, 0, 31)]
    public void DihedralSearchEqualsBestVariantOfLinearScans(int tables, int chunkBits, int groupBits, int threshold)
    {
        var random = new Random(threshold + tables);
        var bank = RandomBank(4000, random);
        var layout = new PdqIndexLayout(tables, chunkBits, groupBits);
        for (var round = 0; round < 6; round++)
        {
            // Variants 0..7: some near each other (entries near several variants, ties between them), some random,
            // and in round 5 all eight identical (ties everywhere: the lowest variant must win).
            var variants = new PdqHash[round == 4 ? 3 : 8];
            var root = RandomHash(random);
            for (var v = 0; v < variants.Length; v++)
            {
                variants[v] = round == 5 ? root : v % 3 == 2 ? RandomHash(random) : Flip(root, random.Next(0, 12), random);
                PlantNeighbours(bank, variants[v], threshold + 2, random);
            }

            var index = PdqIndex.Build(bank, layout, scanWhenCheaper: false);
            var expected = BestOfScans(bank, variants, threshold);
            var actual = new List<PdqIndexHit>();
            index.SearchDihedral(variants, threshold, actual);
            AssertSameSet(expected, actual, $"dihedral round {round}");
            Assert.NotEmpty(expected);

            var oracle = new List<PdqIndexHit>();
            PdqLinearScan.SearchDihedral(bank, variants, threshold, oracle);
            AssertSameSet(expected, oracle, "linear dihedral");
        }
    }

    [Fact]
    public void DihedralWithOneVariantEqualsSearch()
    {
        var random = new Random(5);
        var bank = RandomBank(5000, random);
        var query = RandomHash(random);
        PlantNeighbours(bank, query, 33, random);
        var index = PdqIndex.Build(bank, new PdqIndexLayout(10, 12, 6), scanWhenCheaper: false);
        var single = new List<PdqIndexHit>();
        index.Search(query, 31, single);
        var dihedral = new List<PdqIndexHit>();
        index.SearchDihedral([query], 31, dihedral);
        AssertSameSet(single, dihedral, "one variant");
    }

    [Fact]
    public void ConcurrentSearchesGiveTheSameResults()
    {
        var random = new Random(77);
        var bank = RandomBank(20000, random);
        var queries = new PdqHash[64];
        for (var i = 0; i < queries.Length; i++)
        {
            queries[i] = RandomHash(random);
            PlantNeighbours(bank, queries[i], 33, random);
        }

        var index = PdqIndex.Build(bank, new PdqIndexLayout(11, 14, 6), scanWhenCheaper: false);
        var expected = queries.Select(q =>
        {
            var hits = new List<PdqIndexHit>();
            PdqLinearScan.Search(bank, q, 31, hits);
            return hits;
        }).ToArray();

        var failures = 0;
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, worker =>
        {
            var results = new List<PdqIndexHit>();
            for (var round = 0; round < 20; round++)
            {
                for (var i = 0; i < queries.Length; i++)
                {
                    var q = (i + worker + round) % queries.Length;
                    results.Clear();
                    index.Search(queries[q], 31, results);
                    if (!expected[q].OrderBy(h => h.Entry).SequenceEqual(results.OrderBy(h => h.Entry)))
                    {
                        Interlocked.Increment(ref failures);
                    }
                }
            }
        });

        Assert.Equal(0, failures);
        Assert.All(expected, hits => Assert.NotEmpty(hits));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(64)]
    [InlineData(int.MinValue)]
    [InlineData(int.MaxValue)]
    public void ThresholdOutOfRangeThrows(int threshold)
    {
        var bank = RandomBank(10, new Random(1));
        var index = PdqIndex.Build(bank);
        var results = new List<PdqIndexHit>();
        Assert.Throws<ArgumentOutOfRangeException>(() => index.Search(bank[0], threshold, results));
        Assert.Throws<ArgumentOutOfRangeException>(() => index.SearchDihedral(bank.AsSpan(0, 2), threshold, results));
        Assert.Throws<ArgumentOutOfRangeException>(() => PdqLinearScan.Search(bank, bank[0], threshold, results));
        Assert.Throws<ArgumentOutOfRangeException>(() => PdqLinearScan.SearchDihedral(bank, bank.AsSpan(0, 1), threshold, results));
        Assert.Empty(results);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(9)]
    public void DihedralNeedsOneToEightVariants(int variants)
    {
        var bank = RandomBank(10, new Random(2));
        var index = PdqIndex.Build(bank);
        var query = RandomBank(variants, new Random(3));
        Assert.Throws<ArgumentException>(() => index.SearchDihedral(query, 31, []));
        Assert.Throws<ArgumentException>(() => PdqLinearScan.SearchDihedral(bank, query, 31, []));
    }

    [Fact]
    public void EveryEntryFindsItselfAndNeighboursAreSymmetric()
    {
        var random = new Random(11);
        var bank = RandomBank(3000, random);
        for (var i = 0; i < 40; i++)
        {
            bank[random.Next(bank.Length)] = Flip(bank[random.Next(bank.Length)], random.Next(32), random);
        }

        var index = PdqIndex.Build(bank, new PdqIndexLayout(10, 11, 6), scanWhenCheaper: false);
        var hits = new List<PdqIndexHit>();
        for (var a = 0; a < bank.Length; a++)
        {
            hits.Clear();
            index.Search(bank[a], 31, hits);
            Assert.Contains(new PdqIndexHit(a, 0, 0), hits);
            foreach (var hit in hits)
            {
                Assert.Equal(PdqHash.Distance(bank[a], bank[hit.Entry]), hit.Distance);
                var back = new List<PdqIndexHit>();
                index.Search(bank[hit.Entry], 31, back);
                Assert.Contains(new PdqIndexHit(a, hit.Distance, 0), back);
            }
        }
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(5, 5)]
    [InlineData(30011, 30011)]
    [InlineData(30011, 29000)]
    public void BuildOwnedMatchesLinearScanOverItsPrefix(int length, int count)
    {
        var random = new Random(length + count + 11);
        var owned = RandomBank(length, random);
        var center = RandomHash(random);
        PlantNeighbours(owned, center, 33, random);
        var bank = owned[..count];
        var index = PdqIndex.BuildOwned(owned, count);
        Assert.Equal(count, index.Count);
        foreach (var threshold in Thresholds)
        {
            AssertSameAsScan(index, bank, center, threshold);
            AssertSameAsScan(index, bank, RandomHash(random), threshold);
        }
    }

    [Fact]
    public void BuildOwnedRefusesACountBeyondTheArray() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => PdqIndex.BuildOwned(new PdqHash[3], 4));

    [Fact]
    public void BuildCopiesTheInput()
    {
        var random = new Random(4);
        var bank = RandomBank(100, random);
        var original = bank[7];
        var index = PdqIndex.Build(bank);
        bank[7] = RandomHash(random);
        Assert.Equal(original, index[7]);
        var hits = new List<PdqIndexHit>();
        index.Search(original, 0, hits);
        Assert.Contains(new PdqIndexHit(7, 0, 0), hits);
    }

    [Fact]
    public void EmptyIndexFindsNothing()
    {
        var hits = new List<PdqIndexHit>();
        PdqIndex.Empty.Search(new PdqHash(1, 2, 3, 4), 63, hits);
        PdqIndex.Empty.SearchDihedral([new PdqHash(1, 2, 3, 4)], 63, hits);
        Assert.Empty(hits);
        Assert.Equal(0, PdqIndex.Empty.Count);
    }

    [Fact]
    public void RandomBankStaysWithinSixtyFourBytesPerEntry()
    {
        var random = new Random(64);
        var bank = RandomBank(300_000, random);
        var index = PdqIndex.Build(bank);
        Assert.False(index.Layout.IsLinear);
        Assert.True(index.MemoryBytes <= 64L * bank.Length, $"{index.MemoryBytes / (double)bank.Length:F2} bytes per entry");
        Assert.Equal(PdqIndex.EstimateMemory(bank.Length, index.Layout), index.MemoryBytes, 256.0);
        AssertSameAsScan(index, bank, bank[5], 31);
    }

    [Theory]
    [InlineData(4096)]
    [InlineData(100_000)]
    [InlineData(1_000_000)]
    [InlineData(10_000_000)]
    [InlineData(50_000_000)]
    public void ChosenLayoutsFitTheBudget(int count)
    {
        var layout = PdqIndex.ChooseLayout(count);
        layout.Validate();
        Assert.True(PdqIndex.EstimateMemory(count, layout) <= 64L * count);
        Assert.True(layout.Tables * layout.ChunkBits <= 256);
    }

    /// <summary>The specification, literally: per entry the smallest distance over variants, ties to the lowest index.</summary>
    private static List<PdqIndexHit> BestOfScans(PdqHash[] bank, PdqHash[] variants, int threshold)
    {
        var best = new Dictionary<int, PdqIndexHit>();
        for (var v = 0; v < variants.Length; v++)
        {
            var hits = new List<PdqIndexHit>();
            PdqLinearScan.Search(bank, variants[v], threshold, hits);
            foreach (var hit in hits)
            {
                if (!best.TryGetValue(hit.Entry, out var current) || hit.Distance < current.Distance)
                {
                    best[hit.Entry] = hit with { Variant = v };
                }
            }
        }

        return [.. best.Values];
    }
}
