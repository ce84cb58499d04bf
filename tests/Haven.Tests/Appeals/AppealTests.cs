using Dapper;
using Haven.Appeals;
using Haven.Audit;
using Haven.Enforcement;
using Haven.People;
using Haven.Policy;
using Haven.Storage;
using Haven.Tests.Signals;
using Haven.Tests.Storage;

namespace Haven.Tests.Appeals;

/// <summary>
/// Appeals end to end on a real store: a bank match decides (remove, suspend), the account appeals through the event
/// log, a lead or specialist decides; overturning lifts the actions through the outbox and the status fold.
/// </summary>
public abstract class AppealTests : PipelineSuite
{
    private static readonly Actor Lena = new("lena", PersonRole.Lead);
    private static readonly Actor Sam = new("sam", PersonRole.Specialist);
    private static readonly Actor Rey = new("rey", PersonRole.Reviewer);

    private AppealService Service => new(Store, [OutboxAction.WebhookAdapter], new PeopleService(Store));

    /// <summary>bad-1 posts a known image: the media rule removes p-bad and suspends bad-1.</summary>
    private async Task<DecisionRecord> DecidedAsync()
    {
        await IngestAsync(Post("bad-1", "p-bad", media: $"{{\"hashes\":{{\"pdq\":\"{KnownPdq}\",\"quality\":90}}}}"));
        await Processor().RunAsync();
        return Assert.Single(await DecisionLog.ReadAsync(Store), d => d.RuleId == "media.known-abuse-imagery");
    }

    private string Appeal(string actor, string appealId, string? decisionId = null, string? actionId = null) =>
        Event("appeal.created", actor, $"\"appeal\":{{\"id\":\"{appealId}\"," + (decisionId is not null ? $"\"decisionId\":\"{decisionId}\"" : $"\"actionId\":\"{actionId}\"") + ",\"reason\":\"mistaken\",\"text\":\"placeholder words of the appeal\"}");

    private async Task<Appeal> OpenAppealAsync()
    {
        var decision = await DecidedAsync();
        await IngestAsync(Appeal("bad-1", "pa-1", actionId: decision.DecisionId + ":suspend_account"));
        await Processor().RunAsync();
        return Assert.Single((await Service.ListAsync(new AppealFilter(AppealStatuses.Open))).Value.Appeals);
    }

    [StoreFact]
    public async Task An_appeal_by_action_opens_once_and_others_join_it_or_are_rejected_with_a_code()
    {
        var decision = await DecidedAsync();
        await IngestAsync(
            Appeal("bad-1", "pa-1", actionId: decision.DecisionId + ":suspend_account"),
            Appeal("bad-1", "pa-2", decisionId: decision.DecisionId),
            Appeal("someone-else", "pa-3", decisionId: decision.DecisionId),
            Appeal("bad-1", "pa-4", decisionId: "d-nosuchdecision"),
            Appeal("bad-1", "pa-5", actionId: "d-nosuchdecision:suspend_account"));
        var stats = await Processor(batchSize: 2).RunAsync();

        Assert.Equal(0, stats.Dead);
        var all = (await Service.ListAsync(new AppealFilter())).Value.Appeals;
        var open = Assert.Single(all, a => a.Status == AppealStatuses.Open);
        Assert.Equal((decision.DecisionId, "media.known-abuse-imagery", "content", "p-bad", "bad-1", AppealService.PolicyDecider, 1L),
            (open.DecisionId, open.RuleId, open.SubjectKind, open.SubjectId, open.Account, open.OriginalDecidedBy, open.Version));
        Assert.Equal(["not_concerned", "decision_not_found", "action_not_found"], all.Where(a => a.Status == AppealStatuses.Rejected).Select(a => a.RejectedCode));
        var details = (await Service.GetAsync(open.AppealId)).Value;
        Assert.Equal(["pa-1", "pa-2"], details.Requests.Select(r => r.PlatformAppealId));
        Assert.Equal(decision.DecisionId, details.Decision!.DecisionId);
        Assert.Contains(details.Actions, a => a.Kind == "suspend_account");
        Assert.Null(details.CaseId);

        // The appellant's text is in the event log only.
        await using var connection = await Store.OpenConnectionAsync();
        var stored = string.Join('|', (await connection.QueryAsync("SELECT * FROM appeals")).Concat(await connection.QueryAsync("SELECT * FROM appeal_requests")).Select(r => string.Join(',', ((IDictionary<string, object>)r).Values)));
        Assert.DoesNotContain("placeholder words", stored, StringComparison.Ordinal);
        Assert.DoesNotContain(Logs.Messages, m => m.Contains("placeholder words", StringComparison.Ordinal));
        Assert.DoesNotContain(await new AuditLog(Store).ReadAsync(), e => e.Details.Contains("placeholder words", StringComparison.Ordinal));

        // Processing the log again records nothing twice.
        await connection.ExecuteAsync("UPDATE processor_checkpoints SET last_seq = 0");
        await Processor().RunAsync();
        Assert.Equal(all.Count, (await Service.ListAsync(new AppealFilter())).Value.Appeals.Count);
        Assert.Equal(2, await CountAsync("SELECT COUNT(*) FROM appeal_requests WHERE appeal_id = '" + open.AppealId + "'"));
    }

    [StoreFact]
    public async Task Overturning_lifts_the_suspension_and_restores_the_content_through_the_outbox_and_the_fold()
    {
        var appeal = await OpenAppealAsync();
        Assert.Equal("suspended", (await DecisionLog.ReadStatusAsync(await Store.OpenConnectionAsync(), null, "account:bad-1", default))!.Status);

        var result = await Service.DecideAsync(Lena, appeal.AppealId, AppealOutcome.Overturned, "matched the wrong entry", appeal.Version);

        Assert.True(result.IsSuccess, result.IsSuccess ? null : result.Error.Message);
        var decided = result.Value;
        Assert.Equal((AppealStatuses.Overturned, "lena", 2L), (decided.Appeal.Status, decided.Appeal.DecidedBy, decided.Appeal.Version));
        Assert.Equal(2, decided.ReverseActionsEnqueued);
        var reversal = (await DecisionLog.FindAsync(Store, decided.ReversalDecisionId!))!;
        Assert.Equal((DecisionLog.ReversalRule, "enforce", "person:lena"), (reversal.RuleId, reversal.Mode, reversal.DecidedBy));
        Assert.Equal(["restore_content@content:p-bad", "unsuspend_account@account:bad-1"], reversal.Actions.Select(a => $"{a.Action}@{a.Target}").Order(StringComparer.Ordinal));
        var outbox = await new OutboxQueue(Store).ListForDecisionAsync(reversal.DecisionId);
        Assert.Equal(["restore_content", "unsuspend_account"], outbox.Select(r => r.Kind).Order(StringComparer.Ordinal));
        Assert.All(outbox, r => Assert.Contains("\"overturnsDecisionId\":\"" + appeal.DecisionId + "\"", r.Payload, StringComparison.Ordinal));

        var statuses = await DecisionLog.ListStatusAsync(Store);
        Assert.Equal("active", statuses.Single(s => s.Id == "bad-1").Status);
        Assert.DoesNotContain("remove_content", statuses.Single(s => s.Id == "p-bad").Actions);
        Assert.NotEqual("removed", statuses.Single(s => s.Id == "p-bad").Status);
        Assert.Equivalent(statuses, await DecisionLog.ProjectFromLogAsync(Store));

        var label = Assert.Single(await RuleLabels.CountsAsync(Store));
        Assert.Equal(("media.known-abuse-imagery", 1L, 0L), (label.RuleId, label.Overturned, label.Upheld));
        var audit = await new AuditLog(Store).ReadAsync();
        Assert.Contains(audit, e => e.Action == "appeal.decided" && e.Actor == "person:lena" && !e.Details.Contains("wrong entry", StringComparison.Ordinal));
        Assert.Contains(audit, e => e.Action == "decision.recorded" && e.Actor == "person:lena" && e.Details.Contains(DecisionLog.ReversalRule, StringComparison.Ordinal));
        Assert.True((await new AuditLog(Store).VerifyAsync()).Intact);

        // A later appeal against the same decision is rejected; an appeal against the reversal is not admissible.
        await IngestAsync(Appeal("bad-1", "pa-9", decisionId: appeal.DecisionId!), Appeal("bad-1", "pa-10", decisionId: reversal.DecisionId));
        await Processor().RunAsync();
        Assert.Equal(["already_decided", "not_appealable"], (await Service.ListAsync(new AppealFilter(AppealStatuses.Rejected))).Value.Appeals.Select(a => a.RejectedCode));
    }

    [StoreFact]
    public async Task Overturning_lifts_only_what_is_still_in_force()
    {
        var appeal = await OpenAppealAsync();
        await using (var connection = await Store.OpenConnectionAsync())
        {
            // The suspension was lifted some other way since (modelled directly on the projection).
            await connection.ExecuteAsync("UPDATE subject_status SET actions = '', status = 'active' WHERE subject_id = 'bad-1'");
        }

        var decided = (await Service.DecideAsync(Sam, appeal.AppealId, AppealOutcome.Overturned, "reason", appeal.Version)).Value;

        Assert.Equal(1, decided.ReverseActionsEnqueued);
        Assert.Equal(["restore_content"], (await new OutboxQueue(Store).ListForDecisionAsync(decided.ReversalDecisionId!)).Select(r => r.Kind));
    }

    [StoreFact]
    public async Task Upholding_labels_the_rule_and_enqueues_nothing()
    {
        var appeal = await OpenAppealAsync();
        var outboxBefore = (await new OutboxQueue(Store).ListAsync()).Count;

        var decided = (await Service.DecideAsync(Sam, appeal.AppealId, AppealOutcome.Upheld, "the match is right", appeal.Version)).Value;

        Assert.Equal((AppealStatuses.Upheld, (string?)null, 0), (decided.Appeal.Status, decided.ReversalDecisionId, decided.ReverseActionsEnqueued));
        Assert.Equal(outboxBefore, (await new OutboxQueue(Store).ListAsync()).Count);
        Assert.Equal(1, Assert.Single(await RuleLabels.CountsAsync(Store)).Upheld);
        Assert.Equal("suspended", (await DecisionLog.ListStatusAsync(Store)).Single(s => s.Id == "bad-1").Status);
    }

    [StoreFact]
    public async Task Refusals_are_typed_and_change_nothing()
    {
        var appeal = await OpenAppealAsync();
        await using (var connection = await Store.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("UPDATE appeals SET original_decided_by = 'sam'");
        }

        Assert.IsType<AppealNotPermitted>((await Service.DecideAsync(Rey, appeal.AppealId, AppealOutcome.Overturned, "r", 1)).Error);
        Assert.IsType<AppealConflictOfInterest>((await Service.DecideAsync(Sam, appeal.AppealId, AppealOutcome.Overturned, "r", 1)).Error);
        Assert.IsType<AppealNotFound>((await Service.DecideAsync(Lena, "ap-999", AppealOutcome.Overturned, "r", 1)).Error);
        Assert.IsType<AppealRequestInvalid>((await Service.DecideAsync(Lena, appeal.AppealId, AppealOutcome.Overturned, " ", 1)).Error);
        Assert.IsType<AppealVersionConflict>((await Service.DecideAsync(Lena, appeal.AppealId, AppealOutcome.Overturned, "r", 7)).Error);
        var auditBefore = (await new AuditLog(Store).ReadAsync()).Count;
        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM rule_labels"));

        Assert.True((await Service.DecideAsync(Lena, appeal.AppealId, AppealOutcome.Upheld, "r", 1)).IsSuccess);

        // A double submission of the same form, and any change after the decision, are refused.
        Assert.IsType<AppealClosed>((await Service.DecideAsync(Lena, appeal.AppealId, AppealOutcome.Overturned, "r", 1)).Error);
        Assert.IsType<AppealClosed>((await Service.DecideAsync(Lena, appeal.AppealId, AppealOutcome.Overturned, "r", 2)).Error);
        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM rule_labels"));
        Assert.Equal(auditBefore + 1, (await new AuditLog(Store).ReadAsync()).Count);
    }

    [StoreFact]
    public async Task Assignment_is_by_a_lead_to_an_active_specialist_or_lead_who_did_not_decide()
    {
        var people = new PeopleService(Store);
        foreach (var (name, role) in new[] { ("lena", PersonRole.Lead), ("sam", PersonRole.Specialist), ("rey", PersonRole.Reviewer), ("kim", PersonRole.Specialist) })
        {
            Assert.True((await people.CreateAsync(name, role, null)).IsSuccess);
        }

        var appeal = await OpenAppealAsync();
        await using (var connection = await Store.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("UPDATE appeals SET original_decided_by = 'kim'");
        }

        Assert.IsType<AppealNotPermitted>((await Service.AssignAsync(Sam, appeal.AppealId, "sam", 1)).Error);
        Assert.IsType<AppealAssigneeInvalid>((await Service.AssignAsync(Lena, appeal.AppealId, "rey", 1)).Error);
        Assert.IsType<AppealAssigneeInvalid>((await Service.AssignAsync(Lena, appeal.AppealId, "nobody", 1)).Error);
        Assert.IsType<AppealConflictOfInterest>((await Service.AssignAsync(Lena, appeal.AppealId, "kim", 1)).Error);

        var assigned = (await Service.AssignAsync(Lena, appeal.AppealId, "sam", 1)).Value;

        Assert.Equal(("sam", 2L), (assigned.AssignedTo, assigned.Version));
        Assert.Contains(await new AuditLog(Store).ReadAsync(), e => e.Action == "appeal.assigned" && e.Actor == "person:lena");
        Assert.IsType<AppealVersionConflict>((await Service.AssignAsync(Lena, appeal.AppealId, "lena", 1)).Error);
        var other = new Actor("max", PersonRole.Specialist);
        Assert.IsType<AppealAssignedToOther>((await Service.DecideAsync(other, appeal.AppealId, AppealOutcome.Upheld, "r", 2)).Error);
        Assert.True((await Service.DecideAsync(Sam, appeal.AppealId, AppealOutcome.Upheld, "r", 2)).IsSuccess);
    }

    [StoreFact]
    public async Task Lists_page_by_keyset_filter_by_status_and_rule_and_rates_count_per_rule()
    {
        var decision = await DecidedAsync();
        var lines = Enumerable.Range(0, 5).Select(i => Appeal("other-" + i, "px-" + i, decisionId: decision.DecisionId)).Append(Appeal("bad-1", "pa-1", decisionId: decision.DecisionId)).ToArray();
        await IngestAsync(lines);
        await Processor().RunAsync();

        var first = (await Service.ListAsync(new AppealFilter(Limit: 4))).Value;
        var second = (await Service.ListAsync(new AppealFilter(After: first.Next!.Value, Limit: 4))).Value;
        Assert.Equal(4, first.Appeals.Count);
        Assert.Equal(2, second.Appeals.Count);
        Assert.Null(second.Next);
        Assert.Equal(6, first.Appeals.Concat(second.Appeals).Select(a => a.AppealId).Distinct().Count());
        Assert.Equal(6, (await Service.ListAsync(new AppealFilter(RuleId: "media.known-abuse-imagery"))).Value.Appeals.Count);
        Assert.Single((await Service.ListAsync(new AppealFilter(AppealStatuses.Open, "media.known-abuse-imagery"))).Value.Appeals);
        Assert.Empty((await Service.ListAsync(new AppealFilter(RuleId: "text.trade-request"))).Value.Appeals);
        Assert.IsType<AppealRequestInvalid>((await Service.ListAsync(new AppealFilter("closed"))).Error);

        var open = Assert.Single((await Service.ListAsync(new AppealFilter(AppealStatuses.Open))).Value.Appeals);
        Assert.Equal(new AppealRate("media.known-abuse-imagery", 1, 1, 0, 0, null), Assert.Single(await Service.RatesAsync()));
        await Service.DecideAsync(Lena, open.AppealId, AppealOutcome.Overturned, "r", open.Version);
        Assert.Equal(new AppealRate("media.known-abuse-imagery", 1, 0, 0, 1, 1.0), Assert.Single(await Service.RatesAsync()));
    }

    [StoreFact]
    public async Task An_overturned_appeal_shows_in_the_backtest_per_rule()
    {
        var appeal = await OpenAppealAsync();
        await Service.DecideAsync(Lena, appeal.AppealId, AppealOutcome.Overturned, "r", appeal.Version);

        var report = await PolicyBacktest.RunAsync(Store, DefaultPolicy());

        var labels = Assert.Single(report.Labels, l => l.RuleId == "media.known-abuse-imagery");
        Assert.Equal((1L, 0L, 1.0), (labels.Overturned, labels.Upheld, labels.OverturnRate));
    }
}

public sealed class SqliteAppealTests : AppealTests
{
    internal override StoreProvider Provider => StoreProvider.Sqlite;
}

[PostgresSuite]
public sealed class PostgresAppealTests : AppealTests
{
    internal override StoreProvider Provider => StoreProvider.Postgres;
}
