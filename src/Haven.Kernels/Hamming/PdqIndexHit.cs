namespace Haven.Kernels.Hamming;

/// <summary>One bank entry found by a PDQ search.</summary>
/// <param name="Entry">Position of the entry in the span given to <see cref="PdqIndex.Build(ReadOnlySpan{Pdq.PdqHash})"/>.</param>
/// <param name="Distance">Hamming distance between the entry and the query variant that matched.</param>
/// <param name="Variant">Index of that variant in the query span (0 for a single-hash search).</param>
public readonly record struct PdqIndexHit(int Entry, int Distance, int Variant);
