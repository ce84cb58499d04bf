using Haven.Graph;
using Haven.Simulation;

namespace Haven.Tests.Graph;

public sealed class RankingMetricsTests
{
    private static readonly HashSet<string> Truth = ["s", "a", "b", "c", "d"];

    [Fact]
    public void Precision_and_recall_follow_the_ranking_and_ignore_seeds()
    {
        // Relevant (truth without the seed): a, b, c, d. Ranking: a, x, s (seed, skipped), b, y, c.
        var metrics = RankingMetrics.Compute(["a", "x", "s", "b", "y", "c"], Truth, new HashSet<string> { "s" });

        Assert.Equal(4, metrics.Relevant);
        Assert.Equal(5, metrics.Candidates);
        Assert.Equal([1.0, 0.5, 2.0 / 3, 0.5, 0.6], metrics.Curve.Select(p => p.Precision));
        Assert.Equal([0.25, 0.25, 0.5, 0.5, 0.75], metrics.Curve.Select(p => p.Recall));
        Assert.Equal(0.6, metrics.PrecisionAt(100));
        Assert.Equal(0.5, metrics.RecallAt(3));
        Assert.Equal(new CurvePoint(5, 0.6, 0.75), metrics.BestRecallAtPrecision(0.6));
        Assert.Equal(new CurvePoint(1, 1.0, 0.25), metrics.BestRecallAtPrecision(0.9));
        Assert.Null(metrics.BestRecallAtPrecision(1.01));
        Assert.Equal(5, metrics.BestF1()!.Value.K);
    }

    [Fact]
    public void An_empty_ranking_has_no_points()
    {
        var metrics = RankingMetrics.Compute([], Truth, new HashSet<string>());
        Assert.Empty(metrics.Curve);
        Assert.Equal(0, metrics.PrecisionAt(10));
        Assert.Null(metrics.BestF1());
    }

    [Fact]
    public void The_html_report_escapes_text_and_lays_out_the_same_way_every_time()
    {
        string Render() => new HtmlReport("a <b> & c")
            .Table(["k", "v"], [["<script>", "1"]])
            .LinePlot("plot", "k", "precision", [new PlotSeries("bfs", "#123456", [(1, 0.5), (2, 1.5)])], 2)
            .Network("net", [new PictureNode("n<1>", "#f00", true, true, "seed"), new PictureNode("n2", "#0f0", false, false, "x")], [new PictureEdge(0, 1, "repost")], [("creator", "#f00")])
            .Render();

        var html = Render();
        Assert.Contains("a &lt;b&gt; &amp; c", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.Equal(2, html.Split("<svg", StringSplitOptions.None).Length - 1);
        Assert.Equal(html, Render());
    }
}
