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

        // Slack = residual − Tolerance × degree: a node is due a push once its slack reaches 0. Nodes beyond the ball
        // hold NaN, which absorbs whatever lands there and never compares ≥ 0, so the inner loop touches one array
        // per edge (the residual) instead of four (hops, residual, queued flag, degree).
        var offsets = graph.OffsetArray;
        var targets = graph.TargetArray;
        var labels = graph.LabelArray;
        var alpha = options.Alpha;
        var tolerance = options.Tolerance;
        var slack = _slack;
        slack.AsSpan(0, graph.NodeCount).Fill(double.NaN);
        foreach (var node in Reached)
        {
            slack[node] = -tolerance * (offsets[node + 1] - offsets[node]);
        }

        var capacity = _queue.Length;
        var head = 0;
        var queued = 0;
        for (var s = 0; s < seedCount; s++)
        {
            var seed = _order[s];
            slack[seed] += (1 + (evidence is null ? 0 : evidence[seed])) / restartTotal;
            _queue[queued++] = seed;
            _queued[seed] = true;
        }

        long work = 0;
        while (queued > 0)
        {
            var u = _queue[head];
            head = head + 1 == capacity ? 0 : head + 1;
            queued--;
            _queued[u] = false;
            int start = offsets[u], end = offsets[u + 1];
            var threshold = tolerance * (end - start);
            var residual = slack[u] + threshold;
            slack[u] = -threshold;
            _mass[u] += alpha * residual;
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
                var weight = _labelWeights[labels[i]];
                if (evidence is not null)
                {
                    weight *= 1 + evidence[v];
                }

                if ((slack[v] += share * weight) >= 0 && !_queued[v])
                {
                    _queued[v] = true;
                    var tail = head + queued;
                    _queue[tail >= capacity ? tail - capacity : tail] = v;
                    queued++;
                }
            }
        }

        // What push left is mostly parked on hubs (their threshold is Tolerance × a large degree). Pushing a hub costs
        // its whole degree in random writes; a sweep pushes every residual at once by pulling, in id order, so finish
        // with sweeps until at most MaxResidual of the mass is unaccounted for (each sweep keeps at most 1 − α of it).
        double left = 0;
        foreach (var node in Reached)
        {
            left += slack[node] += tolerance * (offsets[node + 1] - offsets[node]);
        }

        // Sweeps and the degree pass read each node's edges: in id order the CSR streams instead of jumping.
        var ball = SortReachedById();
        if (left > options.MaxResidual)
        {
            var uniform = _labelWeights.AsSpan().IndexOfAnyExcept(_labelWeights[0]) < 0 ? _labelWeights[0] : 0;
            var context = new SweepContext(offsets, targets, labels, evidence, alpha, uniform);
            var cyclic = options.MaxDegreeOfParallelism == 1;
            if (cyclic && evidence is not null)
            {
                // Cyclic sweeps keep residual / (1 + evidence): every edge into v carries v's factor, so it is applied
                // once when v is pushed instead of being read at random per edge.
                foreach (var node in _byId.AsSpan(0, ball))
                {
                    slack[node] /= 1 + evidence[node];
                }
            }

            for (var sweep = 0; sweep < MaxSweeps && left > options.MaxResidual; sweep++)
            {
                (left, var read) = cyclic ? CyclicSweep(context, ball) : Sweep(context, ball, options.MaxDegreeOfParallelism);
                work += read;
            }
        }

        var exponent = options.DegreeExponent;
        foreach (var node in _byId.AsSpan(0, ball))
        {
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

        // Trust per edge is read once per half-edge at random: a float array (4 bytes a node) keeps twice as much of it
        // in cache as doubles would; sums and trust stay double.
        var perEdge = _perEdge;
        var ball = SortReachedById();
        var byId = _byId;
        var hops = _hops;
        long work = 0;
        for (var round = 1; round <= rounds; round++)
        {
            for (var k = 0; k < ball; k++)
            {
                var u = byId[k];
                var degree = offsets[u + 1] - offsets[u];
                if (hops[u] < round && degree > 0)
                {
                    perEdge[u] = (float)(trust[u] / degree);
                }
            }

            // Pull: each receiver (trust reaches at most `round` hops) sums its neighbours' per-edge trust. Nodes beyond
            // the ball hold 0, so trust sent there is lost. Receivers are independent, so the sweep splits across threads.
            if (options.MaxDegreeOfParallelism == 1 || ball < 2 * ParallelChunk)
            {
                work += Pull(byId, 0, ball, round, hops, offsets, targets, trust, perEdge);
            }
            else
            {
                var limit = round;
                Parallel.For(
                    0,
                    (ball + ParallelChunk - 1) / ParallelChunk,
                    new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism },
                    chunk => Interlocked.Add(ref work, Pull(byId, chunk * ParallelChunk, Math.Min(ball, (chunk + 1) * ParallelChunk), limit, hops, offsets, targets, trust, perEdge)));
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

    private const int ParallelChunk = 16_384;

    /// <summary>Pulls trust into the receivers among byId[from..to] within `limit` hops; returns the half-edges read.</summary>
    private static long Pull(int[] byId, int from, int to, int limit, byte[] hops, int[] offsets, int[] targets, double[] trust, float[] perEdge)
    {
        long read = 0;
        for (var k = from; k < to; k++)
        {
            var v = byId[k];
            if (hops[v] > limit)
            {
                continue;
            }

            int start = offsets[v], end = offsets[v + 1];
            trust[v] = NeighbourSums.Sum(targets, start, end, perEdge);
            read += end - start;
        }

        return read;
    }

    /// <summary>
    /// Copies the reached nodes into <c>_byId</c> in ascending id order and returns how many there are, so that sweeps
    /// read the CSR arrays front to back instead of in breadth-first (random) order. A large ball is collected by one
    /// scan of the hop bytes; a small one is sorted.
    /// </summary>
    private int SortReachedById()
    {
        var count = _reached;
        if (_byId.Length < _hops.Length)
        {
            _byId = new int[_hops.Length];
        }

        var nodeCount = _graph!.NodeCount;
        if ((long)count * 16 >= nodeCount)
        {
            var k = 0;
            for (var v = 0; v < nodeCount; v++)
            {
                if (_hops[v] != Unreached)
                {
                    _byId[k++] = v;
                }
            }
        }
        else
        {
            Reached.CopyTo(_byId);
            Array.Sort(_byId, 0, count);
        }

        return count;
    }

    /// <summary>Sweeps a PageRank run does at most after its push phase (each keeps at most 1 − α of the residual).</summary>
    private const int MaxSweeps = 1_000;

    /// <summary>
    /// One synchronous push of every residual in the ball (the residual is in <c>_slack</c> by now): each node keeps α
    /// of it as mass and offers the rest per unit of edge weight (as a float: 4 bytes a node read at random, like
    /// SybilRank's per-edge trust); then each node pulls its new residual from its neighbours. Returns the residual left and the half-edges read.
    /// </summary>
    private (double Left, long Read) Sweep(in SweepContext context, int ball, int parallelism)
    {
        var residual = _slack;
        var spread = _perEdge;
        var byId = _byId;
        var alpha = context.Alpha;
        for (var k = 0; k < ball; k++)
        {
            var u = byId[k];
            var r = residual[u];
            _mass[u] += alpha * r;
            var outWeight = _outWeight[u];
            if (outWeight == 0 && r != 0)
            {
                outWeight = _outWeight[u] = WeightedDegree(context.Offsets[u], context.Offsets[u + 1], context.Targets, context.Labels, context.Evidence);
            }

            spread[u] = outWeight > 0 ? (float)((1 - alpha) * r / outWeight) : 0;
        }

        if (parallelism == 1 || ball < 2 * ParallelChunk)
        {
            return PullResidual(context, 0, ball);
        }

        var chunks = (ball + ParallelChunk - 1) / ParallelChunk;
        var partial = new (double Left, long Read)[chunks];
        var self = this;
        var shared = context;
        Parallel.For(
            0,
            chunks,
            new ParallelOptions { MaxDegreeOfParallelism = parallelism },
            chunk => partial[chunk] = self.PullResidual(shared, chunk * ParallelChunk, Math.Min(ball, (chunk + 1) * ParallelChunk)));
        (double Left, long Read) total = default;
        foreach (var (left, read) in partial)
        {
            total = (total.Left + left, total.Read + read);
        }

        return total;
    }

    /// <summary>
    /// One push of every node in the ball, in id order, each spreading its residual at once (Gauss–Seidel order: what
    /// a node receives from a lower id is passed on in the same sweep, so about half the sweeps of the synchronous
    /// <see cref="Sweep"/> reach the same residual). Exact pushes, so the invariant of the push phase holds. Residuals
    /// beyond the ball are NaN and absorb what lands there; with evidence they are held divided by 1 + evidence.
    /// Returns the residual left and the half-edges read.
    /// </summary>
    private (double Left, long Read) CyclicSweep(in SweepContext context, int ball)
    {
        var residual = _slack;
        var offsets = context.Offsets;
        var targets = context.Targets;
        var labels = context.Labels;
        var evidence = context.Evidence;
        var alpha = context.Alpha;
        long read = 0;
        for (var k = 0; k < ball; k++)
        {
            var u = _byId[k];
            var r = residual[u];
            if (r == 0)
            {
                continue;
            }

            residual[u] = 0;
            r *= evidence is null ? 1 : 1 + evidence[u];
            _mass[u] += alpha * r;
            int start = offsets[u], end = offsets[u + 1];
            var outWeight = _outWeight[u];
            if (outWeight == 0)
            {
                outWeight = _outWeight[u] = WeightedDegree(start, end, targets, labels, evidence);
                if (outWeight == 0)
                {
                    continue;
                }
            }

            read += end - start;
            NeighbourSums.Spread(targets, labels, start, end, (1 - alpha) * r / outWeight, _labelWeights, residual);
        }

        double left = 0;
        for (var k = 0; k < ball; k++)
        {
            var v = _byId[k];
            left += residual[v] * (evidence is null ? 1 : 1 + evidence[v]);
        }

        return (left, read);
    }

    private (double Left, long Read) PullResidual(in SweepContext context, int from, int to)
    {
        var residual = _slack;
        var spread = _perEdge;
        var labelWeights = _labelWeights;
        var uniform = context.UniformWeight;
        var offsets = context.Offsets;
        var targets = context.Targets;
        var labels = context.Labels;
        double left = 0;
        long read = 0;
        for (var k = from; k < to; k++)
        {
            var v = _byId[k];
            int start = offsets[v], end = offsets[v + 1];
            var sum = uniform > 0
                ? uniform * NeighbourSums.Sum(targets, start, end, spread)
                : NeighbourSums.WeightedSum(targets, labels, start, end, spread, labelWeights);

            if (context.Evidence is { } evidence)
            {
                sum *= 1 + evidence[v];
            }

            residual[v] = sum;
            left += sum;
            read += end - start;
        }

        return (left, read);
    }

    /// <summary>
    /// The snapshot arrays and settings a PageRank sweep reads; <c>UniformWeight</c> is the weight every label has, or 0
    /// when weights differ (then the labels must be read).
    /// </summary>
    private readonly record struct SweepContext(int[] Offsets, int[] Targets, byte[] Labels, float[]? Evidence, double Alpha, double UniformWeight);

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

        if (!(options.Tolerance > 0) || !(options.DegreeExponent >= 0) || !(options.MaxResidual >= 0) || options.MaxDegreeOfParallelism < 1)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options), "Tolerance must be positive, DegreeExponent and MaxResidual non-negative, MaxDegreeOfParallelism at least 1.");
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
