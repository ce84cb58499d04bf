using System.Globalization;
using Haven.Cases;
using Haven.Graph;

namespace Haven.Simulation;

/// <summary>Writes the demo's HTML report: what the pipeline saw, what discovery found against the truth, with plots.</summary>
internal static class PlatformDemoReport
{
    /// <summary>Colour of each role in plots and the network picture.</summary>
    public static readonly IReadOnlyList<(string Role, string Color)> RoleColors =
    [
        ("creator", "#d62728"), ("distributor", "#ff7f0e"), ("amplifier", "#9467bd"), ("solicitor", "#1f77b4"), ("no evidence of its own", "#8c8c8c"),
    ];

    private static readonly IReadOnlyDictionary<DiscoveryAlgorithm, string> AlgorithmColors = new Dictionary<DiscoveryAlgorithm, string>
    {
        [DiscoveryAlgorithm.BreadthFirst] = "#7f7f7f",
        [DiscoveryAlgorithm.PageRank] = "#1f77b4",
        [DiscoveryAlgorithm.EvidencePageRank] = "#2ca02c",
        [DiscoveryAlgorithm.SybilRank] = "#d62728",
    };

    /// <summary>Accounts drawn around the seed in the network picture.</summary>
    public const int PictureNodes = 150;

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Renders the report; <paramref name="media"/> adds the re-upload section when given.</summary>
    public static string Render(PlatformDemoResult result, MediaDemoReport? media, int pictureNodes = PictureNodes)
    {
        var truth = result.Truth;
        var offenders = truth.OffenderAccounts();
        var o = result.Options;
        var report = new HtmlReport("Haven demo: a simulated platform with a planted offender network");
        report.Paragraph(
            $"{o.Accounts:N0} simulated accounts with a planted network of {o.Network:N0} (seed {o.Seed}). Every event went through Haven's real pipeline: " +
            $"the event log, media matching against the known-image bank, lexicons, context signals, the shipped policy, the decision log and the cases it opened for people; " +
            $"then the network was discovered from one confirmed account ({truth.Seeds.Creator}, a creator) and its top {o.Top} candidates were opened as cases. " +
            $"No platform is connected: the platform actions decided wait in the outbox and are never sent. Test data only: random hashes, synthetic images and " +
            $"invented placeholder words. Whole run: {result.Elapsed.TotalSeconds:0} s.");

        report.Heading("Found from one seed");
        var relevant = result.DiscoveryMetrics.Relevant;
        var best = result.DiscoveryMetrics.BestRecallAtPrecision(0.90);
        report.Table(
            ["measure", "value"],
            [
                ["planted offenders (besides the seed)", relevant.ToString("N0", Invariant)],
                ["accounts within 3 hops of the seed", result.Discovery.Reached.ToString("N0", Invariant)],
                [$"precision of the top {relevant:N0}", result.DiscoveryMetrics.PrecisionAt(relevant).ToString("0.000", Invariant)],
                [$"recall of the top {relevant:N0}", result.DiscoveryMetrics.RecallAt(relevant).ToString("0.000", Invariant)],
                ["best recall with precision ≥ 0.90", best is { } b ? $"{b.Recall:0.000} (top {b.K:N0}, precision {b.Precision:0.000})" : "not reached"],
                ["discovery time", $"{result.Discovery.Elapsed.TotalMilliseconds:N0} ms (graph of {result.Snapshot.Graph.EdgeCount:N0} edges)"],
            ]);

        var series = new List<PlotSeries>();
        foreach (var row in result.Evaluation.Where(r => r.Seeds == 1))
        {
            var color = AlgorithmColors[row.Algorithm];
            series.Add(new PlotSeries($"{row.Algorithm.Name()} precision", color, [.. row.Metrics.Curve.Select(p => ((double)p.K, p.Precision))]));
            series.Add(new PlotSeries($"{row.Algorithm.Name()} recall", color, [.. row.Metrics.Curve.Select(p => ((double)p.K, p.Recall))], Dashed: true));
        }

        report.LinePlot("Precision (solid) and recall (dashed) against k, the number of top-ranked accounts taken, from one seed.", "k (top-ranked accounts)", "precision / recall", series, 2.0 * relevant);
        var (nodes, edges) = Picture(result, offenders, pictureNodes);
        report.Network(
            $"The seed (large, black outline) and the {nodes.Count - 1} top-ranked accounts around it, coloured by the role Haven assigned from evidence; a red ring marks an account that is not in the planted network. Edges: interactions between them.",
            nodes, edges, RoleColors);

        report.Heading("Top candidates, explained");
        var roles = truth.Offenders.ToDictionary(x => x.Account, x => x.Role.ToString().ToLowerInvariant(), StringComparer.Ordinal);
        report.Table(
            ["#", "account", "role (Haven)", "planted role", "evidence", "shortest path to the seed"],
            result.Discovery.Candidates.Take(o.Top).Select(c => (IReadOnlyList<string>)
            [
                c.Rank.ToString(Invariant), c.Account, c.Role ?? "-", roles.GetValueOrDefault(c.Account, "not planted"),
                c.Evidence is { } e ? $"{e.MatchedPosts} matched posts, {e.Amplified} amplified, {e.Engagements} flagged replies, {e.Reports} reports" : "-",
                string.Join("; ", c.Path),
            ]));

        report.Heading("Every algorithm, from 1 and from 10 seeds");
        report.Table(
            ["algorithm", "seeds", "reached", "P@100", "P@1000", "recall@|truth|", "recall at P≥0.90 (k)", "roles right", "time"],
            result.Evaluation.Select(r => (IReadOnlyList<string>)
            [
                r.Algorithm.Name(), r.SeedSet, r.Reached.ToString("N0", Invariant), r.Metrics.PrecisionAt(100).ToString("0.000", Invariant),
                r.Metrics.PrecisionAt(1000).ToString("0.000", Invariant), r.Metrics.RecallAt(r.Metrics.Relevant).ToString("0.000", Invariant),
                r.AtPrecision90 is { } p ? $"{p.Recall:0.000} ({p.K:N0})" : "-", r.RoleAccuracy.ToString("P0", Invariant), $"{r.Elapsed.TotalMilliseconds:N0} ms",
            ]));

        report.Heading("What the pipeline saw");
        var s = result.Processing;
        report.Table(
            ["", "count"],
            [
                ["events ingested", result.Ingest.Accepted.ToString("N0", Invariant)],
                ["posts", s.Posts.ToString("N0", Invariant)],
                ["media items (hashes, and synthetic JPEGs decoded)", s.Media.ToString("N0", Invariant)],
                ["bank matches", s.MediaMatches.ToString("N0", Invariant)],
                ["lexicon hits", s.TextHits.ToString("N0", Invariant)],
                ["sexualising or trade engagements", s.Engagements.ToString("N0", Invariant)],
                ["user reports", s.Reports.ToString("N0", Invariant)],
                ["decisions recorded", s.Decisions.ToString("N0", Invariant)],
                ["platform actions queued (no platform connected: never sent)", s.Actions.ToString("N0", Invariant)],
            ]);
        report.Table(["rule", "decisions", "accounts"], result.DecisionsByRule.Select(r => (IReadOnlyList<string>)[r.Rule, r.Decisions.ToString("N0", Invariant), r.Subjects.ToString("N0", Invariant)]));
        report.Paragraph($"Hashtags whose flagged share rose in the second half of the simulated period against the first (the planted co-opted hashtag is #{truth.Hashtags.CoOpted}; #{truth.Hashtags.Watch} was watched from the start):");
        report.Table(
            ["hashtag", "flagged share before → now", "posts now", "flagged now", "flagged accounts"],
            result.RisingHashtags.Select(t => (IReadOnlyList<string>)["#" + t.Tag, $"{t.PreviousShare:P0} → {t.RecentShare:P0}", t.RecentPosts.ToString("N0", Invariant), t.RecentFlagged.ToString("N0", Invariant), t.RecentFlaggedAccounts.ToString("N0", Invariant)]));

        Cases(report, result);

        if (media is not null)
        {
            report.Heading("Re-uploads of known images");
            report.Table(
                ["transform", "what", "recall", "recall, dihedral query"],
                media.Rows.Select(r => (IReadOnlyList<string>)[r.Transform, r.Description, r.RecallPlain.ToString("P1", Invariant), r.RecallDihedral.ToString("P1", Invariant)]));
            report.Paragraph($"{media.Unrelated:N0} never-banked images: {media.FalseMatchesPlain} false matches ({media.FalseMatchesDihedral} with the dihedral query).");
        }

        report.Heading("Time per phase");
        report.Table(["phase", "seconds"], result.Phases.Select(p => (IReadOnlyList<string>)[p.Phase, p.Elapsed.TotalSeconds.ToString("0.0", Invariant)]));
        return report.Render();
    }

    /// <summary>The cases section: what waits for people, by queue, priority and origin, and the first cases of each queue (ids only).</summary>
    private static void Cases(HtmlReport report, PlatformDemoResult result)
    {
        var c = result.Cases;
        report.Heading("Cases opened for people");
        report.Paragraph(
            $"{c.Total:N0} open cases: {c.InQueue(CaseQueues.Specialist):N0} in the specialist queue (media or escalated) and {c.InQueue(CaseQueues.Review):N0} in the review queue. " +
            $"One case per subject: later decisions and reports join it, so a case can have several origins. Run haven demo --serve to work them in the review console.");
        report.Table(
            ["queue", .. CasePriorities.All.Reverse(), "all"],
            new[] { CaseQueues.Specialist, CaseQueues.Review }.Select(q => (IReadOnlyList<string>)
            [
                q, .. CasePriorities.All.Reverse().Select(p => c.Open.Where(x => x.Queue == q && x.Priority == p).Sum(x => x.Cases).ToString("N0", Invariant)),
                c.InQueue(q).ToString("N0", Invariant),
            ]));
        report.Table(
            ["open cases holding", "cases"],
            [
                ["user reports", c.FromReports.ToString("N0", Invariant)],
                ["bank matches", c.FromBankMatches.ToString("N0", Invariant)],
                ["lexicon hits in text", c.FromText.ToString("N0", Invariant)],
                [$"network discovery (the top {result.Options.Top} candidates)", c.FromDiscovery.ToString("N0", Invariant)],
            ]);
        report.Table(
            ["queue", "case", "subject", "priority", "score", "items", "reporters", "due"],
            c.Top.Select(x => (IReadOnlyList<string>)
            [
                x.Queue, x.CaseId.ToString(Invariant), $"{x.SubjectKind}:{x.SubjectId}", x.Priority, x.Score.ToString(Invariant), x.Items.ToString("N0", Invariant),
                x.Reporters.ToString("N0", Invariant), x.DueAt.ToString("yyyy-MM-dd HH:mm 'UTC'", Invariant),
            ]));
    }

    private static (List<PictureNode> Nodes, List<PictureEdge> Edges) Picture(PlatformDemoResult result, IReadOnlySet<string> offenders, int count)
    {
        var snapshot = result.Snapshot;
        var chosen = new List<string> { result.Truth.Seeds.Creator };
        chosen.AddRange(result.Discovery.Candidates.Take(count).Select(c => c.Account));
        var position = chosen.Select((a, i) => (a, i)).ToDictionary(x => x.a, x => x.i, StringComparer.Ordinal);
        var colors = RoleColors.ToDictionary(r => r.Role, r => r.Color, StringComparer.Ordinal);
        var nodes = chosen.Select((account, i) =>
        {
            var role = snapshot.Evidence.GetValueOrDefault(account)?.PrimaryRole;
            return new PictureNode(account, colors[role ?? "no evidence of its own"], i == 0, offenders.Contains(account), $"{account}: {role ?? "no evidence"}{(offenders.Contains(account) ? string.Empty : " (not planted)")}");
        }).ToList();
        var edges = new List<PictureEdge>();
        for (var i = 0; i < chosen.Count; i++)
        {
            var node = snapshot.NodeOf(chosen[i]);
            var neighbours = snapshot.Graph.Neighbours(node);
            for (var k = 0; k < neighbours.Length; k++)
            {
                if (position.TryGetValue(snapshot.Accounts[neighbours[k]], out var j) && j > i)
                {
                    edges.Add(new PictureEdge(i, j, NetworkSnapshot.KindVerb(snapshot.Graph.GetInteraction(node, k).Kind)));
                }
            }
        }

        return (nodes, edges);
    }
}
