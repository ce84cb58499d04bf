using System.Runtime.CompilerServices;

namespace Haven.Kernels.Graph;

/// <summary>
/// The byte stored per half-edge: bits 0–2 kind, bit 3 outgoing, bit 4 incoming, bits 5–7 multiplicity − 1
/// (saturating at 8, so merging is associative and a refresh equals a rebuild). While building, a half-edge is a
/// sort key <c>neighbour &lt;&lt; 32 | kind &lt;&lt; 29 | (label &gt;&gt; 3) &lt;&lt; 24 | day</c>: sorting the
/// keys of one node groups each (neighbour, kind) together.
/// </summary>
internal static class HalfEdgeLabel
{
    public const int KindMask = 0b111;
    public const int OutgoingBit = 1 << 3;
    public const int IncomingBit = 1 << 4;
    public const int MultiplicityShift = 5;
    public const int MaxMultiplicity = 8;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static EdgeKind Kind(byte label) => (EdgeKind)(label & KindMask);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static EdgeDirection Direction(byte label) => (EdgeDirection)((label >> 3) & 0b11);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Multiplicity(byte label) => (label >> MultiplicityShift) + 1;

    /// <summary>A label for one interaction, from the side of its actor (outgoing) or of its target (incoming).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte Single(EdgeKind kind, bool outgoing) => (byte)((int)kind | (outgoing ? OutgoingBit : IncomingBit));

    /// <summary>Two labels of the same kind merged: directions or-ed, multiplicities added (saturating).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte Merge(byte a, byte b)
    {
        var multiplicity = Math.Min(MaxMultiplicity, Multiplicity(a) + Multiplicity(b));
        return (byte)(((a | b) & (KindMask | OutgoingBit | IncomingBit)) | ((multiplicity - 1) << MultiplicityShift));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Key(int neighbour, byte label, ushort day) =>
        ((ulong)(uint)neighbour << 32) | ((ulong)(label & KindMask) << 29) | ((ulong)(label >> 3) << 24) | day;

    /// <summary>The part of a key that two mergeable half-edges share: (neighbour, kind).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Group(ulong key) => key >> 29;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Group(int neighbour, byte label) => ((ulong)(uint)neighbour << 3) | (uint)(label & KindMask);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Neighbour(ulong key) => (int)(key >> 32);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte Label(ulong key) => (byte)(((key >> 29) & KindMask) | (((key >> 24) & 0b11111) << 3));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Day(ulong key) => (ushort)key;
}
