using System.Numerics;
using System.Runtime.CompilerServices;

namespace Haven.Kernels.Hamming;

/// <summary>Sizes of and steps through Hamming balls over short keys.</summary>
internal static class HammingBall
{
    /// <summary>Number of keys within distance <paramref name="radius"/> of a <paramref name="bits"/>-bit key (0 for radius −1).</summary>
    public static double Size(int bits, int radius)
    {
        double total = 0;
        double term = 1;
        for (var k = 0; k <= radius && k <= bits; k++)
        {
            total += term;
            term = term * (bits - k) / (k + 1);
        }

        return total;
    }

    /// <summary>
    /// The next larger mask with the same number of set bits (Gosper's hack in its division-free form,
    /// Bit Twiddling Hacks, "compute the lexicographically next bit permutation"). mask must be non-zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong NextSameWeight(ulong mask)
    {
        var t = mask | (mask - 1);
        return (t + 1) | (((~t & (t + 1)) - 1) >> (BitOperations.TrailingZeroCount(mask) + 1));
    }
}
