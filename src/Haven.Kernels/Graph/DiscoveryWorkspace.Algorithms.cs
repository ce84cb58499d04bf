namespace Haven.Kernels.Graph;

public sealed partial class DiscoveryWorkspace
{
    internal void RunBreadthFirst(InteractionGraph graph, ReadOnlySpan<int> seeds, int maxHops)
    {
        Expand(graph, seeds, maxHops);

        // Hops first, then edges from the previous level: 1 / (hops + 1/(1 + parents)) lies in (1/(h+1), 1/h] for
        // h hops and grows with the parents, so one float orders both keys. A seed scores 1.
        foreach (var node in Reached)
        {
            _scores[node] = 1f / (_hops[node] + (1f / (1 + _parentCount[node])));
        }
    }

    /// <summary>
    /// Forward push (Andersen, Chung and Lang, FOCS 2006) on the walk killed when it leaves the hop ball: a node
    /// keeps α of its residual as mass and spreads the rest over all its edges in proportion to their weight; what
    /// lands outside the ball is dropped. FIFO order; a node is queued when its residual reaches Tolerance × degree.
    /// </summary>
    internal void RunPageRank(InteractionGraph graph, ReadOnlySpan<int> seeds, PageRankOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(graph, options);
        Expand(graph, seeds, options.MaxHops);
        FillLabelWeights(options.KindWeights, options.CountMultiplicity);

        var evidence = options.NodeEvidence;
        var seedCount = _levelEnd[0];
        double restartTotal = 0;
        for (var s = 0; s < seedCount; s++)
        {
            restartTotal += 1 + (evidence is null ? 0 : evidence[_order[s]]);
        }

        var capacity = _queue.Length;
        var head = 0;
        var queued = 0;
        for (var s = 0; s < seedCount; s++)
        {
            var seed = _order[s];
            _residual[seed] = (1 + (evidence is null ? 0 : evidence[seed])) / restartTotal;
            _queue[queued++] = seed;
            _queued[seed] = true;
        }

        var offsets = graph.OffsetArray;
        var targets = graph.TargetArray;
        var labels = graph.LabelArray;
        var alpha = options.Alpha;
        var tolerance = options.Tolerance;
        long work = 0;
        while (queued > 0)
        {
            var u = _queue[head];
            head = head + 1 == capacity ? 0 : head + 1;
            queued--;
            _queued[u] = false;
            var residual = _residual[u];
            _residual[u] = 0;
            _mass[u] += alpha * residual;
            int start = offsets[u], end = offsets[u + 1];
            var outWeight = _outWeight[u];
            if (outWeight == 0)
            {
                outWeight = _outWeight[u] = WeightedDegree(start, end, targets, labels, evidence);
                if (outWeight == 0)
                {
                    continue; // A node without weighted edges ends its walks.
                }
            }

            work += end - start;
            var share = (1 - alpha) * residual / outWeight;
            for (var i = start; i < end; i++)
            {
                var v = targets[i];
                if (_hops[v] < 0)
                {
                    continue;
                }

                var weight = _labelWeights[labels[i]];
                if (evidence is not null)
                {
                    weight *= 1 + evidence[v];
                }

                var updated = _residual[v] += share * weight;
                if (!_queued[v] && updated >= tolerance * (offsets[v + 1] - offsets[v]) && updated > 0)
                {
                    _queued[v] = true;
                    var tail = head + queued;
                    _queue[tail >= capacity ? tail - capacity : tail] = v;
                    queued++;
                }
            }
        }

        double left = 0;
        var exponent = options.DegreeExponent;
        foreach (var node in Reached)
        {
            left += _residual[node];
            var score = _mass[node];
            if (exponent != 0)
            {
                var degree = WeightedDegree(offsets[node], offsets[node + 1], targets, labels, evidence: null);
                if (degree > 0)
                {
                    score /= exponent == 1 ? degree : Math.Pow(degree, exponent);
                }
            }

            _scores[node] = (float)score;
        }

        ResidualMass = left;
        Work = work;
    }

    /// <summary>
    /// SybilRank (Cao, Sirivianos, Yang and Pregueiro, NSDI 2012): the seeds share a total trust of 1, each round every
    /// node sends its trust divided by its degree along each edge, and after ⌈log2 N⌉ rounds (before the walk mixes)
    /// the score is trust / degree. Here the seeds are confirmed offenders, so a high score means "inside their
    /// community". Round r only touches nodes within r hops, since trust has reached no farther.
    /// </summary>
    internal void RunSybilRank(InteractionGraph graph, ReadOnlySpan<int> seeds, SybilRankOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Iterations);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxDegreeOfParallelism, 1);
        Expand(graph, seeds, options.MaxHops);
        var seedCount = _levelEnd[0];
        for (var s = 0; s < seedCount; s++)
        {
            _mass[_order[s]] = 1.0 / seedCount;
        }

        var rounds = options.Iterations > 0 ? options.Iterations : (int)Math.Ceiling(Math.Log2(Math.Max(2, graph.NodeCount)));
        var offsets = graph.OffsetArray;
        var targets = graph.TargetArray;
        var trust = _mass;
        var perEdge = _residual;
        long work = 0;
        for (var round = 1; round <= rounds; round++)
        {
            var senders = ReachedWithin(round - 1);
            for (var k = 0; k < senders; k++)
            {
                var u = _order[k];
                var degree = offsets[u + 1] - offsets[u];
                perEdge[u] = degree > 0 ? trust[u] / degree : 0;
            }

            // Pull: each receiver sums its neighbours' per-edge trust. Nodes beyond the ball hold 0, so trust sent
            // there is lost; receivers are independent, so the sweep splits across threads.
            var receivers = ReachedWithin(round);
            work += offsets[receivers] - offsets[0];
            if (options.MaxDegreeOfParallelism == 1 || receivers < ParallelChunk)
            {
                Pull(0, receivers, offsets, targets, trust, perEdge);
            }
            else
            {
                var order = _order;
                Parallel.For(
                    0,
                    (receivers + ParallelChunk - 1) / ParallelChunk,
                    new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism },
                    chunk => Pull(order, chunk * ParallelChunk, Math.Min(receivers, (chunk + 1) * ParallelChunk), offsets, targets, trust, perEdge));
            }
        }

        foreach (var node in Reached)
        {
            var degree = offsets[node + 1] - offsets[node];
            _scores[node] = (float)(degree > 0 ? trust[node] / degree : trust[node]);
        }

        ResidualMass = 0;
        Work = work;
    }

    private const int ParallelChunk = 4096;

    private void Pull(int from, int to, int[] offsets, int[] targets, double[] trust, double[] perEdge) =>
        Pull(_order, from, to, offsets, targets, trust, perEdge);

    private static void Pull(int[] order, int from, int to, int[] offsets, int[] targets, double[] trust, double[] perEdge)
    {
        for (var k = from; k < to; k++)
        {
            var v = order[k];
            double sum = 0;
            for (var i = offsets[v]; i < offsets[v + 1]; i++)
            {
                sum += perEdge[targets[i]];
            }

            trust[v] = sum;
        }
    }

    private double WeightedDegree(int start, int end, int[] targets, byte[] labels, float[]? evidence)
    {
        double sum = 0;
        for (var i = start; i < end; i++)
        {
            var weight = _labelWeights[labels[i]];
            sum += evidence is null ? weight : weight * (1 + evidence[targets[i]]);
        }

        return sum;
    }

    private void FillLabelWeights(float[]? kindWeights, bool countMultiplicity)
    {
        for (var label = 0; label < _labelWeights.Length; label++)
        {
            var kind = label & HalfEdgeLabel.KindMask;
            double weight = kindWeights is null || kind >= kindWeights.Length ? 1 : kindWeights[kind];
            _labelWeights[label] = countMultiplicity ? weight * (1 + Math.Log2(HalfEdgeLabel.Multiplicity((byte)label))) : weight;
        }
    }

    private static void Validate(InteractionGraph graph, PageRankOptions options)
    {
        ArgumentNullException.ThrowIfNull(graph);
        if (!(options.Alpha is > 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Alpha, "Alpha must lie in (0, 1].");
        }

        if (!(options.Tolerance > 0) || !(options.DegreeExponent >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Tolerance must be positive and DegreeExponent non-negative.");
        }

        if (options.KindWeights is { } weights && (weights.Length != 7 || !AllNonNegative(weights)))
        {
            throw new ArgumentException("KindWeights needs one finite weight ≥ 0 per EdgeKind (7).", nameof(options));
        }

        if (options.NodeEvidence is { } evidence && (evidence.Length < graph.NodeCount || !AllNonNegative(evidence)))
        {
            throw new ArgumentException("NodeEvidence needs one finite value ≥ 0 per node.", nameof(options));
        }
    }

    private static bool AllNonNegative(float[] values)
    {
        foreach (var value in values)
        {
            if (!(value >= 0 && float.IsFinite(value)))
            {
                return false;
            }
        }

        return true;
    }
}
