using Haven.Kernels.Graph;

namespace Haven.Kernels.Tests.Graph;

public sealed class InteractionGraphTests
{
    /// <summary>(nodes, interactions): empty, single node, only self-loops possible, isolated nodes, dense repeats, larger.</summary>
    public static TheoryData<int, int> Sizes => new()
    {
        { 0, 0 },
        { 1, 0 },
        { 1, 5 },
        { 2, 9 },
        { 6, 0 },
        { 7, 40 },
        { 61, 333 },
        { 500, 4_001 },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void CsrEqualsNaiveAdjacency(int nodes, int interactions)
    {
        var edges = EdgeList.Random(nodes, interactions, new Random(HashCode.Combine(nodes, interactions)));
        var graph = edges.Build();
        AssertSameAsNaive(new NaiveGraph(edges), graph);
    }

    [Fact]
    public void MergesInteractionsOfOneKindBetweenOnePair()
    {
        const long Day = 86_400;
        var builder = new InteractionGraphBuilder(capacity: 0);
        builder.Add(0, 1, EdgeKind.Repost, 10 * Day);
        builder.Add(0, 1, EdgeKind.Repost, (12 * Day) + 5);
        builder.Add(1, 0, EdgeKind.Repost, 11 * Day);
        builder.Add(0, 1, EdgeKind.Reply, 3 * Day);
        builder.Add(2, 2, EdgeKind.Mention, 3 * Day);
        for (var i = 0; i < 20; i++)
        {
            builder.Add(3, 0, EdgeKind.Follow, i * Day);
        }

        builder.EnsureNodeCount(5);
        var graph = builder.Build();

        Assert.Equal(5, graph.NodeCount);
        Assert.Equal(3, graph.EdgeCount);
        Assert.Equal(0, graph.Degree(2)); // The self-loop is dropped.
        Assert.Equal(0, graph.Degree(4));
        Assert.Equal(new Interaction(1, EdgeKind.Repost, EdgeDirection.Both, 3, new DateOnly(1970, 1, 13)), graph.GetInteraction(0, 0));
        Assert.Equal(new Interaction(1, EdgeKind.Reply, EdgeDirection.Outgoing, 1, new DateOnly(1970, 1, 4)), graph.GetInteraction(0, 1));
        Assert.Equal(new Interaction(3, EdgeKind.Follow, EdgeDirection.Incoming, InteractionGraph.MaxMultiplicity, new DateOnly(1970, 1, 20)), graph.GetInteraction(0, 2));
        Assert.Equal(new Interaction(0, EdgeKind.Reply, EdgeDirection.Incoming, 1, new DateOnly(1970, 1, 4)), graph.GetInteraction(1, 1));
        Assert.Equal(new Interaction(0, EdgeKind.Follow, EdgeDirection.Outgoing, InteractionGraph.MaxMultiplicity, new DateOnly(1970, 1, 20)), graph.GetInteraction(3, 0));
        Assert.Equal([1, 1, 3], graph.Neighbours(0).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => graph.GetInteraction(0, 3));
    }

    [Fact]
    public void MemoryIsSevenBytesPerHalfEdgePlusFourPerNode()
    {
        var edges = EdgeList.Random(1_000, 20_000, new Random(7));
        var graph = edges.Build();
        Assert.Equal((7L * graph.HalfEdgeCount) + (4L * (graph.NodeCount + 1)), graph.MemoryBytes);

        // The 16-byte budget per interaction holds whenever the average degree is at least 4 (here 40).
        Assert.True(graph.MemoryBytes <= 16L * edges.Count);
        Assert.Equal(4, InteractionGraph.Empty.MemoryBytes);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void RefreshEqualsBuildFromScratch(int nodes, int interactions)
    {
        var random = new Random(HashCode.Combine(nodes, interactions, 2));
        var edges = EdgeList.Random(nodes, interactions, random);
        var expected = edges.Build();
        foreach (var split in new[] { 0, interactions / 3, interactions })
        {
            // The earlier snapshot may have fewer nodes: the batch brings new ones.
            var earlierNodes = edges.From.Take(split).Concat(edges.To.Take(split)).DefaultIfEmpty(-1).Max() + 1;
            var earlier = edges.Slice(0, split, earlierNodes).Build();
            var batch = edges.Slice(split, interactions - split, nodes);
            var refreshed = earlier.WithEdges(nodes, batch.From, batch.To, batch.Kinds, batch.UnixSeconds);
            AssertIdentical(expected, refreshed);

            var builder = new InteractionGraphBuilder();
            for (var e = 0; e < batch.Count; e++)
            {
                builder.Add(batch.From[e], batch.To[e], batch.Kinds[e], batch.UnixSeconds[e]);
            }

            builder.EnsureNodeCount(nodes);
            AssertIdentical(expected, builder.BuildOnto(earlier));
        }
    }

    [Fact]
    public void RefreshInStepsEqualsOneBuild()
    {
        var random = new Random(99);
        var edges = EdgeList.Random(300, 3_000, random);
        var graph = InteractionGraph.Empty;
        for (var start = 0; start < edges.Count; start += 250)
        {
            var batch = edges.Slice(start, Math.Min(250, edges.Count - start), edges.NodeCount);
            graph = graph.WithEdges(edges.NodeCount, batch.From, batch.To, batch.Kinds, batch.UnixSeconds);
        }

        AssertIdentical(edges.Build(), graph);
    }

    [Fact]
    public void BuilderEqualsBuildFromSpans()
    {
        var edges = EdgeList.Random(200, 1_500, new Random(5));
        var builder = new InteractionGraphBuilder(capacity: 3);
        for (var e = 0; e < edges.Count; e++)
        {
            builder.Add(edges.From[e], edges.To[e], edges.Kinds[e], edges.UnixSeconds[e]);
        }

        builder.EnsureNodeCount(edges.NodeCount);
        Assert.Equal(edges.Count, builder.Count);
        AssertIdentical(edges.Build(), builder.Build());
        builder.Clear();
        Assert.Equal(0, builder.Build().NodeCount);
    }

    [Fact]
    public void RejectsWhatCannotBeStored()
    {
        var builder = new InteractionGraphBuilder();
        Assert.Throws<ArgumentOutOfRangeException>(() => builder.Add(-1, 0, EdgeKind.Reply, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => builder.Add(0, 1, (EdgeKind)7, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => builder.Add(0, 1, EdgeKind.Reply, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => builder.Add(0, 1, EdgeKind.Reply, 65_536L * 86_400));
        builder.Add(0, 1, EdgeKind.Reply, (65_536L * 86_400) - 1); // The last storable day.

        Assert.Throws<ArgumentOutOfRangeException>(() => InteractionGraph.Build(2, [0], [2], [EdgeKind.Reply], [0]));
        Assert.Throws<ArgumentException>(() => InteractionGraph.Build(2, [0], [1, 0], [EdgeKind.Reply], [0]));
        var graph = InteractionGraph.Build(3, [0], [1], [EdgeKind.Reply], [0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => graph.WithEdges(2, [], [], [], []));
    }

    internal static void AssertSameAsNaive(NaiveGraph naive, InteractionGraph graph)
    {
        Assert.Equal(naive.NodeCount, graph.NodeCount);
        long halfEdges = 0;
        for (var v = 0; v < graph.NodeCount; v++)
        {
            var actual = Enumerable.Range(0, graph.Degree(v)).Select(i => graph.GetInteraction(v, i)).ToArray();
            Assert.Equal(naive.Edges(v), actual);
            halfEdges += actual.Length;
        }

        Assert.Equal(halfEdges, graph.HalfEdgeCount);
        Assert.Equal(halfEdges / 2, graph.EdgeCount);
    }

    private static void AssertIdentical(InteractionGraph expected, InteractionGraph actual)
    {
        Assert.Equal(expected.Offsets.ToArray(), actual.Offsets.ToArray());
        Assert.Equal(expected.Targets.ToArray(), actual.Targets.ToArray());
        Assert.Equal(expected.Labels.ToArray(), actual.Labels.ToArray());
        Assert.Equal(expected.Days.ToArray(), actual.Days.ToArray());
    }
}
