using Haven.Media;
using Haven.Simulation;
using Haven.Wellness;
using SkiaSharp;

namespace Haven.Tests.Wellness;

/// <summary>Server-side previews and revealed renderings of synthetic images, and hostile input.</summary>
public sealed class PreviewRendererTests
{
    private readonly DecodeBudget _budget = new(64L * 1024 * 1024, 2);

    private PreviewRenderer Renderer() => new(new ImageDecoder(), _budget);

    private static ViewSettings Settings(int blur = 1, ColourMode colour = ColourMode.Greyscale) => ViewSettings.Default with { BlurStrength = blur, Colour = colour };

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(10)]
    public async Task A_preview_keeps_almost_none_of_the_originals_fine_detail(int blur)
    {
        var random = new Random(blur);
        foreach (var seed in new[] { 1, 2, 3 })
        {
            var bytes = NoisePng(random, 400, 300);

            var preview = Decode((await Renderer().PreviewAsync(bytes, Settings(blur, ColourMode.Colour))).Value);
            var original = Decode((await Renderer().RevealedAsync(bytes, Settings(colour: ColourMode.Colour))).Value);

            // Mean squared difference of neighbouring pixels: the energy of the highest frequencies.
            var before = DetailEnergy(original);
            var after = DetailEnergy(preview);
            Assert.True(after < before * 0.001, $"seed {seed}, blur {blur}: detail energy {after:F2} of {before:F2}");
        }
    }

    [Fact]
    public async Task A_preview_of_a_synthetic_photo_is_far_from_it_and_close_to_a_naive_gaussian_of_it()
    {
        using var bitmap = SyntheticImages.Generate(seed: 9, width: 640, height: 480);
        var bytes = SyntheticImages.Encode(bitmap, SKEncodedImageFormat.Png);

        var rendered = (await Renderer().PreviewAsync(bytes, Settings(1, ColourMode.Colour))).Value;
        var preview = Decode(rendered);
        var original = Decode((await Renderer().RevealedAsync(bytes, Settings(colour: ColourMode.Colour))).Value);

        Assert.Equal((480, 360), (rendered.Width, rendered.Height));
        Assert.True(DetailEnergy(preview) < DetailEnergy(original) * 0.02);

        // The oracle: a 96×72 box average of the decoded image blurred by a naive 2-D Gaussian of the same sigma.
        var small = PreviewPixels.ResampleArea(ToRgb(original), 96, 72);
        var oracle = PreviewPixels.Enlarge(new RgbImage(96, 72, [.. PreviewPixelsTests.NaiveGaussian(small, 0.04 * 96).Select(v => (float)v)]), 480, 360);
        var previewRgb = ToRgb(preview);
        var meanError = previewRgb.Data.Zip(oracle.Data, (a, b) => Math.Abs(a - b)).Average();
        var meanChange = previewRgb.Data.Zip(PreviewPixels.ResampleArea(ToRgb(original), 480, 360).Data, (a, b) => Math.Abs(a - b)).Average();
        Assert.True(meanError < 2.5, $"preview differs from the oracle by {meanError:F2} on average");
        Assert.True(meanChange > 4 * meanError, $"preview changed the image by {meanChange:F2} on average");
    }

    [Fact]
    public async Task Greyscale_previews_and_reveals_have_equal_channels_and_colour_keeps_the_pixels()
    {
        using var bitmap = SyntheticImages.Generate(seed: 4, width: 200, height: 120);
        var bytes = SyntheticImages.Encode(bitmap, SKEncodedImageFormat.Png);

        foreach (var rendered in new[] { (await Renderer().PreviewAsync(bytes, Settings(3))).Value, (await Renderer().RevealedAsync(bytes, Settings(3))).Value })
        {
            using var image = Decode(rendered);
            for (var y = 0; y < image.Height; y++)
            {
                for (var x = 0; x < image.Width; x++)
                {
                    var p = image.GetPixel(x, y);
                    Assert.True(p.Red == p.Green && p.Green == p.Blue, $"({x},{y}) is {p}");
                }
            }
        }

        // A small image is revealed at its own size, pixel for pixel, when the person chose colour.
        using var colour = Decode((await Renderer().RevealedAsync(bytes, Settings(colour: ColourMode.Colour))).Value);
        using var source = SKBitmap.Decode(bytes);
        Assert.Equal((200, 120), (colour.Width, colour.Height));
        for (var y = 0; y < 120; y += 7)
        {
            for (var x = 0; x < 200; x += 5)
            {
                var (a, b) = (colour.GetPixel(x, y), source.GetPixel(x, y));
                Assert.Equal((b.Red, b.Green, b.Blue), (a.Red, a.Green, a.Blue));
            }
        }
    }

    [Fact]
    public async Task A_large_wide_image_keeps_its_shape_within_the_bounds()
    {
        using var bitmap = SyntheticImages.Generate(seed: 12, width: 1600, height: 800);
        var bytes = SyntheticImages.Encode(bitmap);

        var preview = (await Renderer().PreviewAsync(bytes, Settings())).Value;
        var revealed = (await Renderer().RevealedAsync(bytes, Settings())).Value;

        Assert.Equal((480, 240), (preview.Width, preview.Height));
        Assert.Equal((512, 256), (revealed.Width, revealed.Height));
        Assert.Equal(RenderedImage.ContentType, "image/png");
    }

    [Fact]
    public async Task Hostile_input_is_a_typed_error_and_the_budget_is_returned()
    {
        using var bitmap = SyntheticImages.Generate(seed: 2, width: 300, height: 200);
        var png = SyntheticImages.Encode(bitmap, SKEncodedImageFormat.Png);
        var jpeg = SyntheticImages.Encode(bitmap);
        var cases = new (byte[] Bytes, string Code)[]
        {
            ([], "empty"),
            ("not an image at all"u8.ToArray(), "not_an_image"),
            (png[..(png.Length / 2)], "truncated"),
            (jpeg[..(jpeg.Length / 3)], "truncated"),
            (BombPng(60_000, 60_000), "too_many_pixels"),
        };

        foreach (var (bytes, code) in cases)
        {
            foreach (var result in new[] { await Renderer().PreviewAsync(bytes, Settings()), await Renderer().RevealedAsync(bytes, Settings()) })
            {
                Assert.False(result.IsSuccess, code);
                Assert.Equal("render_failed", result.Error.Code);
                Assert.Equal(code, result.Error.MediaCode);
            }
        }

        Assert.Equal(0, _budget.InUseBytes);
        Assert.True(_budget.PeakBytes > 0);
    }

    internal static SKBitmap Decode(RenderedImage rendered)
    {
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], rendered.Png[..4]);
        var bitmap = SKBitmap.Decode(rendered.Png);
        Assert.Equal((rendered.Width, rendered.Height), (bitmap.Width, bitmap.Height));
        return bitmap;
    }

    private static byte[] NoisePng(Random random, int width, int height)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                bitmap.SetPixel(x, y, new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
            }
        }

        return SyntheticImages.Encode(bitmap, SKEncodedImageFormat.Png);
    }

    /// <summary>A PNG signature and IHDR claiming <paramref name="width"/>×<paramref name="height"/>, then one tiny IDAT: a bomb refused from its header.</summary>
    private static byte[] BombPng(int width, int height)
    {
        using var small = new SKBitmap(new SKImageInfo(8, 8, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var bytes = SyntheticImages.Encode(small, SKEncodedImageFormat.Png);
        // IHDR data starts at 16: width and height big-endian; the CRC then fails, so fix it too.
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(16), width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(20), height);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(29), PngRows.Crc32(bytes.AsSpan(12, 17)));
        return bytes;
    }

    private static double DetailEnergy(SKBitmap image)
    {
        double sum = 0;
        long count = 0;
        for (var y = 0; y < image.Height - 1; y++)
        {
            for (var x = 0; x < image.Width - 1; x++)
            {
                var (p, right, down) = (image.GetPixel(x, y), image.GetPixel(x + 1, y), image.GetPixel(x, y + 1));
                sum += Square(p.Red - right.Red) + Square(p.Green - right.Green) + Square(p.Blue - right.Blue)
                     + Square(p.Red - down.Red) + Square(p.Green - down.Green) + Square(p.Blue - down.Blue);
                count++;
            }
        }

        return sum / count;
    }

    private static double Square(int v) => (double)v * v;

    private static RgbImage ToRgb(SKBitmap bitmap)
    {
        var image = new RgbImage(bitmap.Width, bitmap.Height);
        for (var y = 0; y < bitmap.Height; y++)
        {
            for (var x = 0; x < bitmap.Width; x++)
            {
                var p = bitmap.GetPixel(x, y);
                var o = ((y * bitmap.Width) + x) * 3;
                (image.Data[o], image.Data[o + 1], image.Data[o + 2]) = (p.Red, p.Green, p.Blue);
            }
        }

        return image;
    }
}
