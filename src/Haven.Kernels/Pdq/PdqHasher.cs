using System.Buffers;
using System.Numerics;

namespace Haven.Kernels.Pdq;

/// <summary>
/// PDQ perceptual hashing, bit-exact with Meta's C++ reference (shared/specs/pdq.md). Every float operation happens in the
/// reference's order; SIMD is only ever lane-parallel over independent outputs, never a reassociated sum.
/// Thread-safe; scratch comes from <see cref="ArrayPool{T}.Shared"/>, so a call allocates nothing once the pool is warm.
/// </summary>
public static partial class PdqHasher
{
    internal const int MinHashableDim = 5;
    internal const int ResizeLimit = 512;
    internal const float LumaR = 0.299f;
    internal const float LumaG = 0.587f;
    internal const float LumaB = 0.114f;

    /// <summary>The 16×64 DCT matrix, row i = frequency i+1 (§2.6): float(float(sqrt(2/64)) · cos(π/2/64 · (i+1) · (2j+1))), cos in double.</summary>
    internal static readonly float[] DctMatrix = BuildDctMatrix();

    /// <summary>
    /// The reference pipeline (§1 and §2): when a side exceeds 512, nearest-neighbour resample to exactly 512×512
    /// (top-left anchored), then luma Y = 0.299·R + 0.587·G + 0.114·B in float (grey as is), then the core.
    /// </summary>
    /// <param name="pixels">Rows of 8-bit pixels; alpha, if any, is ignored.</param>
    /// <param name="width">Columns.</param>
    /// <param name="height">Rows.</param>
    /// <param name="stride">Bytes from one row to the next (at least width × bytes per pixel).</param>
    /// <param name="format">Pixel layout.</param>
    /// <param name="dihedral">Empty, or 8 slots to receive orig, rot90, rot180, rot270, flipX, flipY, flipPlus1, flipMinus1 (§2.8).</param>
    /// <returns>The hash and its quality; the zero hash and quality 0 when the (resized) image has a side under 5 pixels.</returns>
    public static PdqResult HashReference(ReadOnlySpan<byte> pixels, int width, int height, int stride, PdqPixelFormat format, Span<PdqHash> dihedral = default)
    {
        ValidatePixels(pixels, width, height, stride, format);
        ValidateDihedral(dihedral);
        if (width == 0 || height == 0)
        {
            return ZeroResult(dihedral);
        }

        var resize = width > ResizeLimit || height > ResizeLimit;
        var lumaWidth = resize ? ResizeLimit : width;
        var lumaHeight = resize ? ResizeLimit : height;
        if (lumaWidth < MinHashableDim || lumaHeight < MinHashableDim)
        {
            return ZeroResult(dihedral);
        }

        var luma = ArrayPool<float>.Shared.Rent(lumaWidth * lumaHeight);
        try
        {
            if (resize)
            {
                FillLumaResized(pixels, width, height, stride, format, luma);
            }
            else
            {
                FillLuma(pixels, width, height, stride, format, luma);
            }

            return HashCore(luma, lumaWidth, lumaHeight, dihedral);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(luma);
        }
    }

    /// <summary>The core (§2) from row-major float luma of <paramref name="width"/> × <paramref name="height"/>, without any resize.</summary>
    /// <param name="luma">Row-major luma, at least width × height values, finite.</param>
    /// <param name="width">Columns.</param>
    /// <param name="height">Rows.</param>
    /// <param name="dihedral">Empty, or 8 slots to receive orig, rot90, rot180, rot270, flipX, flipY, flipPlus1, flipMinus1 (§2.8).</param>
    /// <returns>The hash and its quality; the zero hash and quality 0 when a side is under 5 pixels.</returns>
    public static PdqResult HashLuma(ReadOnlySpan<float> luma, int width, int height, Span<PdqHash> dihedral = default)
    {
        ValidateLuma(luma, width, height);
        ValidateDihedral(dihedral);
        if (width < MinHashableDim || height < MinHashableDim)
        {
            return ZeroResult(dihedral);
        }

        var copy = ArrayPool<float>.Shared.Rent(width * height);
        try
        {
            // The core works in place on its first buffer, and the caller's luma is read-only.
            luma[..(width * height)].CopyTo(copy);
            return HashCore(copy, width, height, dihedral);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(copy);
        }
    }

    /// <summary>Core from luma in <paramref name="luma"/> (which it may overwrite); sides are at least 5.</summary>
    private static PdqResult HashCore(float[] luma, int width, int height, Span<PdqHash> dihedral)
    {
        Span<float> block64 = stackalloc float[64 * 64];
        if (width == 64 && height == 64)
        {
            // The reference copies a 64×64 input straight through without blurring.
            luma.AsSpan(0, 64 * 64).CopyTo(block64);
        }
        else
        {
            BlurAndDecimate(luma, width, height, block64);
        }

        var quality = Quality(block64);
        Span<float> coefficients = stackalloc float[16 * 16];
        Dct64To16(block64, coefficients);
        var hash = Threshold(coefficients, dihedral);
        return new PdqResult(hash, quality);
    }

    internal static int WindowSize(int dimension) => (dimension + 127) / 128;

    internal static int BytesPerPixel(PdqPixelFormat format) => format switch
    {
        PdqPixelFormat.Gray8 => 1,
        PdqPixelFormat.Rgb24 => 3,
        PdqPixelFormat.Rgba32 or PdqPixelFormat.Bgra32 => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown pixel format."),
    };

    internal static PdqResult ZeroResult(Span<PdqHash> dihedral)
    {
        dihedral.Clear();
        return new PdqResult(default, 0);
    }

    internal static void ValidatePixels(ReadOnlySpan<byte> pixels, int width, int height, int stride, PdqPixelFormat format)
    {
        var bytesPerPixel = BytesPerPixel(format);
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        if (width == 0 || height == 0)
        {
            return;
        }

        if (stride < (long)width * bytesPerPixel)
        {
            throw new ArgumentOutOfRangeException(nameof(stride), stride, "The stride is shorter than one row of pixels.");
        }

        if (pixels.Length < (long)(height - 1) * stride + (long)width * bytesPerPixel)
        {
            throw new ArgumentException("The pixel buffer is shorter than height rows of stride bytes.", nameof(pixels));
        }
    }

    internal static void ValidateLuma(ReadOnlySpan<float> luma, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        if (luma.Length < (long)width * height)
        {
            throw new ArgumentException("The luma buffer is shorter than width × height.", nameof(luma));
        }
    }

    internal static void ValidateDihedral(Span<PdqHash> dihedral)
    {
        if (dihedral.Length is not (0 or 8))
        {
            throw new ArgumentException("The dihedral span must be empty or hold exactly 8 hashes.", nameof(dihedral));
        }
    }

    private static float[] BuildDctMatrix()
    {
        var scale = (float)Math.Sqrt(2.0 / 64);
        var matrix = new float[16 * 64];
        for (var i = 0; i < 16; i++)
        {
            for (var j = 0; j < 64; j++)
            {
                matrix[i * 64 + j] = (float)(scale * Math.Cos(Math.PI / 2 / 64 * (i + 1) * (2 * j + 1)));
            }
        }

        return matrix;
    }

    private static bool IsPowerOfTwo(int value) => BitOperations.IsPow2(value);
}
