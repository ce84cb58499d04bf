using Haven.Kernels.Pdq;

namespace Haven.Kernels.Tests.Pdq;

/// <summary>The fast hasher against the literal scalar oracle on seeded inputs of awkward sizes: identical hashes (all 8) and quality.</summary>
public sealed class PdqHasherOracleTests
{
    [Theory]
    [InlineData(5, 5, PdqPixelFormat.Rgb24, 1)]
    [InlineData(7, 300, PdqPixelFormat.Rgba32, 2)]
    [InlineData(63, 65, PdqPixelFormat.Bgra32, 3)]
    [InlineData(64, 64, PdqPixelFormat.Rgb24, 4)]
    [InlineData(64, 64, PdqPixelFormat.Gray8, 5)]
    [InlineData(65, 64, PdqPixelFormat.Gray8, 6)]
    [InlineData(127, 129, PdqPixelFormat.Rgb24, 7)]
    [InlineData(511, 512, PdqPixelFormat.Rgba32, 8)]
    [InlineData(512, 512, PdqPixelFormat.Rgb24, 9)]
    [InlineData(513, 700, PdqPixelFormat.Bgra32, 10)]
    [InlineData(1000, 37, PdqPixelFormat.Rgb24, 11)]
    [InlineData(3, 1000, PdqPixelFormat.Rgb24, 12)]
    [InlineData(4000, 3000, PdqPixelFormat.Gray8, 13)]
    [InlineData(300, 17, PdqPixelFormat.Gray8, 14)]
    public void NoiseMatchesOracle(int width, int height, PdqPixelFormat format, int seed) =>
        AssertSame(PdqTestImages.Noise(width, height, format, seed));

    [Theory]
    [InlineData(5, 5, PdqPixelFormat.Gray8, 21)]
    [InlineData(7, 300, PdqPixelFormat.Rgb24, 22)]
    [InlineData(63, 65, PdqPixelFormat.Rgba32, 23)]
    [InlineData(64, 64, PdqPixelFormat.Bgra32, 24)]
    [InlineData(127, 129, PdqPixelFormat.Gray8, 25)]
    [InlineData(511, 512, PdqPixelFormat.Rgb24, 26)]
    [InlineData(513, 700, PdqPixelFormat.Rgb24, 27)]
    [InlineData(1000, 37, PdqPixelFormat.Gray8, 28)]
    [InlineData(4000, 3000, PdqPixelFormat.Gray8, 29)]
    public void SmoothContentMatchesOracle(int width, int height, PdqPixelFormat format, int seed) =>
        AssertSame(PdqTestImages.Smooth(width, height, format, seed));

    [Theory]
    [InlineData(5, 5, 31)]
    [InlineData(6, 9, 32)]
    [InlineData(63, 65, 33)]
    [InlineData(64, 64, 34)]
    [InlineData(127, 129, 35)]
    [InlineData(1000, 37, 36)]
    [InlineData(37, 1000, 37)]
    [InlineData(700, 513, 38)]
    [InlineData(1500, 1100, 39)]
    public void FloatLumaMatchesOracle(int width, int height, int seed)
    {
        // Non-integer luma: a window-1 running sum is then not the identity, so this also pins the w = 1 path.
        AssertSameLuma(PdqTestImages.NoiseLuma(width, height, seed), width, height);
        AssertSameLuma(PdqTestImages.SmoothLuma(width, height, seed), width, height);
    }

    [Fact]
    public void LumaBufferLongerThanTheImageIsReadOnlyForItsFirstPixels()
    {
        var luma = PdqTestImages.SmoothLuma(80, 90, 41);
        var longer = luma.Concat(Enumerable.Repeat(1e6f, 500)).ToArray();
        Assert.Equal(PdqHasher.HashLuma(luma, 80, 90), PdqHasher.HashLuma(longer, 80, 90));
    }

    private static void AssertSame(PdqTestImages.Raster raster)
    {
        var fast = new PdqHash[8];
        var oracle = new PdqHash[8];
        var fastResult = PdqHasher.HashReference(raster.Pixels, raster.Width, raster.Height, raster.Stride, raster.Format, fast);
        var oracleResult = PdqReferenceScalar.HashReference(raster.Pixels, raster.Width, raster.Height, raster.Stride, raster.Format, oracle);
        Assert.Equal(oracleResult, fastResult);
        Assert.Equal(oracle, fast);
        Assert.Equal(fastResult, PdqHasher.HashReference(raster.Pixels, raster.Width, raster.Height, raster.Stride, raster.Format));
        Assert.False(fastResult.Hash.IsZero);
    }

    private static void AssertSameLuma(float[] luma, int width, int height)
    {
        var fast = new PdqHash[8];
        var oracle = new PdqHash[8];
        var fastResult = PdqHasher.HashLuma(luma, width, height, fast);
        var oracleResult = PdqReferenceScalar.HashLuma(luma, width, height, oracle);
        Assert.Equal(oracleResult, fastResult);
        Assert.Equal(oracle, fast);
        Assert.False(fastResult.Hash.IsZero);
    }
}
