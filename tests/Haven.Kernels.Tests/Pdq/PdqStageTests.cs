using Haven.Kernels.Pdq;

namespace Haven.Kernels.Tests.Pdq;

/// <summary>
/// Stage by stage, the fast kernels must equal the scalar oracle bit for bit. Hashes are robust to last-bit drift,
/// so only comparing hashes would let a reassociated sum slip through; these tests compare the floats themselves.
/// </summary>
public sealed class PdqStageTests
{
    [Theory]
    [InlineData(5, 5, PdqPixelFormat.Gray8)]
    [InlineData(17, 9, PdqPixelFormat.Gray8)]
    [InlineData(33, 7, PdqPixelFormat.Rgb24)]
    [InlineData(64, 64, PdqPixelFormat.Rgb24)]
    [InlineData(31, 12, PdqPixelFormat.Rgba32)]
    [InlineData(70, 3, PdqPixelFormat.Bgra32)]
    [InlineData(600, 20, PdqPixelFormat.Rgb24)]
    [InlineData(1000, 700, PdqPixelFormat.Rgba32)]
    [InlineData(513, 513, PdqPixelFormat.Bgra32)]
    [InlineData(2000, 513, PdqPixelFormat.Gray8)]
    public void LumaMatchesOracleBitForBit(int width, int height, PdqPixelFormat format)
    {
        var raster = PdqTestImages.Noise(width, height, format, width * 31 + height);
        var (expected, lumaWidth, lumaHeight) = PdqReferenceScalar.ReferenceLuma(raster.Pixels, width, height, raster.Stride, format);
        var actual = new float[lumaWidth * lumaHeight];
        if (width > 512 || height > 512)
        {
            PdqHasher.FillLumaResized(raster.Pixels, width, height, raster.Stride, format, actual);
        }
        else
        {
            PdqHasher.FillLuma(raster.Pixels, width, height, raster.Stride, format, actual);
        }

        Assert.Equal(Bits(expected), Bits(actual));
    }

    [Theory]
    [InlineData(5, 5)]
    [InlineData(5, 64)]
    [InlineData(8, 8)]
    [InlineData(9, 300)]
    [InlineData(63, 65)]
    [InlineData(65, 64)]
    [InlineData(100, 100)]
    [InlineData(127, 129)]
    [InlineData(255, 257)]
    [InlineData(384, 200)]
    [InlineData(512, 512)]
    [InlineData(1000, 37)]
    [InlineData(37, 1000)]
    [InlineData(1300, 900)]
    public void BlurAndDecimateMatchOracleBitForBit(int width, int height)
    {
        foreach (var luma in new[] { PdqTestImages.NoiseLuma(width, height, width + height), PdqTestImages.SmoothLuma(width, height, width * height) })
        {
            var expected = PdqReferenceScalar.Block64(luma, width, height);
            var actual = new float[64 * 64];
            PdqHasher.BlurAndDecimate((float[])luma.Clone(), width, height, actual);
            Assert.Equal(Bits(expected), Bits(actual));
        }
    }

    [Fact]
    public void DctAndQualityMatchOracleBitForBit()
    {
        var random = new Random(7);
        for (var round = 0; round < 50; round++)
        {
            var block = new float[64 * 64];
            var scale = round % 2 == 0 ? 255.0 : 1e-3;
            for (var i = 0; i < block.Length; i++)
            {
                block[i] = (float)(random.NextDouble() * scale);
            }

            var expected = PdqReferenceScalar.Dct(block);
            var actual = new float[16 * 16];
            PdqHasher.Dct64To16(block, actual);
            Assert.Equal(Bits(expected), Bits(actual));
            Assert.Equal(PdqReferenceScalar.Quality(block), PdqHasher.Quality(block));
        }
    }

    [Fact]
    public void LowerMedianIsSorted127EvenWithTies()
    {
        var random = new Random(11);
        for (var round = 0; round < 500; round++)
        {
            var values = new float[256];
            var distinct = round % 3 == 0 ? 3 : 1 << 20;
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = random.Next(distinct) - distinct / 2 + (round % 5 == 0 ? 0.5f : 0f);
            }

            var sorted = (float[])values.Clone();
            Array.Sort(sorted);
            Assert.Equal(sorted[127], PdqHasher.LowerMedian(values));
        }
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}
