using SkiaSharp;

namespace Haven.Simulation;

/// <summary>
/// Seeded synthetic photographs drawn in code (gradients, shapes, noise, text) and the re-upload transforms the demo and
/// tests apply to them. Deterministic for a seed on one SkiaSharp version. Never anything but abstract shapes.
/// </summary>
public static class SyntheticImages
{
    private static readonly string[] Words = ["harbour", "meadow", "lantern", "orchard", "granite", "comet", "willow", "atlas", "ember", "quartz"];

    /// <summary>Draws a <paramref name="width"/>×<paramref name="height"/> image from <paramref name="seed"/>.</summary>
    public static SKBitmap Generate(int seed, int width = 640, int height = 480) => Generate(seed, width, height, noiseAmplitude: 10);

    /// <summary>
    /// A <paramref name="side"/>×<paramref name="side"/> RGBA PNG without noise, so it compresses to a small file whose
    /// decode would cost a large frame: the shape of the decode-memory probe (a 0.2 MB file of 7000×7000 pixels).
    /// </summary>
    public static byte[] LargePng(int side, int seed = 7000)
    {
        // Drawn at a tenth of the size and enlarged by nearest neighbour: blocks of equal pixels deflate to almost nothing.
        using var bitmap = Generate(seed, Math.Max(1, side / 10), Math.Max(1, side / 10), noiseAmplitude: 0);
        using var unpremul = new SKBitmap(new SKImageInfo(side, side, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        // Translucent shapes keep an alpha channel in the file (colour type 6, RGBA).
        using (var canvas = new SKCanvas(unpremul))
        {
            canvas.DrawBitmap(bitmap, new SKRect(0, 0, side, side), new SKSamplingOptions(SKFilterMode.Nearest), null);
            using var hole = new SKPaint { BlendMode = SKBlendMode.Src, Color = new SKColor(40, 90, 160, 128) };
            canvas.DrawRect(0, 0, side / 8f, side / 8f, hole);
        }

        return Encode(unpremul, SKEncodedImageFormat.Png);
    }

    private static SKBitmap Generate(int seed, int width, int height, int noiseAmplitude)
    {
        var random = new Random(seed);
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(bitmap);

        using (var background = new SKPaint())
        {
            background.Shader = SKShader.CreateLinearGradient(
                new SKPoint(0, 0),
                new SKPoint(width * (float)random.NextDouble(), height),
                [RandomColor(random), RandomColor(random), RandomColor(random)],
                null,
                SKShaderTileMode.Clamp);
            canvas.DrawRect(0, 0, width, height, background);
        }

        using var paint = new SKPaint { IsAntialias = true };
        var shapes = 6 + random.Next(10);
        for (var i = 0; i < shapes; i++)
        {
            paint.Color = RandomColor(random).WithAlpha((byte)(140 + random.Next(116)));
            paint.Style = random.Next(4) == 0 ? SKPaintStyle.Stroke : SKPaintStyle.Fill;
            paint.StrokeWidth = 2 + random.Next(12);
            var x = (float)(random.NextDouble() * width);
            var y = (float)(random.NextDouble() * height);
            var size = (float)((0.05 + random.NextDouble() * 0.35) * Math.Min(width, height));
            switch (random.Next(3))
            {
                case 0:
                    canvas.DrawCircle(x, y, size, paint);
                    break;
                case 1:
                    canvas.DrawRect(x - size, y - size / 2, size * 2, size, paint);
                    break;
                default:
                    using (var builder = new SKPathBuilder())
                    {
                        builder.AddPoly(
                            [new SKPoint(x, y), new SKPoint(x + size, y + size * (float)random.NextDouble()), new SKPoint(x - size * (float)random.NextDouble(), y + size)],
                            true);
                        using var path = builder.Detach();
                        canvas.DrawPath(path, paint);
                    }

                    break;
            }
        }

        // Lines and a band of stripes give every image edges that survive PDQ's 64×64 decimation (quality ≥ 50),
        // as real photographs have; smooth gradients alone hash with low quality.
        paint.Style = SKPaintStyle.Stroke;
        var lines = 8 + random.Next(12);
        for (var i = 0; i < lines; i++)
        {
            paint.Color = RandomColor(random);
            paint.StrokeWidth = 2 + random.Next(Math.Max(3, Math.Min(width, height) / 40));
            canvas.DrawLine((float)(random.NextDouble() * width), (float)(random.NextDouble() * height), (float)(random.NextDouble() * width), (float)(random.NextDouble() * height), paint);
        }

        paint.Style = SKPaintStyle.Fill;
        var stripe = Math.Max(4, width / (10 + random.Next(20)));
        var bandTop = (float)(random.NextDouble() * height * 0.7);
        var bandHeight = height * (0.1f + 0.2f * (float)random.NextDouble());
        paint.Color = RandomColor(random).WithAlpha(200);
        for (var x = random.Next(stripe); x < width; x += stripe * 2)
        {
            canvas.DrawRect(x, bandTop, stripe, bandHeight, paint);
        }

        using (var font = new SKFont(SKTypeface.Default, Math.Max(12, height / 10f)))
        using (var ink = new SKPaint { IsAntialias = true, Color = RandomColor(random) })
        {
            canvas.DrawText(Words[random.Next(Words.Length)], width * 0.1f, height * (0.3f + 0.5f * (float)random.NextDouble()), SKTextAlign.Left, font, ink);
        }

        if (noiseAmplitude > 0)
        {
            AddNoise(bitmap, random, noiseAmplitude);
        }

        return bitmap;
    }

    /// <summary>Encodes a bitmap.</summary>
    public static byte[] Encode(SKBitmap bitmap, SKEncodedImageFormat format = SKEncodedImageFormat.Jpeg, int quality = 92)
    {
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format, quality) ?? throw new InvalidOperationException($"SkiaSharp cannot encode {format}.");
        return data.ToArray();
    }

    /// <summary>Resizes by <paramref name="scale"/> with a linear filter and mipmaps.</summary>
    public static SKBitmap Resize(SKBitmap source, double scale)
    {
        var width = Math.Max(1, (int)Math.Round(source.Width * scale));
        var height = Math.Max(1, (int)Math.Round(source.Height * scale));
        return source.Resize(new SKImageInfo(width, height, source.ColorType, source.AlphaType), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear))
            ?? throw new InvalidOperationException("Resize failed.");
    }

    /// <summary>Crops <paramref name="fraction"/> of each side's length away, split between the two ends by <paramref name="random"/>.</summary>
    public static SKBitmap Crop(SKBitmap source, double fraction, Random random)
    {
        var cutX = (int)(source.Width * fraction);
        var cutY = (int)(source.Height * fraction);
        var left = cutX == 0 ? 0 : random.Next(cutX + 1);
        var top = cutY == 0 ? 0 : random.Next(cutY + 1);
        var result = new SKBitmap(new SKImageInfo(source.Width - cutX, source.Height - cutY, source.ColorType, source.AlphaType));
        using var canvas = new SKCanvas(result);
        canvas.DrawBitmap(source, -left, -top, SKSamplingOptions.Default, null);
        return result;
    }

    /// <summary>One of the 8 dihedral transforms: 0 identity, 1 rot90 (counter-clockwise), 2 rot180, 3 rot270, 4 flip top↔bottom, 5 mirror, 6 transpose, 7 anti-transpose.</summary>
    public static SKBitmap Dihedral(SKBitmap source, int variant)
    {
        var swap = variant is 1 or 3 or 6 or 7;
        var (w, h) = swap ? (source.Height, source.Width) : (source.Width, source.Height);
        var result = new SKBitmap(new SKImageInfo(w, h, source.ColorType, source.AlphaType));
        using var canvas = new SKCanvas(result);
        var m = variant switch
        {
            0 => SKMatrix.Identity,
            1 => new SKMatrix(0, 1, 0, -1, 0, h, 0, 0, 1), // counter-clockwise: (x, y) → (y, W − x)
            2 => new SKMatrix(-1, 0, w, 0, -1, h, 0, 0, 1),
            3 => new SKMatrix(0, -1, w, 1, 0, 0, 0, 0, 1), // clockwise: (x, y) → (H − y, x)
            4 => new SKMatrix(1, 0, 0, 0, -1, h, 0, 0, 1),
            5 => new SKMatrix(-1, 0, w, 0, 1, 0, 0, 0, 1),
            6 => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),
            7 => new SKMatrix(0, -1, w, -1, 0, h, 0, 0, 1),
            _ => throw new ArgumentOutOfRangeException(nameof(variant)),
        };
        canvas.SetMatrix(m);
        canvas.DrawBitmap(source, 0, 0, SKSamplingOptions.Default, null);
        return result;
    }

    /// <summary>Draws a small caption bar with text over the bottom-right corner, as re-posters do.</summary>
    public static SKBitmap Overlay(SKBitmap source, Random random)
    {
        var result = source.Copy();
        using var canvas = new SKCanvas(result);
        var barHeight = Math.Max(8, source.Height / 12);
        var barWidth = Math.Max(16, source.Width / 3);
        using var bar = new SKPaint { Color = new SKColor(0, 0, 0, 170) };
        canvas.DrawRect(source.Width - barWidth, source.Height - barHeight, barWidth, barHeight, bar);
        using var font = new SKFont(SKTypeface.Default, barHeight * 0.7f);
        using var ink = new SKPaint { Color = SKColors.White, IsAntialias = true };
        canvas.DrawText("@" + Words[random.Next(Words.Length)], source.Width - barWidth + 4, source.Height - barHeight * 0.25f, SKTextAlign.Left, font, ink);
        return result;
    }

    private static SKColor RandomColor(Random random) => new((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));

    private static void AddNoise(SKBitmap bitmap, Random random, int amplitude)
    {
        var pixels = bitmap.GetPixelSpan();
        for (var i = 0; i < pixels.Length; i++)
        {
            if ((i & 3) == 3)
            {
                continue;
            }

            pixels[i] = (byte)Math.Clamp(pixels[i] + random.Next(-amplitude, amplitude + 1), 0, 255);
        }
    }
}
