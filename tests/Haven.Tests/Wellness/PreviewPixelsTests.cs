using Haven.Wellness;

namespace Haven.Tests.Wellness;

/// <summary>The preview kernels against naive oracles on seeded random images of awkward sizes.</summary>
public sealed class PreviewPixelsTests
{
    private static readonly (int Width, int Height)[] AwkwardSizes = [(1, 1), (1, 9), (7, 3), (13, 17), (31, 5), (64, 48)];

    [Theory]
    [InlineData(0.6)]
    [InlineData(1.5)]
    [InlineData(3.84)]
    public void Separable_gaussian_blur_equals_a_naive_two_dimensional_convolution(double sigma)
    {
        var random = new Random(17);
        foreach (var (width, height) in AwkwardSizes)
        {
            var image = RandomImage(random, width, height);

            var fast = PreviewPixels.GaussianBlur(image, sigma);
            var naive = NaiveGaussian(image, sigma);

            for (var i = 0; i < naive.Length; i++)
            {
                Assert.True(Math.Abs(fast.Data[i] - naive[i]) < 0.01, $"{width}×{height} σ={sigma} at {i}: {fast.Data[i]} vs {naive[i]}");
            }
        }
    }

    [Fact]
    public void Blur_keeps_a_flat_image_flat_and_its_kernel_sums_to_one()
    {
        var flat = new RgbImage(9, 5);
        Array.Fill(flat.Data, 77f);

        var blurred = PreviewPixels.GaussianBlur(flat, 2.5);

        Assert.All(blurred.Data, v => Assert.InRange(v, 76.99f, 77.01f));
        Assert.InRange(PreviewPixels.GaussianKernel(2.5).Sum(), 0.9999f, 1.0001f);
    }

    [Fact]
    public void Area_resampling_equals_a_naive_coverage_integral()
    {
        var random = new Random(5);
        (int W, int H, int TW, int TH)[] cases = [(7, 3, 3, 2), (13, 17, 5, 4), (31, 5, 10, 5), (64, 48, 17, 13), (5, 5, 5, 5), (3, 2, 7, 5), (1, 9, 1, 2)];
        foreach (var (w, h, tw, th) in cases)
        {
            var image = RandomImage(random, w, h);

            var fast = PreviewPixels.ResampleArea(image, tw, th);
            var naive = NaiveArea(image, tw, th);

            for (var i = 0; i < naive.Length; i++)
            {
                Assert.True(Math.Abs(fast.Data[i] - naive[i]) < 0.01, $"{w}×{h}→{tw}×{th} at {i}: {fast.Data[i]} vs {naive[i]}");
            }
        }
    }

    [Fact]
    public void Enlarging_a_two_pixel_row_interpolates_between_the_pixel_centres()
    {
        var image = new RgbImage(2, 1, [0, 0, 0, 100, 100, 100]);

        var large = PreviewPixels.Enlarge(image, 4, 1);

        // Output centres at 0.25, 0.75, 1.25, 1.75 source pixels, i.e. −0.25, 0.25, 0.75, 1.25 from the first centre (clamped).
        Assert.Equal([0f, 25f, 75f, 100f], [large.Data[0], large.Data[3], large.Data[6], large.Data[9]]);
    }

    [Theory]
    [InlineData(1000, 500, 480, 480, 240)]
    [InlineData(500, 1000, 480, 240, 480)]
    [InlineData(300, 200, 480, 300, 200)]
    [InlineData(4000, 3, 96, 96, 1)]
    public void Fit_keeps_the_aspect_and_never_enlarges(int width, int height, int max, int expectedWidth, int expectedHeight) =>
        Assert.Equal((expectedWidth, expectedHeight), PreviewPixels.Fit(width, height, max));

    [Fact]
    public void Greyscale_pixels_have_equal_channels_and_sepia_keeps_the_order_of_brightness()
    {
        var image = RandomImage(new Random(3), 23, 11);

        var grey = PreviewPixels.ToRgba(image, ColourMode.Greyscale);
        var sepia = PreviewPixels.ToRgba(image, ColourMode.Sepia);
        var colour = PreviewPixels.ToRgba(image, ColourMode.Colour);

        for (var p = 0; p < 23 * 11; p++)
        {
            Assert.Equal(grey[p * 4], grey[(p * 4) + 1]);
            Assert.Equal(grey[p * 4], grey[(p * 4) + 2]);
            Assert.Equal(255, grey[(p * 4) + 3]);
            Assert.True(sepia[p * 4] >= sepia[(p * 4) + 1] && sepia[(p * 4) + 1] >= sepia[(p * 4) + 2]);
            Assert.Equal(grey[p * 4], sepia[p * 4]);
            Assert.Equal((byte)MathF.Round(image.Data[p * 3]), colour[p * 4]);
        }

        Assert.Contains(Enumerable.Range(0, 23 * 11), p => colour[p * 4] != colour[(p * 4) + 1]);
    }

    internal static RgbImage RandomImage(Random random, int width, int height)
    {
        var image = new RgbImage(width, height);
        for (var i = 0; i < image.Data.Length; i++)
        {
            image.Data[i] = random.Next(256);
        }

        return image;
    }

    /// <summary>Every output pixel as the normalised sum over the whole 2-D kernel g(dx)·g(dy), edges clamped.</summary>
    internal static double[] NaiveGaussian(RgbImage image, double sigma)
    {
        var radius = (int)Math.Ceiling(3 * sigma);
        var output = new double[image.Data.Length];
        for (var y = 0; y < image.Height; y++)
        {
            for (var x = 0; x < image.Width; x++)
            {
                for (var c = 0; c < 3; c++)
                {
                    double sum = 0, weights = 0;
                    for (var dy = -radius; dy <= radius; dy++)
                    {
                        for (var dx = -radius; dx <= radius; dx++)
                        {
                            var w = Math.Exp(-((dx * dx) + (dy * dy)) / (2 * sigma * sigma));
                            var sx = Math.Clamp(x + dx, 0, image.Width - 1);
                            var sy = Math.Clamp(y + dy, 0, image.Height - 1);
                            sum += w * image.Data[(((sy * image.Width) + sx) * 3) + c];
                            weights += w;
                        }
                    }

                    output[(((y * image.Width) + x) * 3) + c] = sum / weights;
                }
            }
        }

        return output;
    }

    /// <summary>Every output pixel as the mean of the source over its footprint, integrated pixel by pixel in 2-D.</summary>
    private static double[] NaiveArea(RgbImage image, int width, int height)
    {
        var output = new double[width * height * 3];
        double sx = (double)image.Width / width, sy = (double)image.Height / height;
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                for (var c = 0; c < 3; c++)
                {
                    double sum = 0, area = 0;
                    for (var v = 0; v < image.Height; v++)
                    {
                        var oy = Math.Min((y + 1) * sy, v + 1) - Math.Max(y * sy, v);
                        for (var u = 0; u < image.Width; u++)
                        {
                            var ox = Math.Min((x + 1) * sx, u + 1) - Math.Max(x * sx, u);
                            if (ox > 0 && oy > 0)
                            {
                                sum += ox * oy * image.Data[(((v * image.Width) + u) * 3) + c];
                                area += ox * oy;
                            }
                        }
                    }

                    output[(((y * width) + x) * 3) + c] = sum / area;
                }
            }
        }

        return output;
    }
}
