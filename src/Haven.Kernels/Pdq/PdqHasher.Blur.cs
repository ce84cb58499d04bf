using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Haven.Kernels.Pdq;

public static partial class PdqHasher
{
    /// <summary>
    /// Two rounds of (box along rows, box along columns), then point-sampling 64×64 (§2.3–2.4), bit-exact.
    /// Every 1-D pass keeps the scalar op sequence per line and runs many independent lines side by side as SIMD lanes:
    /// column passes stream whole rows with one running sum per column; row passes transpose 8-row strips in registers
    /// so each lane is one row. Only the 64 sampled columns of the last row pass and the 64 sampled rows of the last column pass
    /// are kept; their running sums still visit every sample, because a float running sum depends on its whole history.
    /// </summary>
    internal static void BlurAndDecimate(float[] luma, int width, int height, Span<float> block64)
    {
        var windowAlongRows = WindowSize(width);
        var windowAlongCols = WindowSize(height);
        var pixels = width * height;
        var other = ArrayPool<float>.Shared.Rent(pixels);
        var sums = ArrayPool<float>.Shared.Rent(Math.Max(width, 64));
        var strips = ArrayPool<float>.Shared.Rent(2 * 8 * width);
        var sampledRows = ArrayPool<float>.Shared.Rent(64 * height);
        Span<int> rowPositions = stackalloc int[64];
        Span<int> colPositions = stackalloc int[64];
        for (var i = 0; i < 64; i++)
        {
            rowPositions[i] = (int)((i + 0.5) * height / 64);
            colPositions[i] = (int)((i + 0.5) * width / 64);
        }

        try
        {
            var a = luma.AsSpan(0, pixels);
            var b = other.AsSpan(0, pixels);
            var strip = strips.AsSpan(0, 8 * width);
            var stripOut = strips.AsSpan(8 * width, 8 * width);
            BoxAlongRows(a, b, strip, stripOut, sums, width, height, windowAlongRows, default);
            BoxAlongSlowAxis(b, a, sums, height, width, windowAlongCols, default);
            var rows = sampledRows.AsSpan(0, 64 * height);
            BoxAlongRows(a, rows, strip, stripOut, sums, width, height, windowAlongRows, colPositions);
            BoxAlongSlowAxis(rows, block64, sums, height, 64, windowAlongCols, rowPositions);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(sampledRows);
            ArrayPool<float>.Shared.Return(strips);
            ArrayPool<float>.Shared.Return(sums);
            ArrayPool<float>.Shared.Return(other);
        }
    }

    /// <summary>
    /// Box filter along each row of the row-major height×width <paramref name="source"/>. With no <paramref name="positions"/>
    /// the result is height×width; otherwise it is height×64, column q holding output positions[q].
    /// </summary>
    private static void BoxAlongRows(ReadOnlySpan<float> source, Span<float> destination, Span<float> strip, Span<float> stripOut, Span<float> sums, int width, int height, int window, ReadOnlySpan<int> positions)
    {
        var outWidth = positions.IsEmpty ? width : 64;
        var r = 0;
        if (Avx.IsSupported)
        {
            ref var src = ref MemoryMarshal.GetReference(source);
            ref var dst = ref MemoryMarshal.GetReference(destination);
            ref var s = ref MemoryMarshal.GetReference(strip);
            ref var o = ref MemoryMarshal.GetReference(stripOut);
            for (; r <= height - 8; r += 8)
            {
                // strip[c·8 + i] = source[r + i][c]: one vector per column, one lane per row.
                var c = 0;
                for (; c <= width - 8; c += 8)
                {
                    Transpose8x8(ref Unsafe.Add(ref src, r * width + c), width, ref Unsafe.Add(ref s, c * 8), 8);
                }

                for (; c < width; c++)
                {
                    for (var i = 0; i < 8; i++)
                    {
                        Unsafe.Add(ref s, c * 8 + i) = Unsafe.Add(ref src, (r + i) * width + c);
                    }
                }

                BoxStrip8(ref s, ref o, width, window);

                if (positions.IsEmpty)
                {
                    c = 0;
                    for (; c <= width - 8; c += 8)
                    {
                        Transpose8x8(ref Unsafe.Add(ref o, c * 8), 8, ref Unsafe.Add(ref dst, r * width + c), width);
                    }

                    for (; c < width; c++)
                    {
                        for (var i = 0; i < 8; i++)
                        {
                            Unsafe.Add(ref dst, (r + i) * width + c) = Unsafe.Add(ref o, c * 8 + i);
                        }
                    }
                }
                else
                {
                    for (var q = 0; q < 64; q++)
                    {
                        for (var i = 0; i < 8; i++)
                        {
                            Unsafe.Add(ref dst, (r + i) * 64 + q) = Unsafe.Add(ref o, positions[q] * 8 + i);
                        }
                    }
                }
            }
        }

        for (; r < height; r++)
        {
            BoxAlongSlowAxis(source.Slice(r * width, width), destination.Slice(r * outWidth, outWidth), sums, width, 1, window, positions);
        }
    }

    /// <summary>The four phases of §2.3 over n steps of a strip laid out [n][8]: each lane is one row's scalar running sum.</summary>
    private static void BoxStrip8(ref float strip, ref float output, int n, int window)
    {
        var left = (window - 1) / 2;
        var right = window - 1 - left;
        var sum = Vector256<float>.Zero;
        var k = 0;
        for (; k < right; k++)
        {
            sum += Vector256.LoadUnsafe(ref strip, (nuint)(k * 8));
        }

        var count = right;
        for (k = 0; k <= left; k++)
        {
            sum += Vector256.LoadUnsafe(ref strip, (nuint)((k + right) * 8));
            count++;
            (sum / Vector256.Create((float)count)).StoreUnsafe(ref output, (nuint)(k * 8));
        }

        // Dividing by a power of two and multiplying by its reciprocal round the same exact quotient, so they agree bit for bit.
        var full = n - right;
        if (IsPowerOfTwo(window))
        {
            var scale = Vector256.Create(1f / window);
            for (; k < full; k++)
            {
                sum += Vector256.LoadUnsafe(ref strip, (nuint)((k + right) * 8));
                sum -= Vector256.LoadUnsafe(ref strip, (nuint)((k - left - 1) * 8));
                (sum * scale).StoreUnsafe(ref output, (nuint)(k * 8));
            }
        }
        else
        {
            var divisor = Vector256.Create((float)window);
            for (; k < full; k++)
            {
                sum += Vector256.LoadUnsafe(ref strip, (nuint)((k + right) * 8));
                sum -= Vector256.LoadUnsafe(ref strip, (nuint)((k - left - 1) * 8));
                (sum / divisor).StoreUnsafe(ref output, (nuint)(k * 8));
            }
        }

        for (; k < n; k++)
        {
            sum -= Vector256.LoadUnsafe(ref strip, (nuint)((k - left - 1) * 8));
            count--;
            (sum / Vector256.Create((float)count)).StoreUnsafe(ref output, (nuint)(k * 8));
        }
    }

    /// <summary>
    /// Box filter (spec §2.3, window <paramref name="window"/>) along the n rows of the row-major n×m <paramref name="source"/>,
    /// independently for each of its m columns. With no <paramref name="positions"/>, output k goes to row k of
    /// <paramref name="destination"/>; otherwise destination row q receives output positions[q] (non-decreasing) and no other output is computed.
    /// </summary>
    internal static void BoxAlongSlowAxis(ReadOnlySpan<float> source, Span<float> destination, Span<float> sums, int n, int m, int window, ReadOnlySpan<int> positions)
    {
        var left = (window - 1) / 2;
        var right = window - 1 - left;
        var running = sums[..m];
        running.Clear();
        for (var k = 0; k < right; k++)
        {
            Add(running, source.Slice(k * m, m));
        }

        var count = right;
        var next = 0;
        for (var k = 0; k < n; k++)
        {
            var enters = k + right < n;
            var leaves = k > left;
            var writeRow = -1;
            if (positions.IsEmpty)
            {
                writeRow = k;
            }
            else if (next < positions.Length && positions[next] == k)
            {
                writeRow = next;
            }

            if (enters && leaves)
            {
                var entering = source.Slice((k + right) * m, m);
                var leaving = source.Slice((k - left - 1) * m, m);
                if (writeRow >= 0)
                {
                    AddSubWrite(running, entering, leaving, destination.Slice(writeRow * m, m), count);
                }
                else
                {
                    AddSub(running, entering, leaving);
                }
            }
            else
            {
                if (enters)
                {
                    Add(running, source.Slice((k + right) * m, m));
                    count++;
                }

                if (leaves)
                {
                    Sub(running, source.Slice((k - left - 1) * m, m));
                    count--;
                }

                if (writeRow >= 0)
                {
                    Write(running, destination.Slice(writeRow * m, m), count);
                }
            }

            if (writeRow >= 0 && !positions.IsEmpty)
            {
                // Small images sample the same position more than once.
                next++;
                while (next < positions.Length && positions[next] == k)
                {
                    destination.Slice(writeRow * m, m).CopyTo(destination.Slice(next * m, m));
                    next++;
                }
            }
        }
    }

    private static void Add(Span<float> running, ReadOnlySpan<float> row)
    {
        ref var s = ref MemoryMarshal.GetReference(running);
        ref var r = ref MemoryMarshal.GetReference(row);
        var m = running.Length;
        var c = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; c <= m - Vector256<float>.Count; c += Vector256<float>.Count)
            {
                (Vector256.LoadUnsafe(ref s, (nuint)c) + Vector256.LoadUnsafe(ref r, (nuint)c)).StoreUnsafe(ref s, (nuint)c);
            }
        }

        for (; c < m; c++)
        {
            Unsafe.Add(ref s, c) += Unsafe.Add(ref r, c);
        }
    }

    private static void Sub(Span<float> running, ReadOnlySpan<float> row)
    {
        ref var s = ref MemoryMarshal.GetReference(running);
        ref var r = ref MemoryMarshal.GetReference(row);
        var m = running.Length;
        var c = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; c <= m - Vector256<float>.Count; c += Vector256<float>.Count)
            {
                (Vector256.LoadUnsafe(ref s, (nuint)c) - Vector256.LoadUnsafe(ref r, (nuint)c)).StoreUnsafe(ref s, (nuint)c);
            }
        }

        for (; c < m; c++)
        {
            Unsafe.Add(ref s, c) -= Unsafe.Add(ref r, c);
        }
    }

    private static void AddSub(Span<float> running, ReadOnlySpan<float> entering, ReadOnlySpan<float> leaving)
    {
        ref var s = ref MemoryMarshal.GetReference(running);
        ref var e = ref MemoryMarshal.GetReference(entering);
        ref var l = ref MemoryMarshal.GetReference(leaving);
        var m = running.Length;
        var c = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; c <= m - Vector256<float>.Count; c += Vector256<float>.Count)
            {
                var sum = Vector256.LoadUnsafe(ref s, (nuint)c) + Vector256.LoadUnsafe(ref e, (nuint)c);
                (sum - Vector256.LoadUnsafe(ref l, (nuint)c)).StoreUnsafe(ref s, (nuint)c);
            }
        }

        for (; c < m; c++)
        {
            var sum = Unsafe.Add(ref s, c) + Unsafe.Add(ref e, c);
            Unsafe.Add(ref s, c) = sum - Unsafe.Add(ref l, c);
        }
    }

    private static void AddSubWrite(Span<float> running, ReadOnlySpan<float> entering, ReadOnlySpan<float> leaving, Span<float> output, int count)
    {
        ref var s = ref MemoryMarshal.GetReference(running);
        ref var e = ref MemoryMarshal.GetReference(entering);
        ref var l = ref MemoryMarshal.GetReference(leaving);
        ref var o = ref MemoryMarshal.GetReference(output);
        var m = running.Length;
        var c = 0;

        // Dividing by a power of two and multiplying by its reciprocal round the same exact quotient, so they agree bit for bit.
        var multiply = IsPowerOfTwo(count);
        var divisor = (float)count;
        var reciprocal = 1f / count;
        if (Vector256.IsHardwareAccelerated)
        {
            if (multiply)
            {
                var scale = Vector256.Create(reciprocal);
                for (; c <= m - Vector256<float>.Count; c += Vector256<float>.Count)
                {
                    var sum = Vector256.LoadUnsafe(ref s, (nuint)c) + Vector256.LoadUnsafe(ref e, (nuint)c);
                    sum -= Vector256.LoadUnsafe(ref l, (nuint)c);
                    sum.StoreUnsafe(ref s, (nuint)c);
                    (sum * scale).StoreUnsafe(ref o, (nuint)c);
                }
            }
            else
            {
                var divide = Vector256.Create(divisor);
                for (; c <= m - Vector256<float>.Count; c += Vector256<float>.Count)
                {
                    var sum = Vector256.LoadUnsafe(ref s, (nuint)c) + Vector256.LoadUnsafe(ref e, (nuint)c);
                    sum -= Vector256.LoadUnsafe(ref l, (nuint)c);
                    sum.StoreUnsafe(ref s, (nuint)c);
                    (sum / divide).StoreUnsafe(ref o, (nuint)c);
                }
            }
        }

        for (; c < m; c++)
        {
            var sum = Unsafe.Add(ref s, c) + Unsafe.Add(ref e, c);
            sum -= Unsafe.Add(ref l, c);
            Unsafe.Add(ref s, c) = sum;
            Unsafe.Add(ref o, c) = sum / divisor;
        }
    }

    private static void Write(ReadOnlySpan<float> running, Span<float> output, int count)
    {
        ref var s = ref MemoryMarshal.GetReference(running);
        ref var o = ref MemoryMarshal.GetReference(output);
        var m = running.Length;
        var divisor = (float)count;
        var c = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var divide = Vector256.Create(divisor);
            for (; c <= m - Vector256<float>.Count; c += Vector256<float>.Count)
            {
                (Vector256.LoadUnsafe(ref s, (nuint)c) / divide).StoreUnsafe(ref o, (nuint)c);
            }
        }

        for (; c < m; c++)
        {
            Unsafe.Add(ref o, c) = Unsafe.Add(ref s, c) / divisor;
        }
    }

    private static void Transpose8x8(ref float source, int sourceStride, ref float destination, int destinationStride)
    {
        var r0 = Vector256.LoadUnsafe(ref source);
        var r1 = Vector256.LoadUnsafe(ref source, (nuint)sourceStride);
        var r2 = Vector256.LoadUnsafe(ref source, (nuint)(2 * sourceStride));
        var r3 = Vector256.LoadUnsafe(ref source, (nuint)(3 * sourceStride));
        var r4 = Vector256.LoadUnsafe(ref source, (nuint)(4 * sourceStride));
        var r5 = Vector256.LoadUnsafe(ref source, (nuint)(5 * sourceStride));
        var r6 = Vector256.LoadUnsafe(ref source, (nuint)(6 * sourceStride));
        var r7 = Vector256.LoadUnsafe(ref source, (nuint)(7 * sourceStride));

        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);

        var u0 = Avx.Shuffle(t0, t2, 0x44);
        var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44);
        var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44);
        var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44);
        var u7 = Avx.Shuffle(t5, t7, 0xEE);

        Avx.Permute2x128(u0, u4, 0x20).StoreUnsafe(ref destination);
        Avx.Permute2x128(u1, u5, 0x20).StoreUnsafe(ref destination, (nuint)destinationStride);
        Avx.Permute2x128(u2, u6, 0x20).StoreUnsafe(ref destination, (nuint)(2 * destinationStride));
        Avx.Permute2x128(u3, u7, 0x20).StoreUnsafe(ref destination, (nuint)(3 * destinationStride));
        Avx.Permute2x128(u0, u4, 0x31).StoreUnsafe(ref destination, (nuint)(4 * destinationStride));
        Avx.Permute2x128(u1, u5, 0x31).StoreUnsafe(ref destination, (nuint)(5 * destinationStride));
        Avx.Permute2x128(u2, u6, 0x31).StoreUnsafe(ref destination, (nuint)(6 * destinationStride));
        Avx.Permute2x128(u3, u7, 0x31).StoreUnsafe(ref destination, (nuint)(7 * destinationStride));
    }
}
