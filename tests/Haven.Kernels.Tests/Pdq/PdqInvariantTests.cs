using Haven.Kernels.Pdq;
using Xunit.Abstractions;

namespace Haven.Kernels.Tests.Pdq;

/// <summary>Properties that hold whatever the implementation: bit counts, degenerate sizes, dihedral consistency, argument checks.</summary>
public sealed class PdqInvariantTests(ITestOutputHelper output)
{
    private static readonly string[] VariantNames = ["orig", "rot90", "rot180", "rot270", "flipX", "flipY", "flipPlus1", "flipMinus1"];

    [Theory]
    [InlineData(5, 5)]
    [InlineData(64, 64)]
    [InlineData(200, 150)]
    [InlineData(900, 600)]
    public void NonDegenerateHashesHaveExactly128BitsInEveryVariant(int width, int height)
    {
        var raster = PdqTestImages.Smooth(width, height, PdqPixelFormat.Rgb24, width);
        var dihedral = new PdqHash[8];
        var result = PdqHasher.HashReference(raster.Pixels, width, height, raster.Stride, raster.Format, dihedral);
        Assert.Equal(128, result.Hash.BitCount);
        Assert.All(dihedral, h => Assert.Equal(128, h.BitCount));
        Assert.Equal(result.Hash, dihedral[0]);
        Assert.InRange(result.Quality, 0, 100);
    }

    [Theory]
    [InlineData(4, 100)]
    [InlineData(100, 4)]
    [InlineData(1, 1)]
    [InlineData(0, 0)]
    [InlineData(0, 700)]
    public void SidesUnderFiveGiveTheZeroHashAndQualityZero(int width, int height)
    {
        var pixels = new byte[Math.Max(1, width * height * 3)];
        new Random(3).NextBytes(pixels);
        var dihedral = Enumerable.Repeat(PdqHash.Parse(new string('f', 64)), 8).ToArray();
        var result = PdqHasher.HashReference(pixels, width, height, width * 3, PdqPixelFormat.Rgb24, dihedral);
        Assert.True(result.Hash.IsZero);
        Assert.Equal(0, result.Quality);
        Assert.All(dihedral, h => Assert.True(h.IsZero));
        Assert.Equal(new PdqResult(default, 0), PdqHasher.HashLuma(new float[width * height], width, height));
    }

    [Fact]
    public void ANarrowImageOverTheResizeLimitIsStretchedTo512AndHashed()
    {
        // §1: both axes go to 512, so a 3×1000 strip becomes hashable.
        var raster = PdqTestImages.Smooth(3, 1000, PdqPixelFormat.Gray8, 5);
        var result = PdqHasher.HashReference(raster.Pixels, 3, 1000, raster.Stride, raster.Format);
        Assert.Equal(128, result.Hash.BitCount);
    }

    [Fact]
    public void PixelFormatsAgreeAndAlphaIsIgnored()
    {
        var rgb = PdqTestImages.Smooth(90, 70, PdqPixelFormat.Rgb24, 17);
        var rgba = new byte[90 * 70 * 4];
        var bgra = new byte[90 * 70 * 4];
        var random = new Random(1);
        for (var p = 0; p < 90 * 70; p++)
        {
            var (r, g, b) = (rgb.Pixels[p * 3], rgb.Pixels[p * 3 + 1], rgb.Pixels[p * 3 + 2]);
            var alpha = (byte)random.Next(256);
            (rgba[p * 4], rgba[p * 4 + 1], rgba[p * 4 + 2], rgba[p * 4 + 3]) = (r, g, b, alpha);
            (bgra[p * 4], bgra[p * 4 + 1], bgra[p * 4 + 2], bgra[p * 4 + 3]) = (b, g, r, alpha);
        }

        var expected = PdqHasher.HashReference(rgb.Pixels, 90, 70, rgb.Stride, PdqPixelFormat.Rgb24);
        Assert.Equal(expected, PdqHasher.HashReference(rgba, 90, 70, 90 * 4, PdqPixelFormat.Rgba32));
        Assert.Equal(expected, PdqHasher.HashReference(bgra, 90, 70, 90 * 4, PdqPixelFormat.Bgra32));
    }

    [Fact]
    public void BadArgumentsThrow()
    {
        var pixels = new byte[10 * 10 * 3];
        Assert.Throws<ArgumentOutOfRangeException>(() => PdqHasher.HashReference(pixels, 10, 10, 29, PdqPixelFormat.Rgb24));
        Assert.Throws<ArgumentException>(() => PdqHasher.HashReference(pixels, 10, 11, 30, PdqPixelFormat.Rgb24));
        Assert.Throws<ArgumentOutOfRangeException>(() => PdqHasher.HashReference(pixels, -1, 10, 30, PdqPixelFormat.Rgb24));
        Assert.Throws<ArgumentException>(() => PdqHasher.HashReference(pixels, 10, 10, 30, PdqPixelFormat.Rgb24, new PdqHash[7]));
        Assert.Throws<ArgumentException>(() => PdqHasher.HashLuma(new float[99], 10, 10));
    }

    /// <summary>
    /// Hash a square synthetic image after an exact pixel-grid rotation or flip and compare with the matching dihedral
    /// variant of the original (measured on this smooth, quality-100 image):
    /// 64×64 skips the blur and decimation is the identity, so only the DCT's summation order differs: 0 bits for all 8.
    /// 320×320 samples rows 5i+2, a set a flip maps onto itself, with an odd (symmetric) window of 3: 0 bits for all 8.
    /// 128×128 samples rows 2i+1, which a flip maps to even rows (a one-pixel shift): 30–48 bits.
    /// 192×192 has window 2, covering [k, k+1], which a flip turns into [k−1, k]: 40–70 bits.
    /// orig and flipPlus1 are always 0. Bounds for the shifted cases stay well under the ~128 of unrelated hashes,
    /// so a wrong variant order or sign convention still fails.
    /// </summary>
    [Theory]
    [InlineData(64, 0)]
    [InlineData(320, 0)]
    [InlineData(192, 96)]
    [InlineData(128, 64)]
    public void DihedralVariantsMatchActuallyTransformedImages(int side, int bound)
    {
        var luma = PdqTestImages.SmoothLuma(side, side, 99);
        var dihedral = new PdqHash[8];
        var original = PdqHasher.HashLuma(luma, side, side, dihedral);
        Assert.True(original.Quality >= 50, $"synthetic image quality {original.Quality} too low to be meaningful");
        var n = side - 1;
        Func<int, int, (int Y, int X)>[] sources =
        [
            (y, x) => (y, x),
            (y, x) => (x, n - y),         // rot90 counter-clockwise: the right column becomes the top row
            (y, x) => (n - y, n - x),     // rot180
            (y, x) => (n - x, y),         // rot270
            (y, x) => (n - y, x),         // flipX: top and bottom swap
            (y, x) => (y, n - x),         // flipY: mirror
            (y, x) => (x, y),             // flipPlus1: main diagonal
            (y, x) => (n - x, n - y),     // flipMinus1: anti-diagonal
        ];

        var distances = new int[8];
        for (var v = 0; v < 8; v++)
        {
            var transformed = new float[side * side];
            for (var y = 0; y < side; y++)
            {
                for (var x = 0; x < side; x++)
                {
                    var (sy, sx) = sources[v](y, x);
                    transformed[y * side + x] = luma[sy * side + sx];
                }
            }

            distances[v] = PdqHash.Distance(PdqHasher.HashLuma(transformed, side, side).Hash, dihedral[v]);
        }

        output.WriteLine($"{side}×{side}, quality {original.Quality}: " + string.Join(", ", VariantNames.Zip(distances, (name, d) => $"{name} {d}")));
        Assert.Equal(0, distances[0]);
        Assert.All(distances, d => Assert.InRange(d, 0, bound));
    }
}
