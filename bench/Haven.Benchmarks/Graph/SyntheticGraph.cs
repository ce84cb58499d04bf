using Haven.Kernels.Graph;

namespace Haven.Benchmarks.Graph;

/// <summary>
/// A seeded synthetic platform of 1M accounts and 10M interactions with a heavy tail: actors are drawn as N·u^1.5 and
/// targets as N·u^3 (u uniform), so a few thousand low ids are hubs with up to ~10^5 edges, as celebrities are, and
/// most accounts have a handful. Kinds are mixed (follows and reposts most common); times span one year.
/// </summary>
internal static class SyntheticGraph
{
    public const int Nodes = 1_000_000;
    public const int InteractionCount = 10_000_000;
    public const int SeedCount = 100;

    private static readonly EdgeKind[] KindMix =
    [
        EdgeKind.Follow, EdgeKind.Follow, EdgeKind.Follow, EdgeKind.Repost, EdgeKind.Repost, EdgeKind.Reply,
        EdgeKind.Mention, EdgeKind.Quote, EdgeKind.SharedHashtag, EdgeKind.SharedMedia,
    ];

    public static (int[] From, int[] To, EdgeKind[] Kinds, long[] UnixSeconds) Interactions(int count = InteractionCount, int seed = 20261125)
    {
        var random = new Random(seed);
        var from = new int[count];
        var to = new int[count];
        var kinds = new EdgeKind[count];
        var seconds = new long[count];
        const long Start = 1_764_547_200; // 2025-12-01
        for (var e = 0; e < count; e++)
        {
            from[e] = (int)(Nodes * Math.Pow(random.NextDouble(), 1.5));
            to[e] = (int)(Nodes * Math.Pow(random.NextDouble(), 3));
            kinds[e] = KindMix[random.Next(KindMix.Length)];
            seconds[e] = Start + random.NextInt64(365L * 86_400);
        }

        return (from, to, kinds, seconds);
    }

    public static InteractionGraph Build()
    {
        var (from, to, kinds, seconds) = Interactions();
        return InteractionGraph.Build(Nodes, from, to, kinds, seconds);
    }

    /// <summary>100 seeds among ordinary accounts (ids above the hubs), as confirmed offenders usually are.</summary>
    public static int[] Seeds()
    {
        var random = new Random(7);
        return [.. Enumerable.Range(0, SeedCount).Select(_ => random.Next(Nodes / 10, Nodes))];
    }
}
