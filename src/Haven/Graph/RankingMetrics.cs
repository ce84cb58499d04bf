namespace Haven.Graph;

/// <summary>Precision and recall after the first <see cref="K"/> candidates of a ranking.</summary>
internal readonly record struct CurvePoint(int K, double Precision, double Recall);

/// <summary>
/// How a ranking of candidate accounts compares with the planted truth: precision@k, recall@k and the best recall reached
/// while precision stays at or above a floor. Seeds are never counted: they were given, not found.
/// </summary>
internal sealed record RankingMetrics(int Candidates, int Relevant, IReadOnlyList<CurvePoint> Curve)
{
    /// <summary>Computes the full curve for <paramref name="ranked"/> (best first) against <paramref name="truth"/>.</summary>
    public static RankingMetrics Compute(IReadOnlyList<string> ranked, IReadOnlySet<string> truth, IReadOnlySet<string> seeds)
    {
        var relevant = truth.Count(t => !seeds.Contains(t));
        var curve = new List<CurvePoint>(ranked.Count);
        var hits = 0;
        var k = 0;
        foreach (var account in ranked)
        {
            if (seeds.Contains(account))
            {
                continue;
            }

            k++;
            if (truth.Contains(account))
            {
                hits++;
            }

            curve.Add(new CurvePoint(k, (double)hits / k, relevant == 0 ? 0 : (double)hits / relevant));
        }

        return new RankingMetrics(k, relevant, curve);
    }

    /// <summary>Precision after the first <paramref name="k"/> candidates (the whole list when shorter).</summary>
    public double PrecisionAt(int k) => Curve.Count == 0 || k < 1 ? 0 : Curve[Math.Min(k, Curve.Count) - 1].Precision;

    /// <summary>Recall after the first <paramref name="k"/> candidates (the whole list when shorter).</summary>
    public double RecallAt(int k) => Curve.Count == 0 || k < 1 ? 0 : Curve[Math.Min(k, Curve.Count) - 1].Recall;

    /// <summary>The point with the highest recall whose precision is at least <paramref name="precisionFloor"/>, or null.</summary>
    public CurvePoint? BestRecallAtPrecision(double precisionFloor)
    {
        CurvePoint? best = null;
        foreach (var point in Curve)
        {
            if (point.Precision + 1e-12 >= precisionFloor && (best is null || point.Recall > best.Value.Recall))
            {
                best = point;
            }
        }

        return best;
    }

    /// <summary>The point with the best F1 (harmonic mean of precision and recall), or null for an empty ranking.</summary>
    public CurvePoint? BestF1()
    {
        CurvePoint? best = null;
        var bestF1 = -1.0;
        foreach (var point in Curve)
        {
            var f1 = point.Precision + point.Recall == 0 ? 0 : 2 * point.Precision * point.Recall / (point.Precision + point.Recall);
            if (f1 > bestF1)
            {
                bestF1 = f1;
                best = point;
            }
        }

        return best;
    }
}
