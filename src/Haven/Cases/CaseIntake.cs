using System.Data.Common;
using Dapper;
using Haven.Audit;
using Haven.Policy;
using Haven.Storage;

namespace Haven.Cases;

/// <summary>
/// How cases fill, in the transaction of what causes it: an enforce-mode decision asking for people
/// (<c>open_case</c>, <c>queue_review</c>, <c>escalate</c>, <c>queue_mandatory_report</c>) and every user report open
/// the subject's case or join its open one. Idempotent on the source (decision id, report event position), so
/// replaying events adds nothing twice.
/// </summary>
internal static class CaseIntake
{
    /// <summary>The actions that put a subject in front of people.</summary>
    public static readonly IReadOnlySet<string> ReviewActions = new HashSet<string>(StringComparer.Ordinal)
    {
        "open_case", "queue_review", "escalate", "queue_mandatory_report",
    };

    /// <summary>
    /// Opens or joins the case of a newly recorded decision's subject when the decision enforces and asks for people;
    /// returns the case id, or null when the decision opens no case (shadow, no review action, or already taken).
    /// </summary>
    public static async Task<long?> FromDecisionAsync(
        HavenStore store, DbConnection connection, DbTransaction transaction, string decisionId, PolicyDecision decision, DecisionContext context,
        IReadOnlyList<DecidedAction> actions, CancellationToken cancellationToken, CaseSettings? settings = null)
    {
        if (decision.Mode != PolicyMode.Enforce || !decision.Actions.Any(a => ReviewActions.Contains(a.Name)))
        {
            return null;
        }

        settings ??= CaseSettings.Default;
        var source = "decision:" + decisionId;
        if (await CaseLog.SourceTakenAsync(connection, transaction, source, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var kind = decision.SubjectKind == SubjectKind.Account ? CaseSubjects.Account : CaseSubjects.Content;
        var priority = decision.Actions.Where(a => ReviewActions.Contains(a.Name)).Select(a => a.Priority.Name()).Aggregate("low", CasePriorities.Max);
        var now = store.NowUnixMilliseconds;
        var due = now + (long)settings.DueAfter(priority).TotalMilliseconds;

        // Discovery records its decisions at a negative position, one per run: the run names the network.
        var network = context.EventSeq < 0 && decision.Evidence.OfType<CounterEvidence>().Any(c => c.Name.StartsWith("network_", StringComparison.Ordinal))
            ? "run-" + (-context.EventSeq).ToString(System.Globalization.CultureInfo.InvariantCulture)
            : null;
        var account = kind == CaseSubjects.Account ? decision.SubjectId : context.Account;
        var reach = account.Length == 0 ? 0 : await FollowersAsync(connection, transaction, account, cancellationToken).ConfigureAwait(false);

        var (state, opened) = await CaseLog.OpenOrFindAsync(store, connection, transaction, kind, decision.SubjectId, network, priority, due, AuditContext.Actor, cancellationToken).ConfigureAwait(false);
        await CaseLog.ClaimSourceAsync(connection, transaction, source, state.CaseId, cancellationToken).ConfigureAwait(false);

        var rule = decision.RuleId;
        var itemIds = new List<string>();
        async Task AddAsync(string itemId, string itemKind, object body, CaseEventData data)
        {
            await CaseLog.InsertItemAsync(store, connection, transaction, state.CaseId, itemId, itemKind, rule, source, body, cancellationToken).ConfigureAwait(false);
            state = await CaseLog.AppendAsync(store, connection, transaction, state, CaseEventKinds.ItemAdded, AuditContext.Actor, data with { Item = itemId, Rule = rule }, cancellationToken).ConfigureAwait(false);
            itemIds.Add(itemId);
        }

        await AddAsync(
            "decision:" + decisionId,
            CaseItemKinds.Decision,
            new { decisionId, rule, policyVersion = decision.PolicyVersion, subject = $"{kind}:{decision.SubjectId}", actions, evidence = decision.Evidence },
            new CaseEventData
            {
                Priority = priority,
                Due = due,
                Reach = reach,
                Network = network,
                Escalate = decision.Has(PolicyActionKind.Escalate) ? true : null,
                ReportWanted = decision.Has(PolicyActionKind.QueueMandatoryReport) ? true : null,
            }).ConfigureAwait(false);

        var k = 0;
        foreach (var evidence in decision.Evidence)
        {
            k++;
            switch (evidence)
            {
                case BankMatchEvidence bank:
                    var m = 0;
                    foreach (var match in bank.Matches)
                    {
                        m++;
                        await AddAsync(
                            $"match:{decisionId}:{k}:{m}",
                            CaseItemKinds.MediaMatch,
                            new { post = kind == CaseSubjects.Content ? decision.SubjectId : null, bank = match.Bank, category = match.Category, signalType = Banks.SignalTypes.Name(match.SignalType), distance = match.Distance, leaf = bank.Leaf },
                            new CaseEventData { Media = true, Category = match.Category }).ConfigureAwait(false);
                    }

                    break;
                case TextEvidence text:
                    await AddAsync(
                        $"text:{decisionId}:{k}",
                        CaseItemKinds.Text,
                        new { subject = $"{kind}:{decision.SubjectId}", hits = text.Hits, totalWeight = text.TotalWeight, minWeight = text.MinWeight, leaf = text.Leaf },
                        new CaseEventData
                        {
                            Solicitation = text.Hits.Any(h => h.Category == "solicitation") ? true : null,
                            Trade = text.Hits.Any(h => h.Category == "trade_request") ? true : null,
                        }).ConfigureAwait(false);
                    break;
                case CounterEvidence counter when network is not null && counter.Name == SignalVocabulary.NetworkDiscovered:
                    var counters = decision.Evidence.OfType<CounterEvidence>().ToDictionary(c => c.Name, c => c.Value, StringComparer.Ordinal);
                    await AddAsync(
                        $"discovery:{decisionId}",
                        CaseItemKinds.Discovery,
                        new { network, account = decision.SubjectId, counters },
                        new CaseEventData { Network = network }).ConfigureAwait(false);
                    break;
                case CounterEvidence counter:
                    await AddAsync(
                        $"counter:{decisionId}:{k}",
                        CaseItemKinds.Counter,
                        new { name = counter.Name, value = counter.Value, atLeast = counter.AtLeast, leaf = counter.Leaf },
                        new CaseEventData()).ConfigureAwait(false);
                    break;
                default:
                    // Reports evidence: each report is its own item (FromReportAsync).
                    break;
            }
        }

        await AuditLog.AppendAsync(store, connection, transaction, opened ? "case.opened" : "case.items_added", "case:" + state.CaseId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            new { decisionId, rule, items = itemIds.Count }, cancellationToken).ConfigureAwait(false);
        return state.CaseId;
    }

    /// <summary>
    /// Opens or joins the case of a report's subject (<c>account</c>, <c>post</c>, <c>community</c>; a media report is
    /// not tied to a post and opens none). A muted reporter's report is recorded by the caller but opens no case. The
    /// reporter's id is kept in the store only (to count distinct reporters and dismissed reports), never logged.
    /// </summary>
    public static async Task<long?> FromReportAsync(
        HavenStore store, DbConnection connection, DbTransaction transaction, long eventSeq, string reporter, string subjectType, string subjectId, string reason,
        CancellationToken cancellationToken, CaseSettings? settings = null)
    {
        var kind = subjectType switch
        {
            "account" => CaseSubjects.Account,
            "post" => CaseSubjects.Content,
            "community" => CaseSubjects.Community,
            _ => null,
        };
        if (kind is null)
        {
            return null;
        }

        var source = "report:" + eventSeq.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (await CaseLog.SourceTakenAsync(connection, transaction, source, cancellationToken).ConfigureAwait(false)
            || await IsMutedAsync(connection, transaction, reporter, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        settings ??= CaseSettings.Default;
        var now = store.NowUnixMilliseconds;
        var due = now + (long)settings.DueAfter("normal").TotalMilliseconds;
        var account = kind == CaseSubjects.Account ? subjectId : await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT author FROM posts WHERE post_id = @subjectId", new { subjectId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var reach = kind == CaseSubjects.Community || account is null ? 0 : await FollowersAsync(connection, transaction, account, cancellationToken).ConfigureAwait(false);

        var (state, opened) = await CaseLog.OpenOrFindAsync(store, connection, transaction, kind, subjectId, null, "normal", due, AuditContext.Actor, cancellationToken).ConfigureAwait(false);
        await CaseLog.ClaimSourceAsync(connection, transaction, source, state.CaseId, cancellationToken).ConfigureAwait(false);
        var itemId = source;
        await CaseLog.InsertItemAsync(store, connection, transaction, state.CaseId, itemId, CaseItemKinds.Report, null, source, new { eventSeq, reason }, cancellationToken, reporter).ConfigureAwait(false);
        state = await CaseLog.AppendAsync(store, connection, transaction, state, CaseEventKinds.ItemAdded, AuditContext.Actor,
            new CaseEventData { Item = itemId, Priority = "normal", Due = due, Reporter = reporter, Reach = reach }, cancellationToken).ConfigureAwait(false);
        await AuditLog.AppendAsync(store, connection, transaction, opened ? "case.opened" : "case.items_added", "case:" + state.CaseId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            new { reportSeq = eventSeq, items = 1 }, cancellationToken).ConfigureAwait(false);
        return state.CaseId;
    }

    /// <summary>True when a lead muted the reporter.</summary>
    public static async Task<bool> IsMutedAsync(DbConnection connection, DbTransaction? transaction, string reporter, CancellationToken cancellationToken) =>
        await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT 1 FROM muted_reporters WHERE reporter = @reporter", new { reporter }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false) is not null;

    /// <summary>The account's followers, from the follow edges.</summary>
    public static Task<long> FollowersAsync(DbConnection connection, DbTransaction? transaction, string account, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM edges WHERE kind = 'follow' AND dst = @account", new { account }, transaction, cancellationToken: cancellationToken));
}
