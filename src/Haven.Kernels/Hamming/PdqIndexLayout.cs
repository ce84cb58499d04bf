namespace Haven.Kernels.Hamming;

/// <summary>
/// Shape of a multi-index: <see cref="Tables"/> disjoint chunks of <see cref="ChunkBits"/> bits each, every chunk
/// indexed by one table sorted by chunk key; bucket starts sampled every 2^<see cref="GroupBits"/> keys.
/// Zero tables means the index is a plain linear scan (chosen for small banks).
/// </summary>
internal readonly record struct PdqIndexLayout(int Tables, int ChunkBits, int GroupBits)
{
    /// <summary>Upper bound on <see cref="Tables"/> (stack buffers are sized by it).</summary>
    public const int MaxTables = 16;

    public static PdqIndexLayout Linear => new(0, 0, 0);

    public bool IsLinear => Tables == 0;

    /// <summary>Bit offset of chunk i: chunks are spread evenly over the 256 bits, so they never overlap while Tables·ChunkBits ≤ 256.</summary>
    public int ChunkOffset(int table) => table * 256 / Tables;

    public void Validate()
    {
        if (IsLinear)
        {
            return;
        }

        if (Tables is < 1 or > MaxTables || ChunkBits is < 1 or > 30 || ChunkBits > 256 / Tables || GroupBits < 0 || GroupBits > ChunkBits)
        {
            throw new ArgumentOutOfRangeException(nameof(Tables), this, "Chunks must be disjoint, 1..30 bits wide, at most 16 tables.");
        }
    }
}
