namespace Haven.Kernels.Graph;

/// <summary>
/// One stored edge seen from one of its ends: every interaction of one kind between the owner and
/// <see cref="Neighbour"/>, merged.
/// </summary>
/// <param name="Neighbour">The node at the other end.</param>
/// <param name="Kind">The kind of interaction.</param>
/// <param name="Direction">Which way the merged interactions went, seen from the owner.</param>
/// <param name="Multiplicity">How many interactions were merged, 1 to <see cref="InteractionGraph.MaxMultiplicity"/> (saturating).</param>
/// <param name="LastSeen">The UTC day of the latest merged interaction.</param>
public readonly record struct Interaction(int Neighbour, EdgeKind Kind, EdgeDirection Direction, int Multiplicity, DateOnly LastSeen);
