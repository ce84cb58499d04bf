using System.Buffers.Binary;
using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Haven.Banks;
using Haven.People;
using Haven.Policy;
using Haven.Storage;

namespace Haven.Cases;

/// <summary>Confirmation, second review (QA) and its quality figures.</summary>
internal sealed partial class CaseService
{
    /// <summary>The rule id of the decisions reviewers record by confirming a case.</summary>
    public const string ConfirmedRule = "review.confirmed";

    /// <summary>
    /// The platform actions a reviewer may choose for the case, from its evidence: a content subject may be removed and
    /// its author suspended or restricted; an account subject suspended or restricted, and its content with bank matches
    /// removed; a community closed. A network case offers none (its candidates have their own cases).
    /// </summary>
    public async Task<Result<IReadOnlyList<CaseActionChoice>, CaseError>> AllowedActionsAsync(long caseId, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var state = await CaseLog.ReadStateAsync(store, connection, null, caseId, cancellationToken).ConfigureAwait(false);
        if (state is null)
        {
            return new CaseNotFound(caseId);
        }

        return await ChoicesAsync(connection, null, state, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Confirms the case: the chosen actions are recorded as one decision of <see cref="ConfirmedRule"/> in the decision
    /// log (decided by the person; its id derives from the case and the event, so a second submission records nothing),
    /// with status and outbox actions as for the policy's decisions; every rule whose decision is in the case is labelled
    /// confirmed; with a category, the case's media go into the <c>confirmed</c> bank; the case closes (outcome
    /// confirmed), and with <see cref="CaseConfirmRequest.CloseRelated"/> the subject account's other open cases close as
    /// handled. All in one transaction.
    /// </summary>
    public async Task<Result<CaseConfirmation, CaseError>> ConfirmAsync(Actor actor, long caseId, CaseConfirmRequest request, long? expectedN = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await store.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var result = await ConfirmInAsync(connection, transaction, actor, caseId, request, expectedN, null, cancellationToken).ConfigureAwait(false);
        if (result.IsSuccess)
        {
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    /// <summary>
    /// One decision as the API and the CLI send it (<see cref="CaseDecisionRequest"/>): confirm, dismiss or escalate,
    /// each with the checks of its method. Returns the case after the decision.
    /// </summary>
    public async Task<Result<CaseView, CaseError>> DecideAsync(Actor actor, long caseId, CaseDecisionRequest request, CancellationToken cancellationToken = default)
    {
        switch (request.Decision)
        {
            case "confirm":
                var confirmed = await ConfirmAsync(actor, caseId, new CaseConfirmRequest(request.Actions ?? [], request.Category, request.Note, request.CloseRelated), request.ExpectedN, cancellationToken).ConfigureAwait(false);
                return confirmed.IsSuccess ? confirmed.Value.Case : confirmed.Error;
            case "dismiss":
                return await DismissAsync(actor, caseId, request.Reason ?? string.Empty, request.Note, request.ExpectedN, cancellationToken).ConfigureAwait(false);
            case "escalate":
                return await EscalateAsync(actor, caseId, request.Note, request.ExpectedN, cancellationToken).ConfigureAwait(false);
            default:
                return new CaseRequestInvalid($"decision must be one of {string.Join(", ", CaseDecisionRequest.Kinds)}.");
        }
    }

    /// <summary>
    /// Confirms several candidates of one discovered network at once: each case is decided individually (its own decision
    /// in the log, its own checks and version), all or nothing. Each case gets the chosen actions that apply to it; an
    /// action that applies to none of them is refused. <paramref name="expectedNs"/>, when given, pairs with <paramref name="caseIds"/>.
    /// </summary>
    public async Task<Result<IReadOnlyList<CaseConfirmation>, CaseError>> ConfirmNetworkAsync(
        Actor actor, string networkId, IReadOnlyList<long> caseIds, CaseConfirmRequest request, IReadOnlyList<long>? expectedNs = null, CancellationToken cancellationToken = default)
    {
        if (caseIds.Count == 0 || caseIds.Count > 500 || caseIds.Distinct().Count() != caseIds.Count || (expectedNs is not null && expectedNs.Count != caseIds.Count))
        {
            return new CaseRequestInvalid("a network confirmation names 1–500 distinct cases (and as many versions, if any).");
        }

        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await store.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var used = new HashSet<string>(StringComparer.Ordinal);
        var confirmations = new List<CaseConfirmation>();
        for (var i = 0; i < caseIds.Count; i++)
        {
            var state = await CaseLog.ReadStateAsync(store, connection, transaction, caseIds[i], cancellationToken).ConfigureAwait(false);
            if (state is null)
            {
                return new CaseNotFound(caseIds[i]);
            }

            if (state.Network != networkId)
            {
                return new CaseRequestInvalid($"case {caseIds[i]} is not a candidate of network {networkId}.");
            }

            var offered = (await ChoicesAsync(connection, transaction, state, cancellationToken).ConfigureAwait(false)).Select(c => c.Action).ToHashSet(StringComparer.Ordinal);
            var actions = request.Actions.Where(offered.Contains).Distinct(StringComparer.Ordinal).ToList();
            used.UnionWith(actions);
            var result = await ConfirmInAsync(connection, transaction, actor, caseIds[i], request with { Actions = actions }, expectedNs?[i], used, cancellationToken).ConfigureAwait(false);
            if (!result.IsSuccess)
            {
                return result.Error;
            }

            confirmations.Add(result.Value);
        }

        if (request.Actions.FirstOrDefault(a => !used.Contains(a)) is { } unused)
        {
            return new CaseActionNotAllowed($"'{unused}' applies to none of these cases.");
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return confirmations;
    }

    /// <summary>
    /// The second reviewer's answer on a decided case whose decision was sent to QA: agree or disagree, by a person other
    /// than the one who decided, with an optional note.
    /// </summary>
    public async Task<Result<CaseView, CaseError>> QaAnswerAsync(Actor actor, long caseId, bool agree, string? note, long? expectedN = null, CancellationToken cancellationToken = default)
    {
        if (!actor.Role.MayDecide())
        {
            return new CaseRoleTooLow(PersonRole.Reviewer.Name(), "A second review");
        }

        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await store.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var state = await CaseLog.ReadStateAsync(store, connection, transaction, caseId, cancellationToken).ConfigureAwait(false);
        if (state is null)
        {
            return new CaseNotFound(caseId);
        }

        if (expectedN is { } n && n != state.LastEventN)
        {
            return new CaseVersionConflict(caseId, n, state.LastEventN);
        }

        if (state.QaState != QaStates.Requested)
        {
            return new CaseActionNotAllowed($"case {caseId} is not waiting for a second review.");
        }

        if (state.Queue == CaseQueues.Specialist && actor.Role < PersonRole.Specialist)
        {
            return new CaseRoleTooLow(PersonRole.Specialist.Name(), "A case in the specialist queue");
        }

        if (string.Equals(state.DecidedBy, actor.Name, StringComparison.Ordinal))
        {
            return new CaseActionNotAllowed("a second review must be made by someone other than the person who decided.");
        }

        var kind = agree ? CaseEventKinds.QaAgreed : CaseEventKinds.QaDisagreed;
        state = await CaseLog.AppendAsync(store, connection, transaction, state, kind, actor.AuditName, new CaseEventData { Note = note }, cancellationToken).ConfigureAwait(false);
        await AuditAsync(connection, transaction, actor, "case." + kind, state, new { decidedBy = state.DecidedBy }, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return CaseFold.View(state);
    }

    /// <summary>Second-review agreement per reviewer and per rule, for leads.</summary>
    public async Task<Result<CaseQuality, CaseError>> QualityAsync(Actor actor, CancellationToken cancellationToken = default)
    {
        if (!actor.Role.MayLead())
        {
            return new CaseRoleTooLow(PersonRole.Lead.Name(), "Review quality");
        }

        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var byReviewer = await connection.QueryAsync<(string Key, string State, long Count)>(new CommandDefinition(
            "SELECT decided_by, qa_state, COUNT(*) FROM cases WHERE qa_state IN ('agreed', 'disagreed') AND decided_by IS NOT NULL GROUP BY decided_by, qa_state",
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        var byRule = await connection.QueryAsync<(string Key, string State, long Count)>(new CommandDefinition(
            "SELECT i.rule_id, c.qa_state, COUNT(DISTINCT c.case_id) FROM cases c JOIN case_items i ON i.case_id = c.case_id " +
            "WHERE c.qa_state IN ('agreed', 'disagreed') AND i.rule_id IS NOT NULL GROUP BY i.rule_id, c.qa_state",
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        var waiting = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM cases WHERE qa_state = 'requested'", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new CaseQuality(Rates(byReviewer), Rates(byRule), waiting);
    }

    /// <summary>
    /// True when the decision of case <paramref name="caseId"/> goes to a second reviewer: the first 8 bytes of
    /// SHA-256("qa:" + id), read as a fraction of 2^64, are below <paramref name="share"/>. Deterministic, so replaying or
    /// reopening a case never changes whether it is sampled, and uniform over ids.
    /// </summary>
    public static bool QaSelected(long caseId, double share)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes("qa:" + caseId.ToString(CultureInfo.InvariantCulture)), hash);
        return BinaryPrimitives.ReadUInt64BigEndian(hash) / 18446744073709551616.0 < share;
    }

    private async Task<Result<CaseConfirmation, CaseError>> ConfirmInAsync(
        DbConnection connection, DbTransaction transaction, Actor actor, long caseId, CaseConfirmRequest request, long? expectedN, HashSet<string>? lenient,
        CancellationToken cancellationToken)
    {
        // Every audit entry of the confirmation (the decision, the bank) names the person; the change of this async-local
        // value stays within this call.
        Audit.AuditContext.Actor = actor.AuditName;
        var state = await CaseLog.ReadStateAsync(store, connection, transaction, caseId, cancellationToken).ConfigureAwait(false);
        if (state is null)
        {
            return new CaseNotFound(caseId);
        }

        var now = store.NowUnixMilliseconds;
        if (Check(actor, state, expectedN, Need.Decide, now) is { } refusal)
        {
            return refusal;
        }

        if (request.Category is not null && !CaseCategories.IsKnown(request.Category))
        {
            return new CaseActionNotAllowed($"unknown category '{request.Category}'; use one of {string.Join(", ", CaseCategories.All)}.");
        }

        if (state.HasMedia && request.Category is null)
        {
            return new CaseActionNotAllowed($"case {caseId} has media: confirming it needs their category ({string.Join(", ", CaseCategories.All)}).");
        }

        var offered = await ChoicesAsync(connection, transaction, state, cancellationToken).ConfigureAwait(false);
        if (lenient is null && request.Actions.FirstOrDefault(a => !offered.Any(c => c.Action == a)) is { } refused)
        {
            return new CaseActionNotAllowed($"'{refused}' is not an action for this case; choose from {string.Join(", ", offered.Select(c => c.Action).Distinct())}.");
        }

        var chosen = offered.Where(c => request.Actions.Contains(c.Action, StringComparer.Ordinal)).ToList();
        var n = state.LastEventN + 1;
        var decisionId = "r-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            $"{ConfirmedRule}\0{caseId.ToString(CultureInfo.InvariantCulture)}\0{n.ToString(CultureInfo.InvariantCulture)}")))[..32];
        var items = (await connection.QueryAsync<(string ItemId, string Kind, string? RuleId)>(new CommandDefinition(
            "SELECT item_id, kind, rule_id FROM case_items WHERE case_id = @caseId ORDER BY item_id", new { caseId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        var account = await AccountOfAsync(connection, transaction, state, cancellationToken).ConfigureAwait(false) ?? string.Empty;
        var (_, enqueued) = await DecisionLog.RecordReviewedAsync(
            store, connection, transaction, decisionId, ConfirmedRule, state.SubjectKind, state.SubjectId, account,
            [.. chosen.Select(c => new DecidedAction(c.Action, "normal", c.Target))],
            new { caseId, items = items.Select(i => i.ItemId).ToArray(), category = request.Category },
            actor.AuditName, _adapters, cancellationToken).ConfigureAwait(false);
        await LabelRulesAsync(connection, transaction, state, RuleLabels.Confirmed, actor, cancellationToken).ConfigureAwait(false);

        long banked = 0;
        if (request.Category is { } category)
        {
            var media = await MediaEntriesAsync(connection, transaction, state, category, cancellationToken).ConfigureAwait(false);
            banked = await BankService.AddReviewedAsync(store, connection, transaction, BankService.ConfirmedBank, media, cancellationToken).ConfigureAwait(false);
        }

        state = await CaseLog.AppendAsync(store, connection, transaction, state, CaseEventKinds.Confirmed, actor.AuditName,
            new CaseEventData { Actions = [.. chosen.Select(c => c.Action + "@" + c.Target)], Decision = decisionId, Category = request.Category, Note = request.Note },
            cancellationToken).ConfigureAwait(false);
        state = await RequestQaAsync(connection, transaction, state, actor, cancellationToken).ConfigureAwait(false);
        await AuditAsync(connection, transaction, actor, "case." + CaseEventKinds.Confirmed, state,
            new { decisionId, actions = chosen.Count, enqueued, banked }, cancellationToken).ConfigureAwait(false);

        var handled = request.CloseRelated && account.Length > 0
            ? await CloseRelatedInAsync(connection, transaction, actor, state, account, decisionId, cancellationToken).ConfigureAwait(false)
            : [];
        return new CaseConfirmation(CaseFold.View(state), decisionId, chosen, enqueued, banked, handled);
    }

    // Closes the open cases of the account and of its content (other than the confirmed one) as handled; cases the
    // person may not work (the specialist queue, for a reviewer) stay open.
    private async Task<List<long>> CloseRelatedInAsync(
        DbConnection connection, DbTransaction transaction, Actor actor, CaseState confirmed, string account, string decisionId, CancellationToken cancellationToken)
    {
        var ids = (await connection.QueryAsync<long>(new CommandDefinition(
            "SELECT case_id FROM cases WHERE status = 'open' AND case_id <> @caseId AND ((subject_kind = 'account' AND subject_id = @account) " +
            "OR (subject_kind = 'content' AND subject_id IN (SELECT post_id FROM posts WHERE author = @account))) ORDER BY case_id",
            new { caseId = confirmed.CaseId, account }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        var closed = new List<long>();
        foreach (var id in ids)
        {
            var state = await CaseLog.ReadStateAsync(store, connection, transaction, id, cancellationToken).ConfigureAwait(false);
            if (state is null || state.Status != CaseStatuses.Open || (state.Queue == CaseQueues.Specialist && actor.Role < PersonRole.Specialist))
            {
                continue;
            }

            state = await CaseLog.AppendAsync(store, connection, transaction, state, CaseEventKinds.Closed, actor.AuditName,
                new CaseEventData { Reason = CaseOutcomes.Handled, Decision = decisionId }, cancellationToken).ConfigureAwait(false);
            await AuditAsync(connection, transaction, actor, "case." + CaseEventKinds.Closed, state, new { reason = CaseOutcomes.Handled, by = confirmed.CaseId }, cancellationToken).ConfigureAwait(false);
            closed.Add(id);
        }

        return closed;
    }

    // Labels every decision of the policy that is an item of the case (one label per decision, for its rule).
    private async Task LabelRulesAsync(DbConnection connection, DbTransaction transaction, CaseState state, string label, Actor actor, CancellationToken cancellationToken)
    {
        var decisions = await connection.QueryAsync<(string ItemId, string RuleId)>(new CommandDefinition(
            "SELECT item_id, rule_id FROM case_items WHERE case_id = @CaseId AND kind = 'decision' AND rule_id IS NOT NULL ORDER BY item_id",
            new { state.CaseId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        foreach (var (itemId, ruleId) in decisions)
        {
            var decisionId = itemId.StartsWith("decision:", StringComparison.Ordinal) ? itemId["decision:".Length..] : null;
            await RuleLabels.AddAsync(store, connection, transaction,
                new RuleLabel(ruleId, label, state.SubjectKind, state.SubjectId, decisionId, state.CaseId.ToString(CultureInfo.InvariantCulture), null, actor.AuditName),
                cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<CaseState> RequestQaAsync(DbConnection connection, DbTransaction transaction, CaseState state, Actor actor, CancellationToken cancellationToken) =>
        QaSelected(state.CaseId, settings.QaShare)
            ? await CaseLog.AppendAsync(store, connection, transaction, state, CaseEventKinds.QaRequested, actor.AuditName, new CaseEventData(), cancellationToken).ConfigureAwait(false)
            : state;

    private static async Task<List<CaseActionChoice>> ChoicesAsync(DbConnection connection, DbTransaction? transaction, CaseState state, CancellationToken cancellationToken)
    {
        var choices = new List<CaseActionChoice>();
        switch (state.SubjectKind)
        {
            case CaseSubjects.Content:
                choices.Add(new("remove_content", "content:" + state.SubjectId));
                if (await AccountOfAsync(connection, transaction, state, cancellationToken).ConfigureAwait(false) is { Length: > 0 } author)
                {
                    choices.Add(new("suspend_account", "account:" + author));
                    choices.Add(new("restrict_account", "account:" + author));
                }

                break;
            case CaseSubjects.Account:
                choices.Add(new("suspend_account", "account:" + state.SubjectId));
                choices.Add(new("restrict_account", "account:" + state.SubjectId));
                var posts = await connection.QueryAsync<string>(new CommandDefinition(
                    "SELECT DISTINCT post_id FROM media_matches WHERE account = @SubjectId ORDER BY post_id", new { state.SubjectId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                choices.AddRange(posts.Select(p => new CaseActionChoice("remove_content", "content:" + p)));
                break;
            case CaseSubjects.Community:
                choices.Add(new("close_community", "community:" + state.SubjectId));
                break;
            default:
                break;
        }

        return choices;
    }

    // The account a case is about: the account itself, or the author of the content.
    private static async Task<string?> AccountOfAsync(DbConnection connection, DbTransaction? transaction, CaseState state, CancellationToken cancellationToken) =>
        state.SubjectKind switch
        {
            CaseSubjects.Account => state.SubjectId,
            CaseSubjects.Content => await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
                "SELECT author FROM posts WHERE post_id = @SubjectId", new { state.SubjectId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false),
            _ => null,
        };

    // The hashes of the case's media, found at confirm time from media_items (a media match item has no media index:
    // media_matches are written at the end of the batch): every media item of a content subject, and every matched media
    // item of an account subject.
    private static async Task<IReadOnlyList<NewBankEntry>> MediaEntriesAsync(DbConnection connection, DbTransaction transaction, CaseState state, string category, CancellationToken cancellationToken)
    {
        var sql = state.SubjectKind switch
        {
            CaseSubjects.Content => "SELECT pdq AS Pdq, quality AS Quality, md5 AS Md5, sha256 AS Sha256 FROM media_items WHERE post_id = @SubjectId ORDER BY media_index",
            CaseSubjects.Account => "SELECT m.pdq AS Pdq, m.quality AS Quality, m.md5 AS Md5, m.sha256 AS Sha256 FROM media_items m " +
                                    "WHERE EXISTS (SELECT 1 FROM media_matches x WHERE x.post_id = m.post_id AND x.media_index = m.media_index AND x.account = @SubjectId) ORDER BY m.post_id, m.media_index",
            _ => null,
        };
        if (sql is null)
        {
            return [];
        }

        var externalId = "case:" + state.CaseId.ToString(CultureInfo.InvariantCulture);
        var entries = new List<NewBankEntry>();
        foreach (var row in await connection.QueryAsync<MediaRow>(new CommandDefinition(sql, new { state.SubjectId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false))
        {
            Add(SignalType.Pdq, row.Pdq, row.Quality);
            Add(SignalType.Md5, row.Md5, null);
            Add(SignalType.Sha256, row.Sha256, null);
        }

        return entries;

        void Add(SignalType type, string? value, int? quality)
        {
            if (value is not null && NewBankEntry.TryCreate(type, value, quality, category, "review", externalId, out var entry, out _))
            {
                entries.Add(entry);
            }
        }
    }

    private static List<QaRate> Rates(IEnumerable<(string Key, string State, long Count)> rows) =>
        [.. rows.GroupBy(r => r.Key, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new QaRate(g.Key, g.Where(r => r.State == QaStates.Agreed).Sum(r => r.Count), g.Where(r => r.State == QaStates.Disagreed).Sum(r => r.Count)))];

    private sealed class MediaRow
    {
        public string? Pdq { get; set; }

        public int? Quality { get; set; }

        public string? Md5 { get; set; }

        public string? Sha256 { get; set; }
    }
}
