using Haven.Media;

namespace Haven.Wellness;

/// <summary>An RGB image in floats (0–255), three values per pixel, row by row, for the preview kernels.</summary>
internal sealed class RgbImage
{
    /// <param name="width">At least 1.</param>
    /// <param name="height">At least 1.</param>
    /// <param name="data">Three values per pixel; allocated when null.</param>
    public RgbImage(int width, int height, float[]? data = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        Width = width;
        Height = height;
        Data = data ?? new float[width * height * 3];
        ArgumentOutOfRangeException.ThrowIfNotEqual(Data.Length, width * height * 3);
    }

    /// <summary>Pixels across.</summary>
    public int Width { get; }

    /// <summary>Pixels down.</summary>
    public int Height { get; }

    /// <summary>R, G, B per pixel.</summary>
    public float[] Data { get; }

    /// <summary>The decoder's pixels as RGB: grey repeated in each channel, alpha dropped (the decoder does not composite it either).</summary>
    public static RgbImage From(DecodedImage image)
    {
        var rgb = new RgbImage(image.Width, image.Height);
        var data = rgb.Data;
        for (var y = 0; y < image.Height; y++)
        {
            var row = image.Pixels.AsSpan(y * image.Stride);
            var o = y * image.Width * 3;
            for (var x = 0; x < image.Width; x++, o += 3)
            {
                if (image.Format == PixelLayout.Gray8)
                {
                    data[o] = data[o + 1] = data[o + 2] = row[x];
                }
                else
                {
                    data[o] = row[x * 4];
                    data[o + 1] = row[(x * 4) + 1];
                    data[o + 2] = row[(x * 4) + 2];
                }
            }
        }

        return rgb;
    }
}

/// <summary>
/// The pure pixel steps of previews: area resampling, bilinear enlargement, separable Gaussian blur, colour modes. Each
/// is deterministic and checked against a naive oracle in the tests.
/// </summary>
internal static class PreviewPixels
{
    /// <summary>
    /// The size that fits <paramref name="width"/>×<paramref name="height"/> within <paramref name="maxSide"/> on its
    /// longest side, keeping the aspect ratio and never enlarging; each side at least 1.
    /// </summary>
    public static (int Width, int Height) Fit(int width, int height, int maxSide)
    {
        var longest = Math.Max(width, height);
        if (longest <= maxSide)
        {
            return (width, height);
        }

        var scale = (double)maxSide / longest;
        return (Math.Clamp((int)Math.Round(width * scale), 1, maxSide), Math.Clamp((int)Math.Round(height * scale), 1, maxSide));
    }

    /// <summary>
    /// Resamples by area: each output pixel is the mean of the source area it covers (fractional pixels weighted by their
    /// covered share). Exact box filtering for reductions; for enlargements it repeats pixels (use <see cref="Enlarge"/>).
    /// </summary>
    public static RgbImage ResampleArea(RgbImage source, int width, int height)
    {
        var columns = AreaWeights(source.Width, width);
        var rows = AreaWeights(source.Height, height);
        var across = new RgbImage(width, source.Height);
        for (var y = 0; y < source.Height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                Accumulate(source.Data, (y * source.Width) + columns[x].First, 1, columns[x].Weights, across.Data, ((y * width) + x) * 3);
            }
        }

        var output = new RgbImage(width, height);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                Accumulate(across.Data, (rows[y].First * width) + x, width, rows[y].Weights, output.Data, ((y * width) + x) * 3);
            }
        }

        return output;
    }

    /// <summary>Enlarges (or resizes) by bilinear interpolation with pixel centres aligned and edges clamped.</summary>
    public static RgbImage Enlarge(RgbImage source, int width, int height)
    {
        var output = new RgbImage(width, height);
        var (sw, sh, src, dst) = (source.Width, source.Height, source.Data, output.Data);
        for (var y = 0; y < height; y++)
        {
            var fy = Math.Clamp((((y + 0.5) * sh) / height) - 0.5, 0, sh - 1);
            var y0 = (int)fy;
            var y1 = Math.Min(y0 + 1, sh - 1);
            var ty = (float)(fy - y0);
            for (var x = 0; x < width; x++)
            {
                var fx = Math.Clamp((((x + 0.5) * sw) / width) - 0.5, 0, sw - 1);
                var x0 = (int)fx;
                var x1 = Math.Min(x0 + 1, sw - 1);
                var tx = (float)(fx - x0);
                var o = ((y * width) + x) * 3;
                for (var c = 0; c < 3; c++)
                {
                    var top = (src[(((y0 * sw) + x0) * 3) + c] * (1 - tx)) + (src[(((y0 * sw) + x1) * 3) + c] * tx);
                    var bottom = (src[(((y1 * sw) + x0) * 3) + c] * (1 - tx)) + (src[(((y1 * sw) + x1) * 3) + c] * tx);
                    dst[o + c] = (top * (1 - ty)) + (bottom * ty);
                }
            }
        }

        return output;
    }

    /// <summary>The normalised 1-D Gaussian of <paramref name="sigma"/> over −r…r, r = ⌈3σ⌉ (over 99.7 % of its mass).</summary>
    public static float[] GaussianKernel(double sigma)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sigma);
        var radius = (int)Math.Ceiling(3 * sigma);
        var kernel = new float[(2 * radius) + 1];
        double sum = 0;
        for (var i = -radius; i <= radius; i++)
        {
            var w = Math.Exp(-(i * i) / (2 * sigma * sigma));
            kernel[i + radius] = (float)w;
            sum += w;
        }

        for (var i = 0; i < kernel.Length; i++)
        {
            kernel[i] = (float)(kernel[i] / sum);
        }

        return kernel;
    }

    /// <summary>
    /// Gaussian blur, separable (rows, then columns) with edges clamped: the same as convolving with the 2-D Gaussian
    /// g(dx)·g(dy), which the tests check against a naive 2-D convolution.
    /// </summary>
    public static RgbImage GaussianBlur(RgbImage source, double sigma)
    {
        var kernel = GaussianKernel(sigma);
        var radius = kernel.Length / 2;
        var (w, h) = (source.Width, source.Height);
        var across = new RgbImage(w, h);
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                float r = 0, g = 0, b = 0;
                for (var k = -radius; k <= radius; k++)
                {
                    var i = ((y * w) + Math.Clamp(x + k, 0, w - 1)) * 3;
                    var weight = kernel[k + radius];
                    r += source.Data[i] * weight;
                    g += source.Data[i + 1] * weight;
                    b += source.Data[i + 2] * weight;
                }

                var o = ((y * w) + x) * 3;
                (across.Data[o], across.Data[o + 1], across.Data[o + 2]) = (r, g, b);
            }
        }

        var output = new RgbImage(w, h);
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                float r = 0, g = 0, b = 0;
                for (var k = -radius; k <= radius; k++)
                {
                    var i = ((Math.Clamp(y + k, 0, h - 1) * w) + x) * 3;
                    var weight = kernel[k + radius];
                    r += across.Data[i] * weight;
                    g += across.Data[i + 1] * weight;
                    b += across.Data[i + 2] * weight;
                }

                var o = ((y * w) + x) * 3;
                (output.Data[o], output.Data[o + 1], output.Data[o + 2]) = (r, g, b);
            }
        }

        return output;
    }

    /// <summary>
    /// Opaque RGBA bytes in <paramref name="mode"/>. Greyscale and sepia start from the BT.601 luminance
    /// Y = 0.299 R + 0.587 G + 0.114 B, so greyscale pixels have R = G = B exactly; sepia is (Y, 0.84 Y, 0.62 Y), which
    /// never clips and keeps the order of brightness.
    /// </summary>
    public static byte[] ToRgba(RgbImage image, ColourMode mode)
    {
        var pixels = image.Width * image.Height;
        var rgba = new byte[pixels * 4];
        var data = image.Data;
        for (var p = 0; p < pixels; p++)
        {
            var (r, g, b) = (data[p * 3], data[(p * 3) + 1], data[(p * 3) + 2]);
            var o = p * 4;
            switch (mode)
            {
                case ColourMode.Colour:
                    (rgba[o], rgba[o + 1], rgba[o + 2]) = (ToByte(r), ToByte(g), ToByte(b));
                    break;
                case ColourMode.Sepia:
                    var ys = Luma(r, g, b);
                    (rgba[o], rgba[o + 1], rgba[o + 2]) = (ToByte(ys), ToByte(ys * 0.84f), ToByte(ys * 0.62f));
                    break;
                default:
                    var y = ToByte(Luma(r, g, b));
                    (rgba[o], rgba[o + 1], rgba[o + 2]) = (y, y, y);
                    break;
            }

            rgba[o + 3] = 255;
        }

        return rgba;
    }

    private static float Luma(float r, float g, float b) => (0.299f * r) + (0.587f * g) + (0.114f * b);

    private static byte ToByte(float value) => (byte)Math.Clamp(MathF.Round(value), 0, 255);

    private static void Accumulate(float[] source, int firstPixel, int pixelStep, float[] weights, float[] destination, int offset)
    {
        float r = 0, g = 0, b = 0;
        for (var k = 0; k < weights.Length; k++)
        {
            var i = (firstPixel + (k * pixelStep)) * 3;
            r += source[i] * weights[k];
            g += source[i + 1] * weights[k];
            b += source[i + 2] * weights[k];
        }

        (destination[offset], destination[offset + 1], destination[offset + 2]) = (r, g, b);
    }

    /// <summary>For each output pixel of a <paramref name="from"/> → <paramref name="to"/> resample, the source pixels it covers and their normalised shares.</summary>
    private static (int First, float[] Weights)[] AreaWeights(int from, int to)
    {
        var result = new (int, float[])[to];
        var scale = (double)from / to;
        for (var i = 0; i < to; i++)
        {
            var start = i * scale;
            var end = (i + 1) * scale;
            var first = (int)Math.Floor(start);
            var last = Math.Min(from - 1, (int)Math.Ceiling(end) - 1);
            var weights = new float[last - first + 1];
            for (var s = first; s <= last; s++)
            {
                weights[s - first] = (float)((Math.Min(end, s + 1) - Math.Max(start, s)) / (end - start));
            }

            result[i] = (first, weights);
        }

        return result;
    }
}
