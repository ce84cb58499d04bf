using Haven.Kernels.Pdq;

namespace Haven.Kernels.Tests.Pdq;

public sealed class PdqHashTests
{
    [Fact]
    public void TextFormRoundTripsAndPutsBitZeroInTheLastDigit()
    {
        var text = new string('0', 63) + "1";
        var hash = PdqHash.Parse(text);
        Assert.True(hash[0]);
        Assert.Equal(1, hash.BitCount);
        Assert.Equal(text, hash.ToString());

        var top = "8" + new string('0', 63);
        Assert.True(PdqHash.Parse(top)[255]);
    }

    [Fact]
    public void ReferenceHashRoundTrips()
    {
        const string text = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22";
        var hash = PdqHash.Parse(text);
        Assert.Equal(text, hash.ToString());
        Assert.Equal(128, hash.BitCount);
        Span<byte> bytes = stackalloc byte[PdqHash.ByteLength];
        hash.WriteTo(bytes);
        Assert.Equal(hash, PdqHash.ReadFrom(bytes));
    }

    [Theory]
    [InlineData("")]
    [InlineData("d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b2")]
    [InlineData("d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b222")]
    [InlineData("g8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22")]
    [InlineData(" 8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22")]
    public void MalformedTextIsRefused(string text)
    {
        Assert.False(PdqHash.TryParse(text, out _));
        Assert.Throws<FormatException>(() => PdqHash.Parse(text));
    }

    [Fact]
    public void DistanceMatchesBitByBitOracleOnSeededRandomHashes()
    {
        var random = new Random(20261125);
        for (var i = 0; i < 500; i++)
        {
            var a = RandomHash(random);
            var b = RandomHash(random);
            var naive = 0;
            for (var k = 0; k < 256; k++)
            {
                naive += a[k] != b[k] ? 1 : 0;
            }

            Assert.Equal(naive, PdqHash.Distance(a, b));
            Assert.Equal(PdqHash.Distance(b, a), PdqHash.Distance(a, b));
            Assert.Equal(0, PdqHash.Distance(a, a));
        }
    }

    private static PdqHash RandomHash(Random random) =>
        new((ulong)random.NextInt64(), (ulong)random.NextInt64() ^ ((ulong)random.Next() << 63), (ulong)random.NextInt64(), (ulong)random.NextInt64());
}
