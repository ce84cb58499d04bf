using Dapper;
using Haven.Cases;
using Haven.People;
using Haven.Policy;
using Haven.Storage;
using Haven.Tests.Storage;

namespace Haven.Tests.Cases;

public abstract class CaseStoreTests : StoreSuite
{
    private static readonly Actor Ana = new("ana", PersonRole.Reviewer);
    private static readonly Actor Ben = new("ben", PersonRole.Reviewer);
    private static readonly Actor Sam = new("sam", PersonRole.Specialist);
    private static readonly Actor Lee = new("lee", PersonRole.Lead);

    private CaseService Cases => new(Store, CaseSettings.Default);

    [StoreFact]
    public async Task An_enforce_decision_opens_a_case_and_the_next_joins_it_while_shadow_opens_none()
    {
        await RecordAsync(Decision("text.trade-request", "acct-1", SubjectKind.Account, [new(PolicyActionKind.QueueReview, ActionPriority.High)], Trade()));
        await RecordAsync(Decision("text.solicitation", "acct-1", SubjectKind.Account, [new(PolicyActionKind.OpenCase, ActionPriority.Urgent), new(PolicyActionKind.Escalate)], Solicit()));
        await RecordAsync(Decision("text.other", "acct-2", SubjectKind.Account, [new(PolicyActionKind.QueueReview)], Trade(), PolicyMode.Shadow));
        await RecordAsync(Decision("text.none", "acct-3", SubjectKind.Account, [new(PolicyActionKind.RestrictAccount)], Trade()));

        var page = (await Cases.ListAsync(new CaseQuery())).Value;
        var only = Assert.Single(page.Cases);
        Assert.Equal(("account", "acct-1", "urgent", CaseQueues.Specialist), (only.SubjectKind, only.SubjectId, only.Priority, only.Queue));
        Assert.Equal(TriageScore.Compute(new TriageInputs("urgent", null, false, true, true, 0, 0)), only.Score);
        Assert.Equal(Time.GetUtcNow() + CaseSettings.Default.DueUrgent, only.DueAt);
        var detail = (await Cases.GetAsync(only.CaseId)).Value;
        Assert.Equal(["decision", "decision", "text", "text"], detail.Items.Select(i => i.Kind).Order(StringComparer.Ordinal));
        Assert.Equal(CaseEventKinds.Opened, detail.Events[0].Kind);
        Assert.Equal(detail.Items.Count, detail.Events.Count(e => e.Kind == CaseEventKinds.ItemAdded));
    }

    [StoreFact]
    public async Task Replaying_a_decision_or_a_report_adds_nothing()
    {
        var decision = Decision("media.known", "p-1", SubjectKind.Content, [new(PolicyActionKind.OpenCase, ActionPriority.Urgent)], Bank("A2"));
        await RecordAsync(decision);
        await RecordIntakeAgainAsync(decision);
        await ReportAsync(10, "rep-1", "post", "p-1");
        await ReportAsync(10, "rep-1", "post", "p-1");
        await ReportAsync(11, "rep-2", "post", "p-1");
        await ReportAsync(12, "rep-2", "post", "p-1");

        var view = Assert.Single((await Cases.ListAsync(new CaseQuery())).Value.Cases);
        Assert.Equal(2 + 3, view.Items); // decision + one match, three reports
        Assert.Equal(2, view.Reporters);
        Assert.Equal(CaseQueues.Specialist, view.Queue);
        var detail = (await Cases.GetAsync(view.CaseId)).Value;
        Assert.All(detail.Events, e => Assert.Null(e.Data.Reporter));
        Assert.All(detail.Items, i => Assert.DoesNotContain("rep-", i.Body, StringComparison.Ordinal));
        Assert.DoesNotContain(Logs.Messages, m => m.Contains("rep-", StringComparison.Ordinal));
    }

    [StoreFact]
    public async Task A_subject_has_at_most_one_open_case_also_in_the_database()
    {
        var opened = (await Cases.OpenAsync(Ana, CaseSubjects.Account, "acct-9", "looked odd")).Value;
        Assert.Equal(new CaseAlreadyOpen(opened.CaseId), (await Cases.OpenAsync(Ben, CaseSubjects.Account, "acct-9", null)).Error);
        await using var connection = await Store.OpenConnectionAsync();
        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => connection.ExecuteAsync(
            "INSERT INTO cases (subject_kind, subject_id, status, queue, priority, score, sort_rank, due_at, held, asked_lead, report_wanted, items, reporters, opened_at, updated_at, last_event_n, state) " +
            "VALUES ('account', 'acct-9', 'open', 'review', 'normal', 0, 0, 0, @no, @no, @no, 0, 0, 0, 0, 0, '{}')", new { no = false }));

        var closed = (await Cases.CloseAsync(Lee, opened.CaseId, null)).Value;
        Assert.Equal((CaseStatuses.Closed, CaseOutcomes.Closed), (closed.Status, closed.Outcome));
        var second = (await Cases.OpenAsync(Ana, CaseSubjects.Account, "acct-9", null)).Value;
        Assert.NotEqual(opened.CaseId, second.CaseId);
        Assert.Equal(new CaseAlreadyOpen(second.CaseId), (await Cases.ReopenAsync(Lee, opened.CaseId)).Error);
    }

    [StoreFact]
    public async Task A_claim_holds_off_others_until_it_lapses()
    {
        var c = (await Cases.OpenAsync(Ana, CaseSubjects.Account, "acct-1", null)).Value;
        var claimed = (await Cases.ClaimAsync(Ana, c.CaseId)).Value;
        Assert.Equal("ana", claimed.Assignee);
        var refused = Assert.IsType<CaseClaimedByOther>((await Cases.ClaimAsync(Ben, c.CaseId)).Error);
        Assert.Equal(("ana", Time.GetUtcNow() + TimeSpan.FromMinutes(10)), (refused.Holder, refused.Until));
        Assert.IsType<CaseClaimedByOther>((await Cases.DismissAsync(Ben, c.CaseId, "not_violating", null)).Error);

        Time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromMilliseconds(1));
        var taken = (await Cases.ClaimAsync(Ben, c.CaseId)).Value;
        Assert.Equal("ben", taken.Assignee);
        Assert.IsType<CaseClaimedByOther>((await Cases.ReleaseAsync(Ana, c.CaseId)).Error);
        Assert.Equal("sam", (await Cases.AssignAsync(Lee, c.CaseId, "sam")).Value.Assignee);
        Assert.IsType<CaseRoleTooLow>((await Cases.AssignAsync(Ben, c.CaseId, "ben")).Error);
        Time.Advance(TimeSpan.FromDays(1));
        Assert.IsType<CaseClaimedByOther>((await Cases.ClaimAsync(Ben, c.CaseId)).Error); // an assignment does not lapse
    }

    [StoreFact]
    public async Task Stale_or_repeated_forms_closed_cases_and_low_roles_change_nothing()
    {
        var c = (await Cases.OpenAsync(Ana, CaseSubjects.Account, "acct-1", null)).Value;
        var claimed = (await Cases.ClaimAsync(Ana, c.CaseId, c.LastEventN)).Value;
        Assert.Equal(new CaseVersionConflict(c.CaseId, c.LastEventN, claimed.LastEventN), (await Cases.ClaimAsync(Ana, c.CaseId, c.LastEventN)).Error);
        var dismissed = (await Cases.DismissAsync(Ana, c.CaseId, "not_violating", "placeholder note", claimed.LastEventN)).Value;
        Assert.Equal((CaseOutcomes.Dismissed, "ana"), (dismissed.Outcome, dismissed.DecidedBy));
        Assert.Equal(new CaseClosed(c.CaseId), (await Cases.DismissAsync(Ana, c.CaseId, "not_violating", null, claimed.LastEventN)).Error);
        Assert.Equal(new CaseNotFound(999), (await Cases.ClaimAsync(Ana, 999)).Error);
        Assert.IsType<CaseActionNotAllowed>((await Cases.DismissAsync(Ana, c.CaseId, "bored", null)).Error);
        Assert.IsType<CaseRoleTooLow>((await Cases.ReopenAsync(Ana, c.CaseId)).Error);
        Assert.Equal(CaseStatuses.Open, (await Cases.ReopenAsync(Lee, c.CaseId, dismissed.LastEventN)).Value.Status);

        var viewer = new Actor("vic", PersonRole.Viewer);
        Assert.IsType<CaseRoleTooLow>((await Cases.ClaimAsync(viewer, c.CaseId)).Error);
        await Cases.EscalateAsync(Ana, c.CaseId, null);
        Assert.Equal(new CaseRoleTooLow("specialist", "A case in the specialist queue"), (await Cases.ClaimAsync(Ben, c.CaseId)).Error);
        Assert.Equal("sam", (await Cases.ClaimAsync(Sam, c.CaseId)).Value.Assignee);

        var audit = await AuditActorsAsync();
        Assert.Contains(("person:ana", "case.dismissed"), audit);
        Assert.Contains(("person:lee", "case.reopened"), audit);
        Assert.Equal(audit.Count, (await Cases.GetAsync(c.CaseId)).Value.Events.Count);
    }

    [StoreFact]
    public async Task The_queue_is_ordered_by_score_then_due_and_pages_by_keyset()
    {
        for (var i = 0; i < 23; i++)
        {
            var priority = (ActionPriority)(i % 4);
            Time.Advance(TimeSpan.FromMinutes(1));
            await RecordAsync(Decision("rule." + (i % 3), "acct-" + i, SubjectKind.Account, [new(PolicyActionKind.QueueReview, priority)], i % 5 == 0 ? Solicit() : Trade()));
        }

        var all = new List<CaseView>();
        string? after = null;
        do
        {
            var page = (await Cases.ListAsync(new CaseQuery { Limit = 5, After = after })).Value;
            all.AddRange(page.Cases);
            after = page.Next;
        }
        while (after is not null);

        Assert.Equal(23, all.Count);
        Assert.Equal(all.OrderByDescending(c => c.Score).ThenBy(c => c.DueAt).ThenBy(c => c.CaseId).Select(c => c.CaseId), all.Select(c => c.CaseId));
        var rule1 = (await Cases.ListAsync(new CaseQuery { Rule = "rule.1", Limit = 500 })).Value.Cases;
        Assert.Equal(Enumerable.Range(0, 23).Count(i => i % 3 == 1), rule1.Count);
        Assert.Empty((await Cases.ListAsync(new CaseQuery { Queue = CaseQueues.Specialist })).Value.Cases);
        Assert.IsType<CaseRequestInvalid>((await Cases.ListAsync(new CaseQuery { After = "x" })).Error);
        Assert.IsType<CaseRequestInvalid>((await Cases.ListAsync(new CaseQuery { Queue = "nope" })).Error);
    }

    [StoreFact]
    public async Task Presence_lists_who_else_had_the_case_open_recently()
    {
        var c = (await Cases.OpenAsync(Ana, CaseSubjects.Account, "acct-1", null)).Value;
        await Cases.TouchAsync(Ben, c.CaseId);
        Time.Advance(TimeSpan.FromMinutes(3));
        await Cases.TouchAsync(Sam, c.CaseId);
        await Cases.TouchAsync(Ana, c.CaseId);
        Assert.Equal(["sam", "ben"], (await Cases.ViewersAsync(c.CaseId, except: "ana")).Select(v => v.Person));
        Time.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal(["ana", "sam"], (await Cases.ViewersAsync(c.CaseId)).Select(v => v.Person).Order(StringComparer.Ordinal));
    }

    [StoreFact]
    public async Task Every_case_recomputed_from_its_log_equals_the_projection()
    {
        var random = new Random(11);
        Actor[] people = [Ana, Ben, Sam, Lee];
        for (var i = 0; i < 40; i++)
        {
            Time.Advance(TimeSpan.FromSeconds(random.Next(1, 600)));
            switch (random.Next(6))
            {
                case 0:
                    await RecordAsync(Decision("rule." + random.Next(3), "acct-" + random.Next(6), SubjectKind.Account, [new(PolicyActionKind.OpenCase, (ActionPriority)random.Next(4))], random.Next(2) == 0 ? Trade() : Solicit()));
                    break;
                case 1:
                    await RecordAsync(Decision("media." + i, "p-" + random.Next(6), SubjectKind.Content, [new(PolicyActionKind.OpenCase, ActionPriority.Urgent)], Bank(random.Next(2) == 0 ? "A1" : "B2")));
                    break;
                case 2:
                    await ReportAsync(100 + i, "rep-" + random.Next(4), random.Next(2) == 0 ? "account" : "post", random.Next(2) == 0 ? "acct-" + random.Next(6) : "p-" + random.Next(6));
                    break;
                default:
                    var ids = (await Cases.ReadProjectionAsync()).Select(p => p.Row.CaseId).ToList();
                    if (ids.Count == 0)
                    {
                        break;
                    }

                    var id = ids[random.Next(ids.Count)];
                    var who = people[random.Next(people.Length)];
                    _ = random.Next(7) switch
                    {
                        0 => await Cases.ClaimAsync(who, id),
                        1 => await Cases.ReleaseAsync(who, id),
                        2 => await Cases.EscalateAsync(who, id, null),
                        3 => await Cases.DismissAsync(who, id, "duplicate", null),
                        4 => await Cases.ReopenAsync(Lee, id),
                        5 => await Cases.HoldAsync(who, id),
                        _ => await Cases.AskLeadAsync(who, id, null),
                    };
                    break;
            }
        }

        var stored = await Cases.ReadProjectionAsync();
        var recomputed = await Cases.ProjectFromLogAsync();
        Assert.NotEmpty(stored);
        Assert.Equal(recomputed.Select(CaseFold.View), stored.Select(s => s.Row));
        Assert.Equal(recomputed.Select(CaseLog.WriteState), stored.Select(s => CaseLog.WriteState(s.State)));
    }

    internal static PolicyDecision Decision(string rule, string subject, SubjectKind kind, PolicyAction[] actions, PolicyEvidence[] evidence, PolicyMode mode = PolicyMode.Enforce) =>
        new(rule, "v1", mode, kind, subject, actions, evidence);

    internal static PolicyEvidence[] Trade() => [new TextEvidence("$.rules[0].when", [new TextHitSignal("trade_request", 1, 7)], 1, 1)];

    internal static PolicyEvidence[] Solicit() => [new TextEvidence("$.rules[1].when", [new TextHitSignal("solicitation", 1, 8)], 1, 1)];

    internal static PolicyEvidence[] Bank(string category) => [new BankMatchEvidence("$.rules[2].when", [new BankMatchSignal("bank-x", category, Haven.Banks.SignalType.Pdq, 4)])];

    private async Task RecordAsync(PolicyDecision decision)
    {
        await using var connection = await Store.OpenConnectionAsync();
        await using var transaction = await Store.BeginWriteAsync(connection, default);
        var account = decision.SubjectKind == SubjectKind.Account ? decision.SubjectId : "author-" + decision.SubjectId;
        await DecisionLog.RecordAsync(Store, connection, transaction, [decision], new DecisionContext(1, Time.GetUtcNow(), account, null), [], default);
        await transaction.CommitAsync();
    }

    private async Task RecordIntakeAgainAsync(PolicyDecision decision)
    {
        await using var connection = await Store.OpenConnectionAsync();
        await using var transaction = await Store.BeginWriteAsync(connection, default);
        Assert.Null(await CaseIntake.FromDecisionAsync(Store, connection, transaction, DecisionLog.DecisionId(decision), decision, new DecisionContext(1, Time.GetUtcNow(), "a", null), [], default));
        await transaction.CommitAsync();
    }

    private async Task ReportAsync(long seq, string reporter, string type, string subject)
    {
        await using var connection = await Store.OpenConnectionAsync();
        await using var transaction = await Store.BeginWriteAsync(connection, default);
        await CaseIntake.FromReportAsync(Store, connection, transaction, seq, reporter, type, subject, "cse", default);
        await transaction.CommitAsync();
    }

    private async Task<List<(string Actor, string Action)>> AuditActorsAsync()
    {
        await using var connection = await Store.OpenConnectionAsync();
        return [.. await connection.QueryAsync<(string, string)>("SELECT actor, action FROM audit_log WHERE action LIKE 'case.%' ORDER BY seq")];
    }
}

public sealed class SqliteCaseStoreTests : CaseStoreTests
{
    internal override StoreProvider Provider => StoreProvider.Sqlite;
}

[PostgresSuite]
public sealed class PostgresCaseStoreTests : CaseStoreTests
{
    internal override StoreProvider Provider => StoreProvider.Postgres;
}
