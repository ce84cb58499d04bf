namespace Haven.Simulation;

/// <summary>
/// xoshiro256** seeded through SplitMix64 (Blackman and Vigna, https://prng.di.unimi.it/). The simulator's own generator
/// rather than <see cref="Random"/>: its sequence is fixed by this code, not by a runtime version, so a seed names the
/// same platform for as long as this file does not change.
/// </summary>
internal sealed class PlatformRandom
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;

    public PlatformRandom(ulong seed) => Reset(seed);

    /// <summary>Restarts the sequence from <paramref name="seed"/> (reusing one generator for many derived streams).</summary>
    public void Reset(ulong seed)
    {
        _s0 = SplitMix(ref seed);
        _s1 = SplitMix(ref seed);
        _s2 = SplitMix(ref seed);
        _s3 = SplitMix(ref seed);
    }

    /// <summary>Mixes two values into a seed for a derived generator (plain arithmetic: stable across processes).</summary>
    public static ulong Mix(ulong a, ulong b)
    {
        var state = a ^ (b * 0x9E3779B97F4A7C15UL);
        return SplitMix(ref state);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        var result = RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform integer in [0, <paramref name="bound"/>), by Lemire's multiply-and-reject (no modulo bias).</summary>
    public int Next(int bound)
    {
        if (bound <= 1)
        {
            return 0;
        }

        var range = (ulong)bound;
        var product = Math.BigMul(NextUInt64(), range, out var low);
        if (low < range)
        {
            var threshold = (0 - range) % range;
            while (low < threshold)
            {
                product = Math.BigMul(NextUInt64(), range, out low);
            }
        }

        return (int)product;
    }

    /// <summary>A uniform integer in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public int Between(int min, int max) => min + Next(max - min + 1);

    /// <summary>A uniform long in [0, <paramref name="bound"/>).</summary>
    public long NextLong(long bound) => bound <= 1 ? 0 : (long)(NextDouble() * bound) % bound;

    /// <summary>Fills <paramref name="bytes"/> with random bytes.</summary>
    public void NextBytes(Span<byte> bytes)
    {
        while (bytes.Length >= 8)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes, NextUInt64());
            bytes = bytes[8..];
        }

        if (bytes.Length > 0)
        {
            var last = NextUInt64();
            for (var i = 0; i < bytes.Length; i++)
            {
                bytes[i] = (byte)(last >> (8 * i));
            }
        }
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>True with probability <paramref name="p"/>.</summary>
    public bool Chance(double p) => NextDouble() < p;

    /// <summary>A Poisson count with mean <paramref name="mean"/> (Knuth's product method below 30, a rounded normal above).</summary>
    public int Poisson(double mean)
    {
        if (mean <= 0)
        {
            return 0;
        }

        if (mean > 30)
        {
            var u1 = 1.0 - NextDouble();
            var u2 = NextDouble();
            var normal = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
            return Math.Max(0, (int)Math.Round(mean + (Math.Sqrt(mean) * normal)));
        }

        var limit = Math.Exp(-mean);
        var k = 0;
        var p = NextDouble();
        while (p > limit)
        {
            k++;
            p *= NextDouble();
        }

        return k;
    }

    /// <summary>A Pareto variate ≥ <paramref name="minimum"/> whose tail falls as x^-<paramref name="alpha"/>.</summary>
    public double Pareto(double minimum, double alpha) => minimum * Math.Pow(1.0 - NextDouble(), -1.0 / alpha);

    /// <summary>A Zipf-like rank in [0, <paramref name="count"/>): rank r with weight about 1/(r+1), by inverting the continuous approximation.</summary>
    public int Zipf(int count) => Math.Min(count - 1, (int)(Math.Exp(NextDouble() * Math.Log(count + 1.0)) - 1.0));

    private static ulong SplitMix(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}
