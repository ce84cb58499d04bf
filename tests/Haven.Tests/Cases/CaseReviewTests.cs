using Dapper;
using Haven.Banks;
using Haven.Cases;
using Haven.Matching;
using Haven.Media;
using Haven.People;
using Haven.Policy;
using Haven.Simulation;
using Haven.Storage;
using Haven.Tests.Storage;

namespace Haven.Tests.Cases;

public abstract class CaseReviewTests : StoreSuite
{
    private static readonly Actor Ana = new("ana", PersonRole.Reviewer);
    private static readonly Actor Ben = new("ben", PersonRole.Reviewer);
    private static readonly Actor Sam = new("sam", PersonRole.Specialist);
    private static readonly Actor Lee = new("lee", PersonRole.Lead);

    private CaseService Cases => new(Store, CaseSettings.Default with { QaShare = 0 }, ["webhook", "mastodon"]);

    [StoreFact]
    public async Task Confirming_media_records_a_reviewed_decision_enqueues_actions_labels_the_rule_and_banks_the_image_so_it_matches_at_once()
    {
        using var bitmap = SyntheticImages.Generate(seed: 77);
        var signals = new MediaHasher().Hash(SyntheticImages.Encode(bitmap, quality: 95));
        await PostAsync("p-1", "acct-1", signals);
        await RecordAsync(CaseStoreTests.Decision("media.known", "p-1", SubjectKind.Content, [new(PolicyActionKind.OpenCase, ActionPriority.Urgent)], CaseStoreTests.Bank("A1")), "acct-1");
        var c = Assert.Single((await Cases.ListAsync(new CaseQuery())).Value.Cases);
        Assert.Equal(CaseQueues.Specialist, c.Queue);

        var allowed = (await Cases.AllowedActionsAsync(c.CaseId)).Value;
        Assert.Equal([new("remove_content", "content:p-1"), new("suspend_account", "account:acct-1"), new("restrict_account", "account:acct-1")], allowed);
        Assert.IsType<CaseRoleTooLow>((await Cases.ConfirmAsync(Ana, c.CaseId, new(["remove_content"], "A1"))).Error);
        Assert.IsType<CaseActionNotAllowed>((await Cases.ConfirmAsync(Sam, c.CaseId, new(["remove_content"]))).Error);
        Assert.IsType<CaseActionNotAllowed>((await Cases.ConfirmAsync(Sam, c.CaseId, new(["remove_content"], "Z9"))).Error);
        Assert.IsType<CaseActionNotAllowed>((await Cases.ConfirmAsync(Sam, c.CaseId, new(["close_community"], "A1"))).Error);
        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM decisions WHERE rule_id = 'review.confirmed'"));

        var confirmed = (await Cases.ConfirmAsync(Sam, c.CaseId, new(["remove_content", "suspend_account"], "A2", "placeholder note"), c.LastEventN)).Value;
        Assert.Equal((CaseStatuses.Closed, CaseOutcomes.Confirmed, "sam"), (confirmed.Case.Status, confirmed.Case.Outcome, confirmed.Case.DecidedBy));
        Assert.Equal(4, confirmed.Enqueued); // two actions, two adapters
        Assert.Equal(3, confirmed.Banked); // PDQ, MD5, SHA-256

        var decision = (await DecisionLog.ReadAsync(Store)).Single(d => d.RuleId == CaseService.ConfirmedRule);
        Assert.Equal((confirmed.DecisionId, "person:sam", "content", "p-1", "acct-1"), (decision.DecisionId, decision.DecidedBy, decision.SubjectKind, decision.SubjectId, decision.Account));
        Assert.Equal(["remove_content@content:p-1", "suspend_account@account:acct-1"], decision.Actions.Select(a => a.Action + "@" + a.Target));
        Assert.Contains("match:", decision.EvidenceJson, StringComparison.Ordinal);
        Assert.Equal(
            [$"{confirmed.DecisionId}:remove_content@mastodon", $"{confirmed.DecisionId}:remove_content@webhook", $"{confirmed.DecisionId}:suspend_account@mastodon", $"{confirmed.DecisionId}:suspend_account@webhook"],
            await ListAsync("SELECT action_id FROM outbox WHERE action_id LIKE 'r-%' ORDER BY action_id"));
        Assert.Equal("removed", (await DecisionLog.ReadStatusAsync(await Store.OpenConnectionAsync(), null, "content:p-1", default))!.Status);
        Assert.Equal((await DecisionLog.ProjectFromLogAsync(Store)).Select(Flat), (await DecisionLog.ListStatusAsync(Store)).Select(Flat));
        Assert.Equal([new RuleLabelCounts("media.known", 1, 0, 0, 0)], await RuleLabels.CountsAsync(Store));

        var banks = new BankService(Store);
        var bank = (await banks.GetAsync(BankService.ConfirmedBank)).Value;
        Assert.Equal((1, 1, 1), (bank.PdqCount, bank.Md5Count, bank.Sha256Count));
        var (index, _) = await MatchIndexLoader.LoadAsync(banks);
        Assert.Equal(await banks.GetBanksVersionAsync(), index.Version);
        var hit = Assert.Single(index.LookupPdq(signals.Pdq!.Value, 31));
        Assert.Equal((BankService.ConfirmedBank, "A2", 0), (hit.Bank, hit.Category, hit.Distance));
        Assert.Single(index.LookupExact(SignalType.Sha256, signals.Exact.Sha256));

        Assert.Equal(new CaseClosed(c.CaseId), (await Cases.ConfirmAsync(Sam, c.CaseId, new(["remove_content"], "A2"), c.LastEventN)).Error); // a second submission
        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM decisions WHERE rule_id = 'review.confirmed'"));
        Assert.Equal(4, await CountAsync("SELECT COUNT(*) FROM outbox"));
        await AssertProjectionEqualsLogAsync();
        Assert.DoesNotContain(Logs.Messages, m => m.Contains(signals.Exact.Sha256, StringComparison.Ordinal) || m.Contains("placeholder", StringComparison.Ordinal));
    }

    [StoreFact]
    public async Task Confirming_an_account_can_close_its_contents_other_cases_as_handled()
    {
        await PostAsync("p-7", "acct-7", null);
        await PostAsync("p-8", "acct-8", null);
        await RecordAsync(CaseStoreTests.Decision("text.trade", "acct-7", SubjectKind.Account, [new(PolicyActionKind.QueueReview)], CaseStoreTests.Trade()), "acct-7");
        await RecordAsync(CaseStoreTests.Decision("text.trade", "p-7", SubjectKind.Content, [new(PolicyActionKind.QueueReview)], CaseStoreTests.Trade()), "acct-7");
        await RecordAsync(CaseStoreTests.Decision("text.trade", "p-8", SubjectKind.Content, [new(PolicyActionKind.QueueReview)], CaseStoreTests.Trade()), "acct-8");
        await RecordAsync(CaseStoreTests.Decision("media.known", "p-7x", SubjectKind.Content, [new(PolicyActionKind.OpenCase)], CaseStoreTests.Bank("B2")), "acct-7");
        await PostAsync("p-7x", "acct-7", null);
        var open = (await Cases.ListAsync(new CaseQuery())).Value.Cases.ToDictionary(c => c.SubjectId);

        var confirmed = (await Cases.ConfirmAsync(Ana, open["acct-7"].CaseId, new(["suspend_account"], CloseRelated: true))).Value;

        Assert.Equal([open["p-7"].CaseId], confirmed.ClosedAsHandled); // the media case needs a specialist: it stays open
        Assert.Equal(CaseOutcomes.Handled, (await Cases.FindAsync(open["p-7"].CaseId))!.Outcome);
        Assert.Equal(CaseStatuses.Open, (await Cases.FindAsync(open["p-7x"].CaseId))!.Status);
        Assert.Equal(CaseStatuses.Open, (await Cases.FindAsync(open["p-8"].CaseId))!.Status);
        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM decisions WHERE rule_id = 'review.confirmed'"));
        await AssertProjectionEqualsLogAsync();
    }

    [StoreFact]
    public async Task A_network_is_confirmed_case_by_case_all_or_nothing()
    {
        var ids = new List<long>();
        foreach (var (account, network) in new[] { ("acct-1", "run-5"), ("acct-2", "run-5"), ("acct-3", "run-6") })
        {
            await using var connection = await Store.OpenConnectionAsync();
            await using var transaction = await Store.BeginWriteAsync(connection, default);
            var (state, _) = await CaseLog.OpenOrFindAsync(Store, connection, transaction, CaseSubjects.Account, account, network, "high", 0, "system", default);
            await transaction.CommitAsync();
            ids.Add(state.CaseId);
        }

        Assert.IsType<CaseRequestInvalid>((await Cases.ConfirmNetworkAsync(Ana, "run-5", ids, new(["suspend_account"]))).Error);
        Assert.IsType<CaseActionNotAllowed>((await Cases.ConfirmNetworkAsync(Ana, "run-5", ids[..2], new(["suspend_account", "close_community"]))).Error);
        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM decisions"));
        Assert.Equal(2, (await Cases.ListAsync(new CaseQuery { Network = "run-5" })).Value.Cases.Count);

        var done = (await Cases.ConfirmNetworkAsync(Ana, "run-5", ids[..2], new(["suspend_account"]))).Value;
        Assert.Equal(2, done.Select(d => d.DecisionId).Distinct().Count());
        Assert.Equal(["account:acct-1", "account:acct-2"], (await DecisionLog.ReadAsync(Store)).Select(d => d.Actions.Single().Target));
        Assert.Empty((await Cases.ListAsync(new CaseQuery { Network = "run-5" })).Value.Cases);
        await AssertProjectionEqualsLogAsync();
    }

    [StoreFact]
    public async Task Dismissals_label_false_positives_and_a_lead_may_mute_a_reporter_they_come_from()
    {
        var cases = new CaseService(Store, CaseSettings.Default with { QaShare = 0, MuteThreshold = 3 });
        await RecordAsync(CaseStoreTests.Decision("text.trade", "acct-1", SubjectKind.Account, [new(PolicyActionKind.QueueReview)], CaseStoreTests.Trade()), "acct-1");
        for (var i = 0; i < 3; i++)
        {
            await ReportAsync(10 + i, "rep-1", "account", "acct-" + (i + 1));
        }

        await ReportAsync(20, "rep-2", "account", "acct-1");
        foreach (var c in (await cases.ListAsync(new CaseQuery())).Value.Cases)
        {
            Assert.True((await cases.DismissAsync(Ana, c.CaseId, "not_violating", null)).IsSuccess);
        }

        Assert.Equal([new RuleLabelCounts("text.trade", 0, 1, 0, 0)], await RuleLabels.CountsAsync(Store));
        Assert.IsType<CaseRoleTooLow>((await cases.ReportersAsync(Ana)).Error);
        Assert.Equal([new ReporterStanding("rep-1", 3, false)], (await cases.ReportersAsync(Lee)).Value);
        Assert.IsType<CaseRoleTooLow>((await cases.MuteReporterAsync(Sam, "rep-1")).Error);
        Assert.True((await cases.MuteReporterAsync(Lee, "rep-1")).Value);
        Assert.False((await cases.MuteReporterAsync(Lee, "rep-1")).Value);
        Assert.Equal([new ReporterStanding("rep-1", 3, true)], (await cases.ReportersAsync(Lee)).Value);

        await ReportAsync(30, "rep-1", "account", "acct-9");
        Assert.Empty((await cases.ListAsync(new CaseQuery())).Value.Cases);
        Assert.True((await cases.UnmuteReporterAsync(Lee, "rep-1")).Value);
        await ReportAsync(31, "rep-1", "account", "acct-9");
        Assert.Single((await cases.ListAsync(new CaseQuery())).Value.Cases);

        var audit = await ListAsync("SELECT actor || ' ' || action || ' ' || subject || ' ' || details FROM audit_log ORDER BY seq");
        Assert.Contains(audit, a => a.StartsWith("person:lee reporter.muted reporter:", StringComparison.Ordinal));
        Assert.DoesNotContain(audit, a => a.Contains("rep-1", StringComparison.Ordinal));
        Assert.DoesNotContain(Logs.Messages, m => m.Contains("rep-1", StringComparison.Ordinal));
    }

    [StoreFact]
    public async Task A_sampled_decision_goes_to_a_different_second_reviewer_and_leads_see_agreement_per_reviewer_and_rule()
    {
        var cases = new CaseService(Store, CaseSettings.Default with { QaShare = 1 });
        await RecordAsync(CaseStoreTests.Decision("text.trade", "acct-1", SubjectKind.Account, [new(PolicyActionKind.QueueReview)], CaseStoreTests.Trade()), "acct-1");
        await RecordAsync(CaseStoreTests.Decision("text.solicit", "acct-2", SubjectKind.Account, [new(PolicyActionKind.QueueReview)], CaseStoreTests.Solicit()), "acct-2");
        var open = (await cases.ListAsync(new CaseQuery())).Value.Cases.ToDictionary(c => c.SubjectId);
        var first = (await cases.ConfirmAsync(Ana, open["acct-1"].CaseId, new(["restrict_account"]))).Value.Case;
        var second = (await cases.DismissAsync(Ana, open["acct-2"].CaseId, "not_violating", null)).Value;
        Assert.Equal((QaStates.Requested, QaStates.Requested), (first.QaState, second.QaState));
        Assert.Equal(2, (await cases.ListAsync(new CaseQuery { Status = CaseStatuses.Closed, QaState = QaStates.Requested })).Value.Cases.Count);

        Assert.IsType<CaseActionNotAllowed>((await cases.QaAnswerAsync(Ana, first.CaseId, true, null)).Error);
        Assert.IsType<CaseRoleTooLow>((await cases.QaAnswerAsync(new Actor("vic", PersonRole.Viewer), first.CaseId, true, null)).Error);
        Assert.Equal(QaStates.Agreed, (await cases.QaAnswerAsync(Ben, first.CaseId, true, null, first.LastEventN)).Value.QaState);
        Assert.IsType<CaseActionNotAllowed>((await cases.QaAnswerAsync(Lee, first.CaseId, false, null)).Error);
        Assert.Equal(QaStates.Disagreed, (await cases.QaAnswerAsync(Lee, second.CaseId, false, "placeholder")).Value.QaState);

        Assert.IsType<CaseRoleTooLow>((await cases.QualityAsync(Ben)).Error);
        var quality = (await cases.QualityAsync(Lee)).Value;
        Assert.Equal([new QaRate("ana", 1, 1)], quality.Reviewers);
        Assert.Equal([new QaRate("text.solicit", 0, 1), new QaRate("text.trade", 1, 0)], quality.Rules);
        Assert.Equal(0.5, quality.Reviewers[0].Rate);
        Assert.Equal(0, quality.Waiting);
        await AssertProjectionEqualsLogAsync();
    }

    private static string Flat(SubjectStatus s) => $"{s.Kind}:{s.Id} {s.Status} [{string.Join(',', s.Actions)}] [{string.Join(',', s.ShadowActions)}] {s.ReviewPriority} {s.Decisions} {s.LastDecisionId}";

    private async Task PostAsync(string postId, string author, MediaSignals? media)
    {
        await using var connection = await Store.OpenConnectionAsync();
        await connection.ExecuteAsync(
            "INSERT INTO posts (post_id, author, seq, occurred_at, kind, parent_id, community, media_count, matched, flagged, deleted) VALUES (@postId, @author, 1, 0, 'post', NULL, NULL, @count, @no, @no, @no)",
            new { postId, author, count = media is null ? 0 : 1, no = false });
        if (media is not null)
        {
            await connection.ExecuteAsync(
                "INSERT INTO media_items (post_id, media_index, media_id, account, occurred_at, seq, source, pdq, quality, md5, sha256, error) VALUES (@postId, 0, NULL, @author, 0, 1, 'bytes', @pdq, @quality, @md5, @sha256, NULL)",
                new { postId, author, pdq = media.Pdq.ToString(), quality = (short)media.Quality, md5 = media.Exact.Md5, sha256 = media.Exact.Sha256 });
        }
    }

    private async Task RecordAsync(PolicyDecision decision, string account)
    {
        await using var connection = await Store.OpenConnectionAsync();
        await using var transaction = await Store.BeginWriteAsync(connection, default);
        await DecisionLog.RecordAsync(Store, connection, transaction, [decision], new DecisionContext(1, Time.GetUtcNow(), account, null), ["webhook"], default);
        await transaction.CommitAsync();
    }

    private async Task ReportAsync(long seq, string reporter, string type, string subject)
    {
        await using var connection = await Store.OpenConnectionAsync();
        await using var transaction = await Store.BeginWriteAsync(connection, default);
        await CaseIntake.FromReportAsync(Store, connection, transaction, seq, reporter, type, subject, "cse", default);
        await transaction.CommitAsync();
    }

    private async Task<long> CountAsync(string sql)
    {
        await using var connection = await Store.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>(sql);
    }

    private async Task<List<string>> ListAsync(string sql)
    {
        await using var connection = await Store.OpenConnectionAsync();
        return [.. await connection.QueryAsync<string>(sql)];
    }

    private async Task AssertProjectionEqualsLogAsync()
    {
        var stored = await Cases.ReadProjectionAsync();
        Assert.Equal((await Cases.ProjectFromLogAsync()).Select(CaseFold.View), stored.Select(s => s.Row));
    }
}

public sealed class SqliteCaseReviewTests : CaseReviewTests
{
    internal override StoreProvider Provider => StoreProvider.Sqlite;
}

[PostgresSuite]
public sealed class PostgresCaseReviewTests : CaseReviewTests
{
    internal override StoreProvider Provider => StoreProvider.Postgres;
}

public sealed class QaSampleTests
{
    [Theory]
    [InlineData(0.0)]
    [InlineData(0.05)]
    [InlineData(0.3)]
    [InlineData(1.0)]
    public void The_qa_sample_is_deterministic_nested_and_close_to_the_share(double share)
    {
        const int n = 20_000;
        var selected = Enumerable.Range(1, n).Count(id => CaseService.QaSelected(id, share));
        Assert.InRange(selected, (share * n) - (4 * Math.Sqrt(n * share * (1 - share))) - 1, (share * n) + (4 * Math.Sqrt(n * share * (1 - share))) + 1);
        Assert.All(Enumerable.Range(1, 500), id => Assert.Equal(CaseService.QaSelected(id, share), CaseService.QaSelected(id, share)));
        Assert.All(Enumerable.Range(1, 500), id => Assert.True(!CaseService.QaSelected(id, share) || CaseService.QaSelected(id, Math.Min(1, share + 0.1))));
    }
}
