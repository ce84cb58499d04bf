using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Haven.Kernels.Pdq;

public static partial class PdqHasher
{
    /// <summary>Dᵀ (64×16), so the second product can run lane-parallel over output columns.</summary>
    private static readonly float[] DctMatrixTransposed = TransposeDct();

    /// <summary>
    /// Quality (§2.5): Σ|(int)((u−v)·100/255)| over adjacent pairs, /90, capped at 100. Lanes are independent pairs;
    /// the integer sum is associative, so summing lane-wise is exact.
    /// </summary>
    internal static int Quality(ReadOnlySpan<float> block)
    {
        var sum = 0;
        var hundred = Vector256.Create(100f);
        var divisor = Vector256.Create(255f);
        var lanes = Vector256<int>.Zero;
        ref var a = ref MemoryMarshal.GetReference(block);
        if (Vector256.IsHardwareAccelerated)
        {
            // Vertical pairs: row i against row i+1, eight columns at a time.
            for (var i = 0; i < 63 * 64; i += 8)
            {
                var d = (Vector256.LoadUnsafe(ref a, (nuint)i) - Vector256.LoadUnsafe(ref a, (nuint)(i + 64))) * hundred / divisor;
                lanes += Vector256.Abs(Vector256.ConvertToInt32(d));
            }

            sum = Vector256.Sum(lanes);
        }
        else
        {
            for (var i = 0; i < 63 * 64; i++)
            {
                sum += Math.Abs((int)((Unsafe.Add(ref a, i) - Unsafe.Add(ref a, i + 64)) * 100 / 255));
            }
        }

        for (var i = 0; i < 64; i++)
        {
            ref var row = ref Unsafe.Add(ref a, i * 64);
            for (var j = 0; j < 63; j++)
            {
                sum += Math.Abs((int)((Unsafe.Add(ref row, j) - Unsafe.Add(ref row, j + 1)) * 100 / 255));
            }
        }

        return Math.Min(100, sum / 90);
    }

    /// <summary>
    /// B = (D·A)·Dᵀ (§2.6). Each output is a float accumulator over k = 0..63 in order; vectors only hold
    /// eight independent outputs side by side, and multiply and add stay separate (no FMA), as in the reference build.
    /// </summary>
    internal static void Dct64To16(ReadOnlySpan<float> block, Span<float> coefficients)
    {
        Span<float> t = stackalloc float[16 * 64];
        ref var a = ref MemoryMarshal.GetReference(block);
        ref var d = ref MemoryMarshal.GetArrayDataReference(DctMatrix);
        ref var dt = ref MemoryMarshal.GetArrayDataReference(DctMatrixTransposed);
        ref var tRef = ref MemoryMarshal.GetReference(t);
        ref var b = ref MemoryMarshal.GetReference(coefficients);
        if (Vector256.IsHardwareAccelerated)
        {
            for (var i = 0; i < 16; i++)
            {
                for (var j = 0; j < 64; j += 32)
                {
                    var s0 = Vector256<float>.Zero;
                    var s1 = Vector256<float>.Zero;
                    var s2 = Vector256<float>.Zero;
                    var s3 = Vector256<float>.Zero;
                    for (var k = 0; k < 64; k++)
                    {
                        var dik = Vector256.Create(Unsafe.Add(ref d, i * 64 + k));
                        ref var ak = ref Unsafe.Add(ref a, k * 64 + j);
                        s0 += dik * Vector256.LoadUnsafe(ref ak);
                        s1 += dik * Vector256.LoadUnsafe(ref ak, 8);
                        s2 += dik * Vector256.LoadUnsafe(ref ak, 16);
                        s3 += dik * Vector256.LoadUnsafe(ref ak, 24);
                    }

                    ref var ti = ref Unsafe.Add(ref tRef, i * 64 + j);
                    s0.StoreUnsafe(ref ti);
                    s1.StoreUnsafe(ref ti, 8);
                    s2.StoreUnsafe(ref ti, 16);
                    s3.StoreUnsafe(ref ti, 24);
                }
            }

            for (var i = 0; i < 16; i++)
            {
                var s0 = Vector256<float>.Zero;
                var s1 = Vector256<float>.Zero;
                for (var k = 0; k < 64; k++)
                {
                    var tik = Vector256.Create(Unsafe.Add(ref tRef, i * 64 + k));
                    ref var dk = ref Unsafe.Add(ref dt, k * 16);
                    s0 += tik * Vector256.LoadUnsafe(ref dk);
                    s1 += tik * Vector256.LoadUnsafe(ref dk, 8);
                }

                s0.StoreUnsafe(ref b, (nuint)(i * 16));
                s1.StoreUnsafe(ref b, (nuint)(i * 16 + 8));
            }

            return;
        }

        for (var i = 0; i < 16; i++)
        {
            for (var j = 0; j < 64; j++)
            {
                var sum = 0f;
                for (var k = 0; k < 64; k++)
                {
                    sum += Unsafe.Add(ref d, i * 64 + k) * Unsafe.Add(ref a, k * 64 + j);
                }

                Unsafe.Add(ref tRef, i * 64 + j) = sum;
            }
        }

        for (var i = 0; i < 16; i++)
        {
            for (var j = 0; j < 16; j++)
            {
                var sum = 0f;
                for (var k = 0; k < 64; k++)
                {
                    sum += Unsafe.Add(ref tRef, i * 64 + k) * Unsafe.Add(ref d, j * 64 + k);
                }

                Unsafe.Add(ref b, i * 16 + j) = sum;
            }
        }
    }

    /// <summary>
    /// Threshold against the lower median (§2.7) and, when asked, the 7 other dihedral variants (§2.8).
    /// Variants that differ only by transposition share a multiset and so a median: four selections serve all eight.
    /// </summary>
    private static PdqHash Threshold(ReadOnlySpan<float> b, Span<PdqHash> dihedral)
    {
        Span<float> signed = stackalloc float[256];
        b.CopyTo(signed);
        var median = LowerMedian(signed);
        var hash = Bits(signed, median, transpose: false);
        if (dihedral.Length != 8)
        {
            return hash;
        }

        dihedral[0] = hash;
        dihedral[6] = Bits(signed, median, transpose: true);

        // rot90 and flipY: negate where the column j of A is even.
        Negate(b, signed, static (i, j) => (j & 1) == 0);
        median = LowerMedian(signed);
        dihedral[1] = Bits(signed, median, transpose: true);
        dihedral[5] = Bits(signed, median, transpose: false);

        // rot270 and flipX: negate where the row i of A is even.
        Negate(b, signed, static (i, j) => (i & 1) == 0);
        median = LowerMedian(signed);
        dihedral[3] = Bits(signed, median, transpose: true);
        dihedral[4] = Bits(signed, median, transpose: false);

        // rot180 and flipMinus1: negate where i + j is odd.
        Negate(b, signed, static (i, j) => ((i + j) & 1) != 0);
        median = LowerMedian(signed);
        dihedral[2] = Bits(signed, median, transpose: false);
        dihedral[7] = Bits(signed, median, transpose: true);
        return hash;
    }

    private static void Negate(ReadOnlySpan<float> b, Span<float> signed, Func<int, int, bool> negate)
    {
        for (var i = 0; i < 16; i++)
        {
            for (var j = 0; j < 16; j++)
            {
                var v = b[i * 16 + j];
                signed[i * 16 + j] = negate(i, j) ? -v : v;
            }
        }
    }

    /// <summary>Bit 16·i + j (or 16·j + i when transposed) is set iff value[i][j] &gt; median, strictly.</summary>
    private static PdqHash Bits(ReadOnlySpan<float> values, float median, bool transpose)
    {
        Span<ulong> words = stackalloc ulong[4];
        for (var i = 0; i < 16; i++)
        {
            for (var j = 0; j < 16; j++)
            {
                if (values[i * 16 + j] > median)
                {
                    var bit = transpose ? j * 16 + i : i * 16 + j;
                    words[bit >> 6] |= 1UL << (bit & 63);
                }
            }
        }

        return new PdqHash(words[0], words[1], words[2], words[3]);
    }

    /// <summary>The 128th smallest of 256 values (sorted[127]), which is what Torben's method returns for n = 256. Quickselect on a copy.</summary>
    internal static float LowerMedian(ReadOnlySpan<float> values)
    {
        Span<float> work = stackalloc float[256];
        values.CopyTo(work);
        const int target = 127;
        int lo = 0, hi = 255;
        while (lo < hi)
        {
            var pivot = work[(lo + hi) >>> 1];
            int i = lo, j = hi;
            while (i <= j)
            {
                while (work[i] < pivot)
                {
                    i++;
                }

                while (work[j] > pivot)
                {
                    j--;
                }

                if (i <= j)
                {
                    (work[i], work[j]) = (work[j], work[i]);
                    i++;
                    j--;
                }
            }

            // Now work[lo..j] ≤ pivot ≤ work[i..hi], and anything strictly between j and i equals the pivot.
            if (target <= j)
            {
                hi = j;
            }
            else if (target >= i)
            {
                lo = i;
            }
            else
            {
                return work[target];
            }
        }

        return work[target];
    }

    private static float[] TransposeDct()
    {
        // Built from its own copy: static initialisers in different partial files run in no guaranteed order.
        var matrix = BuildDctMatrix();
        var transposed = new float[64 * 16];
        for (var i = 0; i < 16; i++)
        {
            for (var k = 0; k < 64; k++)
            {
                transposed[k * 16 + i] = matrix[i * 64 + k];
            }
        }

        return transposed;
    }
}
