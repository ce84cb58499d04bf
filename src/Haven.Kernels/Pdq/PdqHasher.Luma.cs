using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Haven.Kernels.Pdq;

public static partial class PdqHasher
{
    /// <summary>Row-major luma of an image that needs no resize. Vector lanes are pixels; each lane computes ((0.299f·R + 0.587f·G) + 0.114f·B) like the scalar code.</summary>
    internal static void FillLuma(ReadOnlySpan<byte> pixels, int width, int height, int stride, PdqPixelFormat format, Span<float> luma)
    {
        for (var y = 0; y < height; y++)
        {
            var row = pixels.Slice(y * stride, width * BytesPerPixel(format));
            var output = luma.Slice(y * width, width);
            var x = format switch
            {
                PdqPixelFormat.Gray8 => GrayRowVector(row, output),
                PdqPixelFormat.Rgb24 => Rgb24RowVector(row, output),
                PdqPixelFormat.Rgba32 => Rgba32RowVector(row, output, redShift: 0, blueShift: 16),
                PdqPixelFormat.Bgra32 => Rgba32RowVector(row, output, redShift: 16, blueShift: 0),
                _ => throw new ArgumentOutOfRangeException(nameof(format)),
            };
            for (; x < width; x++)
            {
                output[x] = LumaOf(row, x, format);
            }
        }
    }

    /// <summary>
    /// Luma of the 512×512 nearest-neighbour resample (§1), sampled straight from the source pixels:
    /// src_x = floor(x·W/512), src_y = floor(y·H/512). x·W/512 is exact in double for any int sizes, so the integer quotient is the same floor.
    /// </summary>
    internal static void FillLumaResized(ReadOnlySpan<byte> pixels, int width, int height, int stride, PdqPixelFormat format, Span<float> luma)
    {
        const int side = ResizeLimit;
        Span<int> sourceColumns = stackalloc int[side];
        for (var x = 0; x < side; x++)
        {
            sourceColumns[x] = (int)((long)x * width / side);
        }

        for (var y = 0; y < side; y++)
        {
            var sourceY = (int)((long)y * height / side);
            var row = pixels.Slice(sourceY * stride, width * BytesPerPixel(format));
            var output = luma.Slice(y * side, side);
            for (var x = 0; x < side; x++)
            {
                output[x] = LumaOf(row, sourceColumns[x], format);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float LumaOf(ReadOnlySpan<byte> row, int x, PdqPixelFormat format)
    {
        switch (format)
        {
            case PdqPixelFormat.Gray8:
                return row[x];
            case PdqPixelFormat.Rgb24:
                var rgb = row.Slice(x * 3, 3);
                return LumaR * rgb[0] + LumaG * rgb[1] + LumaB * rgb[2];
            case PdqPixelFormat.Rgba32:
                var rgba = row.Slice(x * 4, 3);
                return LumaR * rgba[0] + LumaG * rgba[1] + LumaB * rgba[2];
            default:
                var bgra = row.Slice(x * 4, 3);
                return LumaR * bgra[2] + LumaG * bgra[1] + LumaB * bgra[0];
        }
    }

    private static int GrayRowVector(ReadOnlySpan<byte> row, Span<float> output)
    {
        var x = 0;
        if (!Avx2.IsSupported)
        {
            return x;
        }

        ref var src = ref MemoryMarshal.GetReference(row);
        ref var dst = ref MemoryMarshal.GetReference(output);
        for (; x <= row.Length - 16; x += 16)
        {
            var bytes = Vector128.LoadUnsafe(ref src, (nuint)x);
            Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(bytes)).StoreUnsafe(ref dst, (nuint)x);
            Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Sse2.ShiftRightLogical128BitLane(bytes, 8))).StoreUnsafe(ref dst, (nuint)(x + 8));
        }

        return x;
    }

    private static int Rgba32RowVector(ReadOnlySpan<byte> row, Span<float> output, int redShift, int blueShift)
    {
        var x = 0;
        if (!Vector256.IsHardwareAccelerated)
        {
            return x;
        }

        ref var src = ref MemoryMarshal.GetReference(row);
        ref var dst = ref MemoryMarshal.GetReference(output);
        var mask = Vector256.Create(0xFF);
        var cr = Vector256.Create(LumaR);
        var cg = Vector256.Create(LumaG);
        var cb = Vector256.Create(LumaB);
        var pixelCount = row.Length / 4;
        for (; x <= pixelCount - 8; x += 8)
        {
            var words = Vector256.LoadUnsafe(ref src, (nuint)(x * 4)).AsInt32();
            var r = Vector256.ConvertToSingle(Vector256.ShiftRightLogical(words, redShift) & mask);
            var g = Vector256.ConvertToSingle(Vector256.ShiftRightLogical(words, 8) & mask);
            var b = Vector256.ConvertToSingle(Vector256.ShiftRightLogical(words, blueShift) & mask);
            (cr * r + cg * g + cb * b).StoreUnsafe(ref dst, (nuint)x);
        }

        return x;
    }

    private static int Rgb24RowVector(ReadOnlySpan<byte> row, Span<float> output)
    {
        var x = 0;
        if (!Avx2.IsSupported)
        {
            return x;
        }

        ref var src = ref MemoryMarshal.GetReference(row);
        ref var dst = ref MemoryMarshal.GetReference(output);
        var cr = Vector256.Create(LumaR);
        var cg = Vector256.Create(LumaG);
        var cb = Vector256.Create(LumaB);

        // Eight pixels are bytes 0..23: the low load covers 0..15 and the high load 8..23. 0x80 makes pshufb write zero.
        var redLow = Vector128.Create((byte)0, 3, 6, 9, 12, 15, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80);
        var redHigh = Vector128.Create((byte)0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 10, 13, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80);
        var greenLow = Vector128.Create((byte)1, 4, 7, 10, 13, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80);
        var greenHigh = Vector128.Create((byte)0x80, 0x80, 0x80, 0x80, 0x80, 8, 11, 14, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80);
        var blueLow = Vector128.Create((byte)2, 5, 8, 11, 14, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80);
        var blueHigh = Vector128.Create((byte)0x80, 0x80, 0x80, 0x80, 0x80, 9, 12, 15, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80);
        var pixelCount = row.Length / 3;
        for (; x <= pixelCount - 8; x += 8)
        {
            var low = Vector128.LoadUnsafe(ref src, (nuint)(x * 3));
            var high = Vector128.LoadUnsafe(ref src, (nuint)(x * 3 + 8));
            var r = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Ssse3.Shuffle(low, redLow) | Ssse3.Shuffle(high, redHigh)));
            var g = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Ssse3.Shuffle(low, greenLow) | Ssse3.Shuffle(high, greenHigh)));
            var b = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Ssse3.Shuffle(low, blueLow) | Ssse3.Shuffle(high, blueHigh)));
            (cr * r + cg * g + cb * b).StoreUnsafe(ref dst, (nuint)x);
        }

        return x;
    }
}
