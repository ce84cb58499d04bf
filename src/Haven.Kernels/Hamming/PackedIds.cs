using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Haven.Kernels.Hamming;

/// <summary>
/// Entry ids packed at <see cref="Bits"/> bits each (⌈log₂ N⌉, so 20 bits at 1M and 24 at 10M instead of 32):
/// every table of the index holds one id per entry, so the id width is what the 64-byte budget is spent on.
/// </summary>
internal sealed class PackedIds
{
    // A read is one unaligned 8-byte load at byte ⌊p·bits/8⌋; bits + 7 ≤ 64 keeps the id inside it,
    // and the tail padding keeps the last load inside the array.
    private const int Padding = 8;

    private readonly byte[] _bytes;

    public PackedIds(int count, int bits)
    {
        if (bits is < 1 or > 32)
        {
            throw new ArgumentOutOfRangeException(nameof(bits));
        }

        Bits = bits;
        Mask = bits == 32 ? uint.MaxValue : (1u << bits) - 1;
        _bytes = new byte[checked((int)(((long)count * bits + 7) / 8) + Padding)];
    }

    public int Bits { get; }

    public uint Mask { get; }

    public long MemoryBytes => _bytes.Length;

    /// <summary>The raw bytes, for the search loop (which reads them through <see cref="Read(ref byte, int, uint, long)"/>).</summary>
    public byte[] Bytes => _bytes;

    /// <summary>Number of bits needed for ids 0..count−1 (at least 1).</summary>
    public static int BitsFor(int count) => count <= 2 ? 1 : 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)(count - 1));

    /// <summary>Writes id <paramref name="value"/> at <paramref name="position"/>; each position is written once, in any order.</summary>
    public void Set(long position, uint value)
    {
        var bit = position * Bits;
        ref var at = ref _bytes[bit >> 3];
        var word = Unsafe.ReadUnaligned<ulong>(ref at);
        word |= (ulong)(value & Mask) << (int)(bit & 7);
        Unsafe.WriteUnaligned(ref at, word);
    }

    public uint Get(long position) => Read(ref MemoryMarshal.GetArrayDataReference(_bytes), Bits, Mask, position);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Read(ref byte bytes, int bits, uint mask, long position)
    {
        var bit = position * bits;
        var word = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref bytes, (nint)(bit >> 3)));
        return (uint)(word >> (int)(bit & 7)) & mask;
    }
}
