using Haven.Kernels.Graph;

namespace Haven.Kernels.Tests.Graph;

public sealed class GraphDiscoveryTests
{
    private const EdgeKind R = EdgeKind.Reply;

    /// <summary>(nodes, interactions) of the random graphs checked against the oracle.</summary>
    public static TheoryData<int, int> Sizes => new()
    {
        { 1, 0 },
        { 2, 3 },
        { 9, 0 },
        { 13, 30 },
        { 40, 120 },
        { 97, 700 },
        { 250, 900 },
    };

    [Fact]
    public void BreadthFirstOnAPathRanksByHopsAndStopsAtTheBound()
    {
        var graph = EdgeList.Of(5, (0, 1, R), (1, 2, R), (2, 3, R), (3, 4, R)).Build();
        var workspace = new DiscoveryWorkspace();
        GraphDiscovery.BreadthFirst(graph, [0], maxHops: 2, workspace);

        // 1 / (hops + 1/(1 + edges from the previous level)); one such edge each on a path.
        AssertScore(workspace, 0, 1f);
        AssertScore(workspace, 1, 1f / 1.5f);
        AssertScore(workspace, 2, 1f / 2.5f);
        Assert.False(workspace.TryGetScore(3, out _));
        Assert.False(workspace.TryGetScore(4, out _));
        Assert.Equal(-1, workspace.Hops(3));
        Assert.Equal([0, 1, 2], workspace.Reached.ToArray());
        Assert.Equal([1, 2], workspace.Top(10).Select(r => r.Node));
        Assert.Equal([new RankedNode(0, 1f, 0), new RankedNode(1, 1f / 1.5f, 1)], workspace.Top(2, includeSeeds: true));
    }

    [Fact]
    public void BreadthFirstPrefersNodesReachedByMoreEdges()
    {
        // Seeds 0 and 1; node 2 touches both, node 3 only seed 0, node 4 is two hops out.
        var graph = EdgeList.Of(5, (0, 2, R), (1, 2, EdgeKind.Repost), (0, 3, R), (3, 4, R)).Build();
        var workspace = new DiscoveryWorkspace();
        GraphDiscovery.BreadthFirst(graph, [0, 1, 0], maxHops: 3, workspace);
        AssertScore(workspace, 2, 1f / (1 + (1f / 3)));
        AssertScore(workspace, 3, 1f / 1.5f);
        AssertScore(workspace, 4, 1f / 2.5f);
        Assert.Equal([2, 3, 4], workspace.Top(3).Select(r => r.Node));
    }

    [Fact]
    public void PageRankOnAThreeNodePathMatchesTheHandSolution()
    {
        // Path 0 – 1 – 2, seed 0, α = ½: p0 = ½ + ¼ p1, p1 = ½ (p0 + p2), p2 = ¼ p1 → p = (7/12, 1/3, 1/12).
        var graph = EdgeList.Of(3, (0, 1, R), (2, 1, R)).Build();
        var workspace = new DiscoveryWorkspace();
        GraphDiscovery.PersonalizedPageRank(graph, [0], new PageRankOptions { Alpha = 0.5, Tolerance = 1e-12 }, workspace);
        AssertScore(workspace, 0, 7f / 12);
        AssertScore(workspace, 1, 1f / 3);
        AssertScore(workspace, 2, 1f / 12);
        Assert.True(workspace.ResidualMass < 1e-9);
    }

    [Fact]
    public void SybilRankOnAThreeNodePathMatchesTheHandSolution()
    {
        // Trust (1, 0, 0) → round 1: (0, 1, 0) → round 2: node 1 sends ½ each way: (½, 0, ½); degrees (1, 2, 1).
        var graph = EdgeList.Of(3, (0, 1, R), (1, 2, R)).Build();
        var workspace = new DiscoveryWorkspace();
        GraphDiscovery.SybilRank(graph, [0], new SybilRankOptions { Iterations = 2 }, workspace);
        AssertScore(workspace, 0, 0.5f);
        AssertScore(workspace, 1, 0f);
        AssertScore(workspace, 2, 0.5f);
    }

    [Fact]
    public void DegreeNormalisationKeepsAHubBelowAQuietNeighbour()
    {
        // Seed 0 touches a hub (1, followed by 20 leaves) and a quiet account (2) that touches only the seed. Plain
        // PPR puts the hub first: its leaves hand all their mass back to it. Divided by degree, the hub (21) falls
        // below the quiet account (1), which the seed's neighbours have as much reason to distrust.
        var edges = new List<(int, int, EdgeKind)> { (0, 1, R), (2, 0, R) };
        for (var leaf = 3; leaf < 23; leaf++)
        {
            edges.Add((leaf, 1, EdgeKind.Follow));
        }

        var graph = EdgeList.Of(23, [.. edges]).Build();
        var workspace = new DiscoveryWorkspace();
        GraphDiscovery.PersonalizedPageRank(graph, [0], new PageRankOptions(), workspace);
        Assert.Equal(1, workspace.Top(1)[0].Node);

        var uniform = Enumerable.Repeat(1f, 7).ToArray();
        GraphDiscovery.PersonalizedPageRank(graph, [0], PageRankOptions.EvidenceWeighted(null, uniform), workspace);
        Assert.Equal([2, 1], workspace.Top(2).Select(r => r.Node));
        GraphDiscovery.SybilRank(graph, [0], new SybilRankOptions(), workspace);
        Assert.Equal(2, workspace.Top(1)[0].Node);
    }

    [Fact]
    public void EvidenceLiftsTheNodeItIsOn()
    {
        // Seed 0 with two symmetric neighbours; evidence on node 2 draws the walk (and the ranking) to it.
        var graph = EdgeList.Of(3, (0, 1, R), (0, 2, R)).Build();
        var workspace = new DiscoveryWorkspace();
        GraphDiscovery.PersonalizedPageRank(graph, [0], PageRankOptions.EvidenceWeighted(null), workspace);
        workspace.TryGetScore(1, out var one);
        workspace.TryGetScore(2, out var two);
        Assert.Equal(one, two);
        GraphDiscovery.PersonalizedPageRank(graph, [0], PageRankOptions.EvidenceWeighted([0f, 0f, 2f]), workspace);
        Assert.Equal([2, 1], workspace.Top(2).Select(r => r.Node));
    }

    [Fact]
    public void TheSeedsCommunityRanksAboveTheOneAcrossTheBridge()
    {
        // Two 6-cliques (0–5 and 6–11) joined by one bridge 5 – 6; seed 0. Every algorithm must rank all of 1–5
        // above all of 6–11.
        var edges = new List<(int, int, EdgeKind)> { (5, 6, EdgeKind.Mention) };
        foreach (var offset in new[] { 0, 6 })
        {
            for (var a = 0; a < 6; a++)
            {
                for (var b = a + 1; b < 6; b++)
                {
                    edges.Add((offset + a, offset + b, a % 2 == 0 ? EdgeKind.Repost : R));
                }
            }
        }

        var graph = EdgeList.Of(12, [.. edges]).Build();
        var workspace = new DiscoveryWorkspace();
        var runs = new Action[]
        {
            () => GraphDiscovery.BreadthFirst(graph, [0], 5, workspace),
            () => GraphDiscovery.PersonalizedPageRank(graph, [0], new PageRankOptions { MaxHops = 5 }, workspace),
            () => GraphDiscovery.PersonalizedPageRank(graph, [0], PageRankOptions.EvidenceWeighted(null, maxHops: 5), workspace),
            () => GraphDiscovery.SybilRank(graph, [0], new SybilRankOptions { MaxHops = 5 }, workspace),
        };
        foreach (var run in runs)
        {
            run();
            var top = workspace.Top(11).Select(r => r.Node).ToArray();
            Assert.Equal(11, top.Length);
            Assert.All(top[..5], node => Assert.InRange(node, 1, 5));
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void PlainPageRankMatchesDensePowerIteration(int nodes, int interactions)
    {
        var random = new Random(HashCode.Combine(nodes, interactions, 3));
        var edges = EdgeList.Random(nodes, interactions, random);
        foreach (var maxHops in new[] { 0, 1, 2, 50 })
        {
            var options = new PageRankOptions { MaxHops = maxHops, Tolerance = 1e-13 };
            AssertPageRankMatchesOracle(edges, Seeds(nodes, random), options);
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void EvidenceWeightedPageRankMatchesDensePowerIteration(int nodes, int interactions)
    {
        var random = new Random(HashCode.Combine(nodes, interactions, 4));
        var edges = EdgeList.Random(nodes, interactions, random);
        foreach (var exponent in new[] { 0.5, 1.0 })
        {
            var evidence = Enumerable.Range(0, nodes).Select(_ => random.Next(3) == 0 ? random.NextSingle() * 3 : 0f).ToArray();
            var weights = Enumerable.Range(0, 7).Select(k => k == 4 ? 0f : random.NextSingle() * 4).ToArray();
            var options = PageRankOptions.EvidenceWeighted(evidence, weights, maxHops: 1 + random.Next(4));
            options = new PageRankOptions
            {
                MaxHops = options.MaxHops,
                Alpha = 0.1 + (random.NextDouble() * 0.3),
                Tolerance = 1e-13,
                KindWeights = options.KindWeights,
                CountMultiplicity = true,
                NodeEvidence = evidence,
                DegreeExponent = exponent,
            };
            AssertPageRankMatchesOracle(edges, Seeds(nodes, random), options);
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void SweepsAloneMatchDensePowerIteration(int nodes, int interactions)
    {
        // A tolerance of 1 pushes almost nothing, leaving the sweeps to do the work, on one thread and on two.
        var random = new Random(HashCode.Combine(nodes, interactions, 9));
        var edges = EdgeList.Random(nodes, interactions, random);
        var evidence = Enumerable.Range(0, nodes).Select(_ => random.Next(4) == 0 ? 2f : 0f).ToArray();
        foreach (var threads in new[] { 1, 2 })
        {
            var options = new PageRankOptions
            {
                MaxHops = 3,
                Tolerance = 1,
                MaxResidual = 1e-13,
                MaxDegreeOfParallelism = threads,
                NodeEvidence = evidence,
                KindWeights = PageRankOptions.DefaultKindWeights,
                CountMultiplicity = true,
                DegreeExponent = 1,
            };
            AssertPageRankMatchesOracle(edges, Seeds(nodes, random), options);
        }
    }

    [Fact]
    public void PushErrorIsBoundedByTheResidual()
    {
        var random = new Random(8);
        var edges = EdgeList.Random(400, 3_000, random);
        var seeds = Seeds(400, random);
        var options = new PageRankOptions { Tolerance = 1e-4, MaxResidual = 1 };
        var exact = new NaiveGraph(edges).PageRank(seeds, options);
        var workspace = new DiscoveryWorkspace();
        GraphDiscovery.PersonalizedPageRank(edges.Build(), seeds, options, workspace);
        double error = 0;
        foreach (var node in workspace.Reached)
        {
            workspace.TryGetScore(node, out var score);
            Assert.True(score <= exact[node] + 1e-6, $"push overshoots at {node}");
            error += exact[node] - score;
        }

        Assert.True(workspace.ResidualMass > 0);
        Assert.True(error <= workspace.ResidualMass + 1e-5, $"error {error} > residual {workspace.ResidualMass}");
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void SybilRankMatchesNaiveRounds(int nodes, int interactions)
    {
        var (random, edges, naive, graph) = RandomCase(nodes, interactions, 5);
        var workspace = new DiscoveryWorkspace();
        foreach (var (maxHops, rounds, threads) in new[] { (0, 3, 1), (2, 1, 1), (2, 7, 1), (3, 0, 2), (50, 12, 2) })
        {
            var seeds = Seeds(nodes, random);
            var options = new SybilRankOptions { MaxHops = maxHops, Iterations = rounds, MaxDegreeOfParallelism = threads };
            GraphDiscovery.SybilRank(graph, seeds, options, workspace);
            var expected = naive.SybilRank(seeds, maxHops, rounds > 0 ? rounds : (int)Math.Ceiling(Math.Log2(Math.Max(2, nodes))));
            AssertScoresMatch(expected, workspace);
        }
    }

    [Fact]
    public void SweepsSplitAcrossThreadsWithoutChangingScores()
    {
        // Large enough for several chunks per sweep. SybilRank's sums are per receiver, so exactly equal. PageRank on
        // one thread sweeps Gauss–Seidel, on more Jacobi: both stop with at most MaxResidual unpushed, and mass is
        // never overestimated, so they agree within it.
        var random = new Random(12);
        var graph = EdgeList.Random(60_000, 300_000, random).Build();
        var seeds = Seeds(60_000, random);
        var single = new DiscoveryWorkspace();
        var parallel = new DiscoveryWorkspace();
        GraphDiscovery.SybilRank(graph, seeds, new SybilRankOptions(), single);
        GraphDiscovery.SybilRank(graph, seeds, new SybilRankOptions { MaxDegreeOfParallelism = 2 }, parallel);
        AssertSameScores(single, parallel, 0);

        var options = new PageRankOptions { Tolerance = 1e-3, MaxResidual = 1e-6 };
        GraphDiscovery.PersonalizedPageRank(graph, seeds, options, single);
        GraphDiscovery.PersonalizedPageRank(graph, seeds, new PageRankOptions { Tolerance = 1e-3, MaxResidual = 1e-6, MaxDegreeOfParallelism = 2 }, parallel);
        Assert.True(single.Work > 0);
        AssertSameScores(single, parallel, options.MaxResidual);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void BreadthFirstMatchesNaiveSearch(int nodes, int interactions)
    {
        var (random, _, naive, graph) = RandomCase(nodes, interactions, 6);
        var workspace = new DiscoveryWorkspace();
        foreach (var maxHops in new[] { 0, 1, 3, 50 })
        {
            var seeds = Seeds(nodes, random);
            GraphDiscovery.BreadthFirst(graph, seeds, maxHops, workspace);
            var hops = naive.Hops(seeds, maxHops);
            var expected = hops.Select((h, v) => h < 0 ? double.NaN : 1.0 / (h + (1.0 / (1 + naive.ParentEdges(hops, v))))).ToArray();
            AssertScoresMatch(expected, workspace);
        }
    }

    [Fact]
    public void ExplainsWithKindsAndDirections()
    {
        // 7 reposted 3, 3 replied to 1 (the seed), 1 and 5 mentioned each other, 9 follows nobody.
        var graph = EdgeList.Of(10, (7, 3, EdgeKind.Repost), (3, 1, R), (1, 5, EdgeKind.Mention), (5, 1, EdgeKind.Mention)).Build();
        var workspace = new DiscoveryWorkspace();
        GraphDiscovery.BreadthFirst(graph, [1], 4, workspace);
        Assert.Equal(
            [new PathStep(7, 3, EdgeKind.Repost, EdgeDirection.Outgoing), new PathStep(3, 1, R, EdgeDirection.Outgoing)],
            workspace.PathToSeed(7));
        Assert.Equal([new PathStep(5, 1, EdgeKind.Mention, EdgeDirection.Both)], workspace.PathToSeed(5));
        Assert.Empty(workspace.PathToSeed(1));
        Assert.Throws<ArgumentException>(() => workspace.PathToSeed(9));

        // Seen from the seed's side the same edges point the other way.
        GraphDiscovery.BreadthFirst(graph, [7], 4, workspace);
        Assert.Equal(
            [new PathStep(1, 3, R, EdgeDirection.Incoming), new PathStep(3, 7, EdgeKind.Repost, EdgeDirection.Incoming)],
            workspace.PathToSeed(1));
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void ExplanationsAreShortestPathsOverRealEdges(int nodes, int interactions)
    {
        var (random, edges, naive, graph) = RandomCase(nodes, interactions, 7);
        var workspace = new DiscoveryWorkspace();
        var seeds = Seeds(nodes, random);
        GraphDiscovery.PersonalizedPageRank(graph, seeds, new PageRankOptions { MaxHops = 4 }, workspace);
        var hops = naive.Hops(seeds, 4);
        for (var v = 0; v < nodes; v++)
        {
            if (hops[v] < 0)
            {
                Assert.Throws<ArgumentException>(() => workspace.PathToSeed(v));
                continue;
            }

            var path = workspace.PathToSeed(v);
            Assert.Equal(hops[v], path.Length);
            var at = v;
            foreach (var step in path)
            {
                Assert.Equal(at, step.From);
                Assert.Contains(naive.Edges(step.From), e => e.Neighbour == step.To && e.Kind == step.Kind && e.Direction == step.Direction);
                at = step.To;
            }

            Assert.Contains(at, seeds);
        }
    }

    [Fact]
    public void AWorkspaceReusedAcrossGraphsGivesFreshResults()
    {
        var random = new Random(21);
        var large = EdgeList.Random(300, 2_000, random).Build();
        var small = EdgeList.Random(50, 200, random);
        var seeds = Seeds(50, random);
        var reused = new DiscoveryWorkspace();
        GraphDiscovery.PersonalizedPageRank(large, [0, 1, 2], new PageRankOptions { MaxHops = 50 }, reused);
        GraphDiscovery.SybilRank(large, [4], new SybilRankOptions { MaxHops = 50 }, reused);
        GraphDiscovery.PersonalizedPageRank(small.Build(), seeds, new PageRankOptions { Tolerance = 1e-13 }, reused);
        AssertScoresMatch(new NaiveGraph(small).PageRank(seeds, new PageRankOptions()), reused);
    }

    [Fact]
    public void RejectsBadArguments()
    {
        var graph = EdgeList.Of(3, (0, 1, R)).Build();
        var workspace = new DiscoveryWorkspace();
        Assert.Throws<ArgumentOutOfRangeException>(() => GraphDiscovery.BreadthFirst(graph, [3], 2, workspace));
        Assert.Throws<ArgumentOutOfRangeException>(() => GraphDiscovery.BreadthFirst(graph, [0], -1, workspace));
        Assert.Throws<ArgumentOutOfRangeException>(() => GraphDiscovery.PersonalizedPageRank(graph, [0], new PageRankOptions { Alpha = 0 }, workspace));
        Assert.Throws<ArgumentException>(() => GraphDiscovery.PersonalizedPageRank(graph, [0], new PageRankOptions { KindWeights = [1f] }, workspace));
        Assert.Throws<ArgumentException>(() => GraphDiscovery.PersonalizedPageRank(graph, [0], new PageRankOptions { NodeEvidence = [0f, -1f, 0f] }, workspace));
        Assert.Throws<ArgumentOutOfRangeException>(() => GraphDiscovery.SybilRank(graph, [0], new SybilRankOptions { MaxDegreeOfParallelism = 0 }, workspace));
    }

    /// <summary>A seeded random graph (see <see cref="EdgeList.Random"/>), its oracle and its snapshot.</summary>
    private static (Random Random, EdgeList Edges, NaiveGraph Naive, InteractionGraph Graph) RandomCase(int nodes, int interactions, int salt)
    {
        var random = new Random(HashCode.Combine(nodes, interactions, salt));
        var edges = EdgeList.Random(nodes, interactions, random);
        return (random, edges, new NaiveGraph(edges), edges.Build());
    }

    /// <summary>1 to 3 random seeds, possibly repeated.</summary>
    private static int[] Seeds(int nodes, Random random) => [.. Enumerable.Range(0, 1 + random.Next(3)).Select(_ => random.Next(nodes))];

    private static void AssertPageRankMatchesOracle(EdgeList edges, int[] seeds, PageRankOptions options)
    {
        var expected = new NaiveGraph(edges).PageRank(seeds, options);
        var workspace = new DiscoveryWorkspace();
        GraphDiscovery.PersonalizedPageRank(edges.Build(), seeds, options, workspace);
        AssertScoresMatch(expected, workspace);
    }

    /// <summary>NaN in <paramref name="expected"/> means "beyond the hop bound".</summary>
    private static void AssertScoresMatch(double[] expected, DiscoveryWorkspace workspace)
    {
        var scale = expected.Where(double.IsFinite).DefaultIfEmpty(0).Max();
        for (var v = 0; v < expected.Length; v++)
        {
            var reached = workspace.TryGetScore(v, out var score);
            Assert.Equal(!double.IsNaN(expected[v]), reached);
            if (reached)
            {
                Assert.True(Math.Abs(score - expected[v]) <= (1e-5 * scale) + 1e-12, $"node {v}: {score} vs {expected[v]}");
            }
        }
    }

    private static void AssertSameScores(DiscoveryWorkspace expected, DiscoveryWorkspace actual, double tolerance)
    {
        Assert.Equal(expected.Reached.ToArray(), actual.Reached.ToArray());
        foreach (var node in expected.Reached)
        {
            expected.TryGetScore(node, out var a);
            actual.TryGetScore(node, out var b);
            Assert.True(Math.Abs(a - b) <= tolerance, $"node {node}: {a} vs {b}");
        }
    }

    private static void AssertScore(DiscoveryWorkspace workspace, int node, float expected)
    {
        Assert.True(workspace.TryGetScore(node, out var score), $"node {node} has no score");
        Assert.Equal(expected, score, 1e-6f);
    }
}
