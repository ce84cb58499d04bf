using Haven.Cases;

namespace Haven.Tests.Cases;

public sealed class CaseFoldTests
{
    private static readonly string[] People = ["ana", "ben", "chi"];
    private static readonly string?[] Categories = [null, "A1", "A2", "B1", "B2", "other"];

    [Fact]
    public void The_fold_equals_a_naive_replay_on_seeded_random_logs()
    {
        var random = new Random(20261125);
        for (var run = 0; run < 500; run++)
        {
            var events = RandomLog(random, caseId: run + 1, length: random.Next(1, 60));
            var folded = CaseFold.View(CaseFold.Fold(events));
            Assert.Equal(Naive(events), folded);
        }
    }

    [Fact]
    public void Each_step_of_the_fold_equals_the_fold_of_the_prefix()
    {
        var random = new Random(7);
        var events = RandomLog(random, caseId: 1, length: 200);
        CaseState? state = null;
        for (var i = 0; i < events.Count; i++)
        {
            state = CaseFold.Apply(state, events[i]);
            Assert.Equal(CaseFold.View(CaseFold.Fold(events.Take(i + 1))), CaseFold.View(state));
        }
    }

    [Fact]
    public void A_log_must_start_with_opened()
    {
        Assert.Throws<InvalidOperationException>(() => CaseFold.Apply(null, new CaseEvent(1, 1, CaseEventKinds.Claimed, "person:ana", 0, new CaseEventData())));
        var opened = CaseFold.Apply(null, new CaseEvent(1, 1, CaseEventKinds.Opened, "system", 0, new CaseEventData { SubjectKind = "account", SubjectId = "a" }));
        Assert.Throws<InvalidOperationException>(() => CaseFold.Apply(opened, new CaseEvent(1, 2, CaseEventKinds.Opened, "system", 0, new CaseEventData())));
    }

    [Fact]
    public void Media_or_escalation_sends_a_case_to_specialists()
    {
        var state = CaseFold.Apply(null, new CaseEvent(1, 1, CaseEventKinds.Opened, "system", 0, new CaseEventData { SubjectKind = "content", SubjectId = "p" }));
        Assert.Equal(CaseQueues.Review, state.Queue);
        Assert.Equal(CaseQueues.Specialist, CaseFold.Apply(state, new CaseEvent(1, 2, CaseEventKinds.ItemAdded, "system", 1, new CaseEventData { Category = "B2" })).Queue);
        Assert.Equal(CaseQueues.Specialist, CaseFold.Apply(state, new CaseEvent(1, 2, CaseEventKinds.Escalated, "person:ana", 1, new CaseEventData())).Queue);
        Assert.Equal(CaseQueues.Review, CaseFold.Apply(state, new CaseEvent(1, 2, CaseEventKinds.ItemAdded, "system", 1, new CaseEventData { Trade = true })).Queue);
    }

    /// <summary>A random but well-formed log: opened first, then any events in any order.</summary>
    private static List<CaseEvent> RandomLog(Random random, long caseId, int length)
    {
        var at = 1_000_000L;
        var events = new List<CaseEvent>
        {
            new(caseId, 1, CaseEventKinds.Opened, "system", at, new CaseEventData
            {
                SubjectKind = "account", SubjectId = "acct-" + caseId, Priority = random.Next(5) == 0 ? null : CasePriorities.All[random.Next(4)], Due = random.Next(3) == 0 ? null : at + random.Next(100_000),
            }),
        };
        var kinds = CaseEventKinds.All.Where(k => k != CaseEventKinds.Opened).ToArray();
        for (var n = 2; n <= length; n++)
        {
            at += random.Next(0, 10_000);
            var kind = random.Next(3) == 0 ? CaseEventKinds.ItemAdded : kinds[random.Next(kinds.Length)];
            var data = kind switch
            {
                CaseEventKinds.ItemAdded => new CaseEventData
                {
                    Item = "i" + n,
                    Priority = random.Next(2) == 0 ? null : CasePriorities.All[random.Next(4)],
                    Due = random.Next(2) == 0 ? null : at + random.Next(200_000),
                    Media = random.Next(6) == 0 ? true : null,
                    Category = Categories[random.Next(Categories.Length)],
                    Solicitation = random.Next(8) == 0 ? true : null,
                    Trade = random.Next(8) == 0 ? true : null,
                    Reporter = random.Next(3) == 0 ? "r" + random.Next(15) : null,
                    Reach = random.Next(2) == 0 ? random.Next(100_000) : null,
                    Rule = random.Next(2) == 0 ? "rule." + random.Next(4) : null,
                    Network = random.Next(10) == 0 ? "run-" + random.Next(3) : null,
                    Escalate = random.Next(10) == 0 ? true : null,
                    ReportWanted = random.Next(10) == 0 ? true : null,
                },
                CaseEventKinds.Claimed => new CaseEventData { Until = at + 600_000 },
                CaseEventKinds.Assigned => new CaseEventData { Person = People[random.Next(People.Length)] },
                CaseEventKinds.Closed => new CaseEventData { Reason = random.Next(2) == 0 ? CaseOutcomes.Handled : CaseOutcomes.Closed },
                _ => new CaseEventData(),
            };
            events.Add(new CaseEvent(caseId, n, kind, "person:" + People[random.Next(People.Length)], at, data));
        }

        return events;
    }

    /// <summary>The oracle: one pass, one mutable variable per column, written from the event table in docs/cases.md.</summary>
    private static CaseView Naive(List<CaseEvent> events)
    {
        var first = events[0];
        var priority = first.Data.Priority ?? "normal";
        var due = first.Data.Due ?? first.At;
        string? network = first.Data.Network, outcome = null, assignee = null, qa = null, decidedBy = null;
        string status = "open";
        long? claimUntil = null, closedAt = null;
        bool held = false, askedLead = false, reportWanted = false, escalated = false, media = false, solicitation = false, trade = false;
        string? category = null;
        long reach = 0, items = 0;
        var reporters = new HashSet<string>();
        string[] order = ["low", "normal", "high", "urgent"];
        int[] points = [4000, 3000, 2000, 1000];
        string[] known = ["A1", "A2", "B1", "B2"];
        int CategoryRank(string? c) => c is null ? -1 : Array.IndexOf(known, c) is var i && i >= 0 ? points[i] : 500;
        foreach (var e in events.Skip(1))
        {
            var d = e.Data;
            var who = e.Actor["person:".Length..];
            switch (e.Kind)
            {
                case "item_added":
                    items++;
                    network ??= d.Network;
                    if (d.Priority is not null && Array.IndexOf(order, d.Priority) > Array.IndexOf(order, priority)) { priority = d.Priority; }
                    if (d.Due is not null && d.Due < due) { due = d.Due.Value; }
                    if (d.Media == true || d.Category is not null) { media = true; }
                    if (CategoryRank(d.Category) > CategoryRank(category)) { category = d.Category; }
                    if (d.Solicitation == true) { solicitation = true; }
                    if (d.Trade == true) { trade = true; }
                    if (d.Reach > reach) { reach = d.Reach.Value; }
                    if (d.Reporter is not null) { reporters.Add(d.Reporter); }
                    if (d.Escalate == true) { escalated = true; }
                    if (d.ReportWanted == true) { reportWanted = true; }
                    break;
                case "claimed": assignee = who; claimUntil = d.Until; held = false; break;
                case "released": assignee = null; claimUntil = null; held = false; break;
                case "assigned": assignee = d.Person; claimUntil = null; held = false; askedLead = false; break;
                case "held": assignee = who; claimUntil = null; held = true; break;
                case "asked_lead": askedLead = true; break;
                case "escalated": escalated = true; assignee = null; claimUntil = null; held = false; break;
                case "report_requested": reportWanted = true; break;
                case "reopened": status = "open"; outcome = null; closedAt = null; decidedBy = null; break;
                case "qa_requested": qa = "requested"; break;
                case "qa_agreed": qa = "agreed"; break;
                case "qa_disagreed": qa = "disagreed"; break;
                case "confirmed" or "dismissed" or "closed":
                    status = "closed";
                    outcome = e.Kind == "closed" ? (d.Reason == "handled" ? "handled" : "closed") : e.Kind;
                    closedAt = e.At;
                    assignee = null; claimUntil = null; held = false; askedLead = false;
                    if (e.Kind != "closed") { decidedBy = who; }
                    break;
                default: break;
            }
        }

        var severity = (category is null ? (media ? 500 : 0) : CategoryRank(category)) + (solicitation ? 300 : 0) + (trade ? 200 : 0)
            + (50 * Math.Min(reporters.Count, 10)) + Math.Min(200, 10 * (int)Math.Floor(Math.Log2(reach + 1) + 1e-9));
        var score = (Array.IndexOf(order, priority) * 1_000_000L) + severity;
        var last = events[^1];
        return new CaseView(
            first.CaseId, "account", first.Data.SubjectId!, network, status, outcome, escalated || media ? "specialist" : "review", priority, score,
            DateTimeOffset.FromUnixTimeMilliseconds(due), assignee, claimUntil is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(claimUntil.Value),
            held, askedLead, reportWanted, items, reporters.Count, qa, decidedBy, DateTimeOffset.FromUnixTimeMilliseconds(first.At),
            DateTimeOffset.FromUnixTimeMilliseconds(last.At), closedAt is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(closedAt.Value), last.N);
    }
}
