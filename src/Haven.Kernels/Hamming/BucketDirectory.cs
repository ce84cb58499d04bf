using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Haven.Kernels.Hamming;

/// <summary>
/// Where each bucket (chunk key 0..2^t−1) starts in a table sorted by key, in about 1 + 2^t/N bits per entry
/// instead of the 32·2^t/N of a flat offset array: the bucket sizes are written in unary (size ones, then a zero),
/// which is the upper-bits half of Elias–Fano coding, and every 2^g-th bucket keeps its start offset as a sample.
/// </summary>
/// <remarks>
/// Before the first one of bucket b there are exactly b zeros, so its start is (bit position − b);
/// the bit position of a sampled bucket s·2^g is therefore samples[s] + s·2^g, and the rest is a short scan
/// for the (b mod 2^g)-th zero after it. A bucket's size is its run of ones.
/// Cost: one sample load and one to a few words of the bit vector; a group of buckets holding a huge cluster
/// makes the scan proportional to that cluster's size / 64, which is still small beside verifying it.
/// </remarks>
internal sealed class BucketDirectory
{
    private readonly ulong[] _bits;
    private readonly uint[] _samples;

    private BucketDirectory(int keyBits, int groupBits, ulong[] bits, uint[] samples)
    {
        KeyBits = keyBits;
        GroupBits = groupBits;
        _bits = bits;
        _samples = samples;
    }

    public int KeyBits { get; }

    public int GroupBits { get; }

    public long MemoryBytes => (_bits.LongLength * sizeof(ulong)) + (_samples.LongLength * sizeof(uint));

    public ulong[] Bits => _bits;

    public uint[] Samples => _samples;

    /// <summary>Bytes a directory of <paramref name="count"/> entries, 2^keyBits buckets, would hold.</summary>
    public static long MemoryFor(long count, int keyBits, int groupBits) =>
        (WordsFor(count, keyBits) * sizeof(ulong)) + ((((1L << keyBits) >> groupBits) + 1) * sizeof(uint));

    // One spare word at the end: the zero scan and the run scan may read one word past the last terminator.
    private static long WordsFor(long count, int keyBits) => ((count + (1L << keyBits) + 63) >> 6) + 1;

    /// <summary>
    /// Builds the directory from the table's entries sorted by key, each entry holding its key in the upper 32 bits
    /// (the layout <see cref="PdqIndex"/> sorts).
    /// </summary>
    public static BucketDirectory Build(ReadOnlySpan<ulong> sortedEntries, int keyBits, int groupBits)
    {
        if (keyBits is < 0 or > 32 || groupBits < 0 || groupBits > keyBits)
        {
            throw new ArgumentOutOfRangeException(nameof(keyBits));
        }

        var buckets = 1L << keyBits;
        var bits = new ulong[WordsFor(sortedEntries.Length, keyBits)];
        var samples = new uint[(buckets >> groupBits) + 1];
        var groupMask = (1L << groupBits) - 1;

        // Walk the buckets in key order: bucket b's ones start at bit (entries before it) + b.
        long bucket = 0;
        var entry = 0;
        while (bucket < buckets)
        {
            if ((bucket & groupMask) == 0)
            {
                samples[bucket >> groupBits] = (uint)entry;
            }

            var first = entry;
            while (entry < sortedEntries.Length && (sortedEntries[entry] >> 32) == (ulong)bucket)
            {
                entry++;
            }

            if (entry < sortedEntries.Length && (sortedEntries[entry] >> 32) < (ulong)bucket)
            {
                throw new ArgumentException("Entries must be sorted by key and keys must be below 2^keyBits.", nameof(sortedEntries));
            }

            SetOnes(bits, first + bucket, entry - first);
            bucket++;
        }

        if (entry != sortedEntries.Length)
        {
            throw new ArgumentException("Keys must be below 2^keyBits.", nameof(sortedEntries));
        }

        samples[^1] = (uint)entry;
        return new BucketDirectory(keyBits, groupBits, bits, samples);
    }

    private static void SetOnes(ulong[] bits, long start, long length)
    {
        while (length > 0)
        {
            var offset = (int)(start & 63);
            var take = (int)Math.Min(64 - offset, length);
            var run = take == 64 ? ulong.MaxValue : ((1UL << take) - 1) << offset;
            bits[start >> 6] |= run;
            start += take;
            length -= take;
        }
    }

    /// <summary>Start offset and size of bucket <paramref name="key"/>.</summary>
    public void Locate(uint key, out long start, out long size) =>
        Locate(ref MemoryMarshal.GetArrayDataReference(_bits), ref MemoryMarshal.GetArrayDataReference(_samples), GroupBits, key, out start, out size);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Locate(ref ulong bits, ref uint samples, int groupBits, uint key, out long start, out long size)
    {
        var group = key >> groupBits;
        var zerosToSkip = (int)(key & ((1u << groupBits) - 1));
        var position = (long)Unsafe.Add(ref samples, group) + ((long)group << groupBits);
        if (zerosToSkip > 0)
        {
            position = AfterNthZero(ref bits, position, zerosToSkip);
        }

        start = position - key;
        size = OnesRun(ref bits, position);
    }

    /// <summary>Like <see cref="Locate(ref ulong, ref uint, int, uint, out long, out long)"/>, from the bit position of the key's group.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LocateFrom(ref ulong bits, long groupPosition, uint key, int zerosToSkip, out long start, out long size)
    {
        var position = zerosToSkip > 0 ? AfterNthZero(ref bits, groupPosition, zerosToSkip) : groupPosition;
        start = position - key;
        size = OnesRun(ref bits, position);
    }

    /// <summary>Position just after the n-th zero (n ≥ 1) at or after <paramref name="position"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long AfterNthZero(ref ulong bits, long position, int n)
    {
        var word = position >> 6;
        var offset = (int)(position & 63);

        // Zeros become ones; the bits shifted in from the top are not zeros of the vector, so they stay 0.
        var zeros = ~Unsafe.Add(ref bits, (nint)word) >> offset;
        var baseBit = position;
        var available = BitOperations.PopCount(zeros);
        while (available < n)
        {
            n -= available;
            word++;
            baseBit = word << 6;
            zeros = ~Unsafe.Add(ref bits, (nint)word);
            available = BitOperations.PopCount(zeros);
        }

        return baseBit + SelectBit(zeros, n - 1) + 1;
    }

    /// <summary>Index of the set bit of rank <paramref name="rank"/> (0-based) in <paramref name="value"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int SelectBit(ulong value, int rank)
    {
        if (Bmi2.X64.IsSupported)
        {
            return BitOperations.TrailingZeroCount(Bmi2.X64.ParallelBitDeposit(1UL << rank, value));
        }

        for (var i = 0; i < rank; i++)
        {
            value &= value - 1;
        }

        return BitOperations.TrailingZeroCount(value);
    }

    /// <summary>Length of the run of ones starting at <paramref name="position"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long OnesRun(ref ulong bits, long position)
    {
        var word = position >> 6;
        var offset = (int)(position & 63);
        var rest = Unsafe.Add(ref bits, (nint)word) >> offset;

        // The shifted-in top bits are 0, so the run found here never exceeds the word.
        long run = BitOperations.TrailingZeroCount(~rest);
        if (run < 64 - offset)
        {
            return run;
        }

        word++;
        var next = Unsafe.Add(ref bits, (nint)word);
        while (next == ulong.MaxValue)
        {
            run += 64;
            word++;
            next = Unsafe.Add(ref bits, (nint)word);
        }

        return run + BitOperations.TrailingZeroCount(~next);
    }
}
