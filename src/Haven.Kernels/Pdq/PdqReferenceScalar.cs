namespace Haven.Kernels.Pdq;

/// <summary>
/// A literal, allocation-happy transcription of shared/specs/pdq.md: one scalar loop per step, in the reference's operation order.
/// It is the oracle the fast <see cref="PdqHasher"/> is tested against and the in-run baseline of the benchmark; never optimise it.
/// </summary>
internal static class PdqReferenceScalar
{
    /// <summary>Reference pipeline: nearest-neighbour resize of the raw pixels to 512×512 when a side exceeds 512, then luma, then the core.</summary>
    public static PdqResult HashReference(ReadOnlySpan<byte> pixels, int width, int height, int stride, PdqPixelFormat format, Span<PdqHash> dihedral = default)
    {
        PdqHasher.ValidatePixels(pixels, width, height, stride, format);
        PdqHasher.ValidateDihedral(dihedral);
        if (width == 0 || height == 0)
        {
            return PdqHasher.ZeroResult(dihedral);
        }

        var (luma, lumaWidth, lumaHeight) = ReferenceLuma(pixels, width, height, stride, format);
        return HashLuma(luma, lumaWidth, lumaHeight, dihedral);
    }

    /// <summary>The tool-level part (§1 and §2.1): resize the raw pixels to 512×512 when a side exceeds 512, then float luma.</summary>
    internal static (float[] Luma, int Width, int Height) ReferenceLuma(ReadOnlySpan<byte> pixels, int width, int height, int stride, PdqPixelFormat format)
    {
        var bytesPerPixel = PdqHasher.BytesPerPixel(format);
        var source = pixels;
        if (width > PdqHasher.ResizeLimit || height > PdqHasher.ResizeLimit)
        {
            // §1: the tool resizes the decoded pixels (not the luma) before the core sees them.
            const int side = PdqHasher.ResizeLimit;
            var resized = new byte[side * side * bytesPerPixel];
            for (var y = 0; y < side; y++)
            {
                var sourceY = (int)Math.Floor((double)y * height / side);
                for (var x = 0; x < side; x++)
                {
                    var sourceX = (int)Math.Floor((double)x * width / side);
                    pixels.Slice(sourceY * stride + sourceX * bytesPerPixel, bytesPerPixel)
                        .CopyTo(resized.AsSpan((y * side + x) * bytesPerPixel));
                }
            }

            source = resized;
            width = side;
            height = side;
            stride = side * bytesPerPixel;
        }

        var luma = new float[width * height];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var p = source.Slice(y * stride + x * bytesPerPixel, bytesPerPixel);
                luma[y * width + x] = format switch
                {
                    PdqPixelFormat.Gray8 => p[0],
                    PdqPixelFormat.Rgb24 or PdqPixelFormat.Rgba32 =>
                        PdqHasher.LumaR * p[0] + PdqHasher.LumaG * p[1] + PdqHasher.LumaB * p[2],
                    PdqPixelFormat.Bgra32 =>
                        PdqHasher.LumaR * p[2] + PdqHasher.LumaG * p[1] + PdqHasher.LumaB * p[0],
                    _ => throw new ArgumentOutOfRangeException(nameof(format)),
                };
            }
        }

        return (luma, width, height);
    }

    /// <summary>The core (§2) from row-major float luma, no resize.</summary>
    public static PdqResult HashLuma(ReadOnlySpan<float> luma, int width, int height, Span<PdqHash> dihedral = default)
    {
        PdqHasher.ValidateLuma(luma, width, height);
        PdqHasher.ValidateDihedral(dihedral);
        if (width < PdqHasher.MinHashableDim || height < PdqHasher.MinHashableDim)
        {
            return PdqHasher.ZeroResult(dihedral);
        }

        var a = Block64(luma, width, height);
        var quality = Quality(a);

        var b = Dct(a);
        var hash = Threshold(b);
        if (dihedral.Length == 8)
        {
            dihedral[0] = hash;
            dihedral[1] = Threshold(Transform(b, static (i, j, v) => (j, i, (j & 1) != 0 ? v : -v)));
            dihedral[2] = Threshold(Transform(b, static (i, j, v) => (i, j, ((i + j) & 1) != 0 ? -v : v)));
            dihedral[3] = Threshold(Transform(b, static (i, j, v) => (j, i, (i & 1) != 0 ? v : -v)));
            dihedral[4] = Threshold(Transform(b, static (i, j, v) => (i, j, (i & 1) != 0 ? v : -v)));
            dihedral[5] = Threshold(Transform(b, static (i, j, v) => (i, j, (j & 1) != 0 ? v : -v)));
            dihedral[6] = Threshold(Transform(b, static (i, j, v) => (j, i, v)));
            dihedral[7] = Threshold(Transform(b, static (i, j, v) => (j, i, ((i + j) & 1) != 0 ? -v : v)));
        }

        return new PdqResult(hash, quality);
    }

    /// <summary>Blur (§2.3) and decimate (§2.4) to 64×64; a 64×64 input passes straight through.</summary>
    internal static float[] Block64(ReadOnlySpan<float> luma, int width, int height)
    {
        var a = new float[64 * 64];
        if (width == 64 && height == 64)
        {
            // The reference copies a 64×64 input straight through without blurring.
            luma[..(64 * 64)].CopyTo(a);
        }
        else
        {
            var buffer1 = luma[..(width * height)].ToArray();
            var buffer2 = new float[width * height];
            var windowAlongRows = PdqHasher.WindowSize(width);
            var windowAlongCols = PdqHasher.WindowSize(height);
            for (var pass = 0; pass < 2; pass++)
            {
                for (var row = 0; row < height; row++)
                {
                    Box1D(buffer1, buffer2, row * width, 1, width, windowAlongRows);
                }

                for (var col = 0; col < width; col++)
                {
                    Box1D(buffer2, buffer1, col, width, height, windowAlongCols);
                }
            }

            for (var i = 0; i < 64; i++)
            {
                var row = (int)((i + 0.5) * height / 64);
                for (var j = 0; j < 64; j++)
                {
                    var col = (int)((j + 0.5) * width / 64);
                    a[i * 64 + j] = buffer1[row * width + col];
                }
            }
        }

        return a;
    }

    /// <summary>B = (D·A)·Dᵀ (§2.6), each dot product a float accumulator over k = 0..63 in order.</summary>
    internal static float[] Dct(float[] a)
    {
        var d = PdqHasher.DctMatrix;
        var t = new float[16 * 64];
        for (var i = 0; i < 16; i++)
        {
            for (var j = 0; j < 64; j++)
            {
                var sum = 0f;
                for (var k = 0; k < 64; k++)
                {
                    sum += d[i * 64 + k] * a[k * 64 + j];
                }

                t[i * 64 + j] = sum;
            }
        }

        var b = new float[16 * 16];
        for (var i = 0; i < 16; i++)
        {
            for (var j = 0; j < 16; j++)
            {
                var sum = 0f;
                for (var k = 0; k < 64; k++)
                {
                    sum += t[i * 64 + k] * d[j * 64 + k];
                }

                b[i * 16 + j] = sum;
            }
        }

        return b;
    }

    /// <summary>One running-sum box filter over a strided vector (spec §2.3, four phases).</summary>
    internal static void Box1D(float[] input, float[] output, int offset, int stride, int length, int window)
    {
        var left = (window - 1) / 2;
        var right = window - 1 - left;
        int readIndex = offset, leaveIndex = offset, writeIndex = offset;
        var sum = 0f;
        var count = 0;
        for (var i = 0; i < right; i++)
        {
            sum += input[readIndex];
            count++;
            readIndex += stride;
        }

        for (var i = 0; i < left + 1; i++)
        {
            sum += input[readIndex];
            count++;
            output[writeIndex] = sum / count;
            readIndex += stride;
            writeIndex += stride;
        }

        for (var i = 0; i < length - window; i++)
        {
            sum += input[readIndex];
            sum -= input[leaveIndex];
            output[writeIndex] = sum / count;
            readIndex += stride;
            leaveIndex += stride;
            writeIndex += stride;
        }

        for (var i = 0; i < right; i++)
        {
            sum -= input[leaveIndex];
            count--;
            output[writeIndex] = sum / count;
            leaveIndex += stride;
            writeIndex += stride;
        }
    }

    internal static int Quality(float[] a)
    {
        var gradientSum = 0;
        for (var i = 0; i < 63; i++)
        {
            for (var j = 0; j < 64; j++)
            {
                var d = (int)((a[i * 64 + j] - a[(i + 1) * 64 + j]) * 100 / 255);
                gradientSum += Math.Abs(d);
            }
        }

        for (var i = 0; i < 64; i++)
        {
            for (var j = 0; j < 63; j++)
            {
                var d = (int)((a[i * 64 + j] - a[i * 64 + j + 1]) * 100 / 255);
                gradientSum += Math.Abs(d);
            }
        }

        return Math.Min(100, gradientSum / 90);
    }

    private static float[] Transform(float[] b, Func<int, int, float, (int Row, int Col, float Value)> map)
    {
        var result = new float[16 * 16];
        for (var i = 0; i < 16; i++)
        {
            for (var j = 0; j < 16; j++)
            {
                var (row, col, value) = map(i, j, b[i * 16 + j]);
                result[row * 16 + col] = value;
            }
        }

        return result;
    }

    private static PdqHash Threshold(float[] b)
    {
        var sorted = (float[])b.Clone();
        Array.Sort(sorted);
        var median = sorted[127];
        Span<bool> bits = stackalloc bool[256];
        for (var k = 0; k < 256; k++)
        {
            bits[k] = b[k] > median;
        }

        return PdqHash.FromBits(bits);
    }
}
