using System.Numerics;
using Haven.Kernels.Hamming;
using Haven.Kernels.Pdq;

namespace Haven.Kernels.Tests.Hamming;

/// <summary>The index's building blocks, each against a naive version.</summary>
public sealed class IndexPartsTests
{
    [Theory]
    [InlineData(1, 0, 0)]
    [InlineData(4, 0, 0)]
    [InlineData(8, 6, 1)]
    [InlineData(10, 3, 4)]
    [InlineData(12, 6, 0)]
    [InlineData(16, 6, 0)]
    [InlineData(12, 2, 2)]
    public void DirectoryLocatesEveryBucketLikePrefixSums(int keyBits, int groupBits, int shape)
    {
        var random = new Random(keyBits * 100 + shape);
        var sizes = new int[1 << keyBits];
        for (var b = 0; b < sizes.Length; b++)
        {
            sizes[b] = shape switch
            {
                0 => random.Next(3),                       // random data: 0–2 per bucket
                1 => random.Next(10) == 0 ? random.Next(400) : 0, // sparse, some runs longer than a word
                2 => b == sizes.Length / 3 ? 100_000 : random.Next(2), // one giant bucket
                _ => 0,                                   // all empty
            };
        }

        var sorted = new List<ulong>();
        for (var b = 0; b < sizes.Length; b++)
        {
            for (var i = 0; i < sizes[b]; i++)
            {
                sorted.Add(((ulong)b << 32) | (uint)sorted.Count);
            }
        }

        var directory = BucketDirectory.Build(sorted.ToArray(), keyBits, groupBits);
        long start = 0;
        for (var b = 0; b < sizes.Length; b++)
        {
            directory.Locate((uint)b, out var s, out var size);
            Assert.Equal(start, s);
            Assert.Equal(sizes[b], size);
            start += sizes[b];
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(8, 1000)]
    [InlineData(9, 5000)]
    [InlineData(10, 5000)]
    [InlineData(20, 20000)]
    [InlineData(26, 3000)]
    [InlineData(12, 0)]
    public void RadixSortOrdersByKeyAndKeepsIdsAscendingWithinAKey(int keyBits, int count)
    {
        var random = new Random(keyBits + count);
        var entries = new ulong[count];
        for (var e = 0; e < count; e++)
        {
            // Few distinct keys half the time, so that equal keys are common.
            var key = random.Next(2) == 0 ? (ulong)random.Next(4) : (ulong)random.NextInt64(1L << keyBits);
            entries[e] = (key << 32) | (uint)e;
        }

        var expected = entries.OrderBy(x => x >> 32).ThenBy(x => (uint)x).ToArray();
        var sorted = PdqIndex.RadixSortByKey(entries, new ulong[count], keyBits);
        Assert.Equal(expected, sorted);
    }

    [Fact]
    public void DirectoryRefusesUnsortedKeys() =>
        Assert.Throws<ArgumentException>(() => BucketDirectory.Build([2UL << 32, 1UL << 32], 4, 2));

    [Fact]
    public void SelectBitFindsTheRankedBit()
    {
        var random = new Random(9);
        for (var i = 0; i < 2000; i++)
        {
            var value = (ulong)random.NextInt64() | 1UL;
            var rank = random.Next(BitOperations.PopCount(value));
            var naive = -1;
            for (int bit = 0, seen = 0; bit < 64; bit++)
            {
                if (((value >> bit) & 1) != 0 && seen++ == rank)
                {
                    naive = bit;
                    break;
                }
            }

            Assert.Equal(naive, BucketDirectory.SelectBit(value, rank));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(20)]
    [InlineData(24)]
    [InlineData(31)]
    [InlineData(32)]
    public void PackedIdsRoundTrip(int bits)
    {
        var random = new Random(bits);
        const int count = 1003;
        var values = new uint[count];
        var packed = new PackedIds(count, bits);
        foreach (var p in Enumerable.Range(0, count).OrderBy(_ => random.Next()))
        {
            values[p] = (uint)random.NextInt64(1L << bits);
            packed.Set(p, values[p]);
        }

        for (var p = 0; p < count; p++)
        {
            Assert.Equal(values[p], packed.Get(p));
        }
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    [InlineData(1_000_000, 20)]
    [InlineData(1 << 20, 20)]
    [InlineData((1 << 20) + 1, 21)]
    [InlineData(10_000_000, 24)]
    [InlineData(int.MaxValue, 31)]
    public void IdWidthIsCeilingLog2(int count, int bits) => Assert.Equal(bits, PackedIds.BitsFor(count));

    [Theory]
    [InlineData(12, 0)]
    [InlineData(12, 1)]
    [InlineData(12, 3)]
    [InlineData(9, 9)]
    public void BallStepsVisitEveryMaskOnceAndMatchTheSize(int bits, int radius)
    {
        var seen = new HashSet<ulong>();
        for (var weight = 0; weight <= radius; weight++)
        {
            var mask = (1UL << weight) - 1;
            while (mask < 1UL << bits)
            {
                Assert.Equal(weight, BitOperations.PopCount(mask));
                Assert.True(seen.Add(mask));
                if (mask == 0)
                {
                    break;
                }

                mask = HammingBall.NextSameWeight(mask);
            }
        }

        Assert.Equal(HammingBall.Size(bits, radius), seen.Count);
    }

    [Fact]
    public void RadiiCoverThePigeonholeBoundExactly()
    {
        for (var tables = 1; tables <= PdqIndexLayout.MaxTables; tables++)
        {
            var radii = new int[tables];
            for (var threshold = 0; threshold <= PdqIndex.MaxThreshold; threshold++)
            {
                PdqIndex.AssignRadii(threshold, radii);
                var sum = 0;
                foreach (var r in radii)
                {
                    Assert.True(r >= -1);
                    sum += r + 1;
                }

                Assert.Equal(threshold + 1, sum);
            }
        }
    }

    [Fact]
    public void ChunksReadTheRightBits()
    {
        var random = new Random(12);
        for (var i = 0; i < 200; i++)
        {
            var hash = HammingTestData.RandomHash(random);
            var width = random.Next(1, 31);
            var offset = random.Next(0, 257 - width);
            uint naive = 0;
            for (var k = 0; k < width; k++)
            {
                naive |= (hash[offset + k] ? 1u : 0u) << k;
            }

            Assert.Equal(naive, PdqIndex.Chunk(hash, offset, PdqIndex.ChunkMask(width)));
        }
    }

    [Fact]
    public void LinearScanAgreesWithBitByBitDistance()
    {
        var random = new Random(13);
        var bank = HammingTestData.RandomBank(500, random);
        var query = bank[17];
        for (var i = 0; i < 100; i++)
        {
            bank[random.Next(500)] = HammingTestData.Flip(query, random.Next(40), random);
        }

        var hits = new List<PdqIndexHit>();
        PdqLinearScan.Search(bank, query, 31, hits);
        var expected = new List<PdqIndexHit>();
        for (var e = 0; e < bank.Length; e++)
        {
            var d = 0;
            for (var k = 0; k < 256; k++)
            {
                d += bank[e][k] != query[k] ? 1 : 0;
            }

            if (d <= 31)
            {
                expected.Add(new PdqIndexHit(e, d, 0));
            }

            Assert.Equal(d, PdqHash.Distance(query, bank[e]));
            Assert.Equal(PdqHash.Distance(bank[e], query), PdqHash.Distance(query, bank[e]));
            Assert.Equal(0, PdqHash.Distance(bank[e], bank[e]));
        }

        Assert.Equal(expected, hits);
        Assert.True(expected.Count > 30);
    }
}
