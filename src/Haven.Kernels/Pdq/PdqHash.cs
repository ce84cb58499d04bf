using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Haven.Kernels.Pdq;

/// <summary>
/// A 256-bit PDQ hash. Bit k (k = 16·row + col of the 16×16 DCT block) lives in word k/64 at bit k%64,
/// which makes the text form (64 lower-case hex digits, a big-endian 256-bit number in which bit k is worth 2^k)
/// the four words printed from <see cref="W3"/> down to <see cref="W0"/>. See shared/specs/pdq.md §3.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public readonly struct PdqHash : IEquatable<PdqHash>
{
    /// <summary>Length of the text form.</summary>
    public const int HexLength = 64;

    /// <summary>Length of the binary form (<see cref="WriteTo"/>).</summary>
    public const int ByteLength = 32;

    /// <summary>Bits 0–63 (DCT rows 0–3).</summary>
    public readonly ulong W0;
    /// <summary>Bits 64–127.</summary>
    public readonly ulong W1;
    /// <summary>Bits 128–191.</summary>
    public readonly ulong W2;
    /// <summary>Bits 192–255 (DCT rows 12–15).</summary>
    public readonly ulong W3;

    /// <summary>A hash from its four 64-bit words, lowest bits first (<see cref="W0"/> holds bits 0–63).</summary>
    public PdqHash(ulong w0, ulong w1, ulong w2, ulong w3)
    {
        W0 = w0;
        W1 = w1;
        W2 = w2;
        W3 = w3;
    }

    /// <summary>True for the all-zero hash, which the reference emits on failure and which is never banked or matched.</summary>
    public bool IsZero => (W0 | W1 | W2 | W3) == 0;

    /// <summary>Number of set bits; a hash of non-degenerate input has exactly 128.</summary>
    public int BitCount => BitOperations.PopCount(W0) + BitOperations.PopCount(W1) + BitOperations.PopCount(W2) + BitOperations.PopCount(W3);

    /// <summary>Value of bit k (0 ≤ k &lt; 256).</summary>
    public bool this[int bit] => ((Word(bit >> 6) >> (bit & 63)) & 1) != 0;

    /// <summary>Word i (0..3).</summary>
    public ulong Word(int index) => index switch
    {
        0 => W0,
        1 => W1,
        2 => W2,
        3 => W3,
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    /// <summary>Hamming distance: popcount of the XOR.</summary>
    public static int Distance(in PdqHash a, in PdqHash b) =>
        BitOperations.PopCount(a.W0 ^ b.W0) + BitOperations.PopCount(a.W1 ^ b.W1) +
        BitOperations.PopCount(a.W2 ^ b.W2) + BitOperations.PopCount(a.W3 ^ b.W3);

    /// <summary>Builds a hash from 256 bits given as a predicate over k.</summary>
    public static PdqHash FromBits(ReadOnlySpan<bool> bits)
    {
        if (bits.Length != 256)
        {
            throw new ArgumentException("A PDQ hash has 256 bits.", nameof(bits));
        }

        Span<ulong> w = stackalloc ulong[4];
        for (var k = 0; k < 256; k++)
        {
            if (bits[k])
            {
                w[k >> 6] |= 1UL << (k & 63);
            }
        }

        return new PdqHash(w[0], w[1], w[2], w[3]);
    }

    /// <summary>Writes the 32-byte binary form: W0..W3, each little-endian.</summary>
    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, W0);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], W1);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], W2);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], W3);
    }

    /// <summary>Reads the 32-byte binary form written by <see cref="WriteTo"/>.</summary>
    public static PdqHash ReadFrom(ReadOnlySpan<byte> source) => new(
        BinaryPrimitives.ReadUInt64LittleEndian(source),
        BinaryPrimitives.ReadUInt64LittleEndian(source[8..]),
        BinaryPrimitives.ReadUInt64LittleEndian(source[16..]),
        BinaryPrimitives.ReadUInt64LittleEndian(source[24..]));

    /// <summary>
    /// Parses exactly 64 hex digits (either case). Returns false for any other length or character;
    /// the all-zero hash parses (callers that bank or match must refuse it, see <see cref="IsZero"/>).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out PdqHash hash)
    {
        hash = default;
        if (text.Length != HexLength)
        {
            return false;
        }

        Span<ulong> w = stackalloc ulong[4];
        for (var word = 0; word < 4; word++)
        {
            // Word 3 is the first 16 characters.
            var chunk = text.Slice((3 - word) * 16, 16);
            ulong value = 0;
            foreach (var c in chunk)
            {
                var nibble = HexValue(c);
                if (nibble < 0)
                {
                    return false;
                }

                value = (value << 4) | (uint)nibble;
            }

            w[word] = value;
        }

        hash = new PdqHash(w[0], w[1], w[2], w[3]);
        return true;
    }

    /// <summary>Parses 64 hex digits or throws <see cref="FormatException"/>.</summary>
    public static PdqHash Parse(ReadOnlySpan<char> text) =>
        TryParse(text, out var hash) ? hash : throw new FormatException("A PDQ hash is exactly 64 hexadecimal digits.");

    /// <summary>The reference text form: 64 lower-case hex digits.</summary>
    public override string ToString() => string.Create(HexLength, this, static (span, h) =>
    {
        h.W3.TryFormat(span, out _, "x16");
        h.W2.TryFormat(span[16..], out _, "x16");
        h.W1.TryFormat(span[32..], out _, "x16");
        h.W0.TryFormat(span[48..], out _, "x16");
    });

    /// <summary>True when all 256 bits are equal.</summary>
    public bool Equals(PdqHash other) => W0 == other.W0 && W1 == other.W1 && W2 == other.W2 && W3 == other.W3;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is PdqHash other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(W0, W1, W2, W3);

    /// <summary>True when all 256 bits are equal.</summary>
    public static bool operator ==(PdqHash left, PdqHash right) => left.Equals(right);

    /// <summary>True when any bit differs.</summary>
    public static bool operator !=(PdqHash left, PdqHash right) => !left.Equals(right);

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
