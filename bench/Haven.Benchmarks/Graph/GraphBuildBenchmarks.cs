using BenchmarkDotNet.Attributes;
using Haven.Kernels.Graph;

namespace Haven.Benchmarks.Graph;

/// <summary>
/// Building a snapshot of 10M interactions (1M nodes) from parallel arrays, beside the naive build: a list of
/// (neighbour, kind, direction) per node, both ends appended per interaction, no merging. Also a refresh that adds a
/// batch of 100k interactions (and 1,000 new nodes) to a 10M snapshot.
/// </summary>
[MemoryDiagnoser]
public class GraphBuildBenchmarks
{
    private const int RefreshBatch = 100_000;

    private int[] _from = [];
    private int[] _to = [];
    private EdgeKind[] _kinds = [];
    private long[] _seconds = [];
    private InteractionGraph? _previous;
    private (int[] From, int[] To, EdgeKind[] Kinds, long[] UnixSeconds) _batch;

    [GlobalSetup]
    public void Setup()
    {
        (_from, _to, _kinds, _seconds) = SyntheticGraph.Interactions();
        var graph = Build();
        Console.WriteLine($"// Graph: {graph.NodeCount:N0} nodes, {_from.Length:N0} interactions → {graph.EdgeCount:N0} stored edges; "
            + $"{graph.MemoryBytes / 1048576.0:F1} MiB, {graph.MemoryBytes / (double)_from.Length:F2} bytes per interaction, "
            + $"{graph.MemoryBytes / (double)graph.EdgeCount:F2} bytes per stored edge");
        _previous = graph;
        var batch = SyntheticGraph.Interactions(RefreshBatch, seed: 99);
        for (var e = 0; e < RefreshBatch; e += 100)
        {
            batch.From[e] = SyntheticGraph.Nodes + (e / 100); // 1,000 new accounts
        }

        _batch = batch;
    }

    [Benchmark(Baseline = true)]
    public int NaiveAdjacencyLists()
    {
        var adjacency = new List<(int Neighbour, byte KindAndDirection)>[SyntheticGraph.Nodes];
        for (var v = 0; v < adjacency.Length; v++)
        {
            adjacency[v] = [];
        }

        for (var e = 0; e < _from.Length; e++)
        {
            adjacency[_from[e]].Add((_to[e], (byte)_kinds[e]));
            adjacency[_to[e]].Add((_from[e], (byte)((int)_kinds[e] | 8)));
        }

        return adjacency[0].Count;
    }

    [Benchmark]
    public InteractionGraph Build() => InteractionGraph.Build(SyntheticGraph.Nodes, _from, _to, _kinds, _seconds);

    [Benchmark]
    public InteractionGraph RefreshWith100k() =>
        _previous!.WithEdges(SyntheticGraph.Nodes + 1_000, _batch.From, _batch.To, _batch.Kinds, _batch.UnixSeconds);
}
