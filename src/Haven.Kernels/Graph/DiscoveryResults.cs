namespace Haven.Kernels.Graph;

/// <summary>A scored node: higher scores rank first, then fewer hops, then the lower id.</summary>
/// <param name="Node">The node id.</param>
/// <param name="Score">The algorithm's score (only comparable within one run).</param>
/// <param name="Hops">Hops to the nearest seed (0 for a seed).</param>
public readonly record struct RankedNode(int Node, float Score, int Hops);

/// <summary>
/// One hop of an explanation path, walking towards the nearest seed: <see cref="From"/> and <see cref="To"/> share a
/// stored edge of <see cref="Kind"/>, and <see cref="Direction"/> says who acted, seen from <see cref="From"/>
/// (<see cref="EdgeDirection.Outgoing"/>: From —kind→ To).
/// </summary>
public readonly record struct PathStep(int From, int To, EdgeKind Kind, EdgeDirection Direction);
