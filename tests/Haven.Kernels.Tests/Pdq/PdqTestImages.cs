using Haven.Kernels.Pdq;
using SkiaSharp;

namespace Haven.Kernels.Tests.Pdq;

/// <summary>Synthetic test rasters (seeded) and the lossless PNG decoding used by the conformance tests.</summary>
internal static class PdqTestImages
{
    /// <summary>A decoded raster ready for <see cref="PdqHasher.HashReference"/>.</summary>
    internal sealed record Raster(byte[] Pixels, int Width, int Height, int Stride, PdqPixelFormat Format);

    /// <summary>Random bytes (noise) in the given format; rows padded by a few bytes so stride ≠ width × bpp.</summary>
    public static Raster Noise(int width, int height, PdqPixelFormat format, int seed)
    {
        var bpp = BytesPerPixel(format);
        var stride = width * bpp + 3;
        var pixels = new byte[stride * height];
        new Random(seed).NextBytes(pixels);
        return new Raster(pixels, width, height, stride, format);
    }

    /// <summary>Smooth content: a few seeded sinusoids and gradients per channel, the kind of input where medians are tight.</summary>
    public static Raster Smooth(int width, int height, PdqPixelFormat format, int seed)
    {
        var bpp = BytesPerPixel(format);
        var stride = width * bpp;
        var pixels = new byte[stride * height];
        var random = new Random(seed);
        var channels = new (double Fx, double Fy, double Phase, double Gx, double Gy)[bpp];
        for (var c = 0; c < bpp; c++)
        {
            channels[c] = (random.NextDouble() * 6, random.NextDouble() * 6, random.NextDouble() * 6.3, random.NextDouble() - 0.5, random.NextDouble() - 0.5);
        }

        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                for (var c = 0; c < bpp; c++)
                {
                    var (fx, fy, phase, gx, gy) = channels[c];
                    double u = (double)x / width, v = (double)y / height;
                    var value = 128 + 70 * Math.Sin(2 * Math.PI * (fx * u + fy * v) + phase) + 100 * (gx * u + gy * v);
                    pixels[y * stride + x * bpp + c] = (byte)Math.Clamp(value, 0, 255);
                }
            }
        }

        return new Raster(pixels, width, height, stride, format);
    }

    /// <summary>Random non-integer float luma in [0, 255).</summary>
    public static float[] NoiseLuma(int width, int height, int seed)
    {
        var random = new Random(seed);
        var luma = new float[width * height];
        for (var i = 0; i < luma.Length; i++)
        {
            luma[i] = (float)(random.NextDouble() * 255);
        }

        return luma;
    }

    /// <summary>A smooth float luma field with structure at several scales.</summary>
    public static float[] SmoothLuma(int width, int height, int seed)
    {
        var random = new Random(seed);
        var waves = new (double Fx, double Fy, double Phase, double Amplitude)[5];
        for (var w = 0; w < waves.Length; w++)
        {
            waves[w] = (random.NextDouble() * 8, random.NextDouble() * 8, random.NextDouble() * 6.3, 10 + random.NextDouble() * 30);
        }

        var luma = new float[width * height];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                double u = (double)x / width, v = (double)y / height;
                var value = 128.0;
                foreach (var (fx, fy, phase, amplitude) in waves)
                {
                    value += amplitude * Math.Sin(2 * Math.PI * (fx * u + fy * v) + phase);
                }

                luma[y * width + x] = (float)value;
            }
        }

        return luma;
    }

    public static int BytesPerPixel(PdqPixelFormat format) => format switch
    {
        PdqPixelFormat.Gray8 => 1,
        PdqPixelFormat.Rgb24 => 3,
        _ => 4,
    };

    /// <summary>Decodes a PNG losslessly: grey PNGs as Gray8 (the reference hashes 1-channel grey as (float)g), others as unpremultiplied RGBA.</summary>
    public static Raster DecodePng(string path)
    {
        using var codec = SKCodec.Create(path) ?? throw new InvalidOperationException("Not decodable: " + path);
        var grey = codec.Info.ColorType == SKColorType.Gray8;
        var info = grey
            ? new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Gray8, SKAlphaType.Opaque)
            : new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        var status = codec.GetPixels(info, bitmap.GetPixels());
        if (status != SKCodecResult.Success)
        {
            throw new InvalidOperationException($"Decoding {path} failed: {status}");
        }

        return new Raster(bitmap.Bytes, info.Width, info.Height, info.RowBytes, grey ? PdqPixelFormat.Gray8 : PdqPixelFormat.Rgba32);
    }
}
