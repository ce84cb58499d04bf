using System.Data.Common;
using Dapper;
using Haven.Audit;
using Haven.Enforcement;
using Haven.People;
using Haven.Policy;
using Haven.Storage;

namespace Haven.Appeals;

/// <summary>
/// Appeals after intake (docs/appeals.md): list, show, assign and decide, and the overturn rate per rule. Every change
/// is checked against the acting person (role, conflict of interest, the version they saw) and written with its audit
/// entry (actor <c>person:NAME</c>, ids only) in one transaction; an overturn also labels the rule, records the reversal
/// in the decision log and enqueues the reverse actions for every adapter in <paramref name="adapters"/>, in that same
/// transaction.
/// </summary>
internal sealed class AppealService(HavenStore store, IReadOnlyList<string> adapters, PeopleService people)
{
    /// <summary>The <see cref="Appeal.OriginalDecidedBy"/> of a decision the policy made with nobody confirming it.</summary>
    public const string PolicyDecider = "policy";

    /// <summary>Longest outcome reason accepted.</summary>
    public const int MaxReasonLength = 2000;

    private const string Columns =
        "SELECT n AS N, appeal_id AS AppealId, event_seq AS EventSeq, platform_appeal_id AS PlatformAppealId, account AS Account, contested_decision_id AS ContestedDecisionId, " +
        "contested_action_id AS ContestedActionId, decision_id AS DecisionId, rule_id AS RuleId, subject_kind AS SubjectKind, subject_id AS SubjectId, reason AS Reason, status AS Status, " +
        "rejected_code AS RejectedCode, original_decided_by AS OriginalDecidedBy, assigned_to AS AssignedTo, decided_by AS DecidedBy, outcome_reason AS OutcomeReason, " +
        "reversal_decision_id AS ReversalDecisionId, version AS Version, occurred_at AS OccurredAt, created_at AS CreatedAt, updated_at AS UpdatedAt, decided_at AS DecidedAt FROM appeals ";

    /// <summary>The audit subject of an appeal: <c>appeal:ID</c>.</summary>
    public static string Subject(string appealId) => "appeal:" + appealId;

    /// <summary>One page of appeals, oldest first, filtered by status and rule.</summary>
    public async Task<Result<AppealPage, AppealError>> ListAsync(AppealFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.Status is not null && !AppealStatuses.All.Contains(filter.Status))
        {
            return new AppealRequestInvalid($"Unknown status '{filter.Status}'; use one of {string.Join(", ", AppealStatuses.All)}.");
        }

        if (filter.Limit is < 1 or > 500 || filter.After < 0)
        {
            return new AppealRequestInvalid("The page size is 1–500 and the cursor is not negative.");
        }

        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = (await connection.QueryAsync<Row>(new CommandDefinition(
            Columns + "WHERE n > @after" + (filter.Status is null ? string.Empty : " AND status = @status") + (filter.RuleId is null ? string.Empty : " AND rule_id = @rule") +
            " ORDER BY n LIMIT @limit",
            new { after = filter.After, status = filter.Status, rule = filter.RuleId, limit = (long)filter.Limit + 1 }, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        var page = rows.Take(filter.Limit).Select(r => r.ToAppeal()).ToList();
        return new AppealPage(page, rows.Count > filter.Limit ? page[^1].N : null);
    }

    /// <summary>An appeal with the contested decision, its actions and evidence, the case about its subject and every request that joined it.</summary>
    public async Task<Result<AppealDetails, AppealError>> GetAsync(string appealId, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        if (await ReadAsync(connection, null, appealId, cancellationToken).ConfigureAwait(false) is not { } appeal)
        {
            return new AppealNotFound(appealId);
        }

        var requests = await connection.QueryAsync<(long Seq, string PlatformId, string Account, long OccurredAt)>(new CommandDefinition(
            "SELECT event_seq, platform_appeal_id, account, occurred_at FROM appeal_requests WHERE appeal_id = @appealId ORDER BY event_seq",
            new { appealId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var decision = appeal.DecisionId is null ? null : await DecisionLog.FindAsync(store, appeal.DecisionId, cancellationToken).ConfigureAwait(false);
        var reversal = appeal.ReversalDecisionId is null ? null : await DecisionLog.FindAsync(store, appeal.ReversalDecisionId, cancellationToken).ConfigureAwait(false);
        var outbox = new OutboxQueue(store);
        return new AppealDetails(
            appeal,
            decision,
            decision is null ? [] : await outbox.ListForDecisionAsync(decision.DecisionId, cancellationToken).ConfigureAwait(false),
            await FindCaseIdAsync(connection, appeal, cancellationToken).ConfigureAwait(false),
            [.. requests.Select(r => new AppealRequestRecord(r.Seq, r.PlatformId, r.Account, DateTimeOffset.FromUnixTimeMilliseconds(r.OccurredAt)))],
            reversal,
            reversal is null ? [] : await outbox.ListForDecisionAsync(reversal.DecisionId, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Assigns an open appeal to <paramref name="assigneeName"/>: only a lead may, and only to an active lead or
    /// specialist who did not decide the appealed decision. <paramref name="expectedVersion"/> is the version the lead saw.
    /// </summary>
    public async Task<Result<Appeal, AppealError>> AssignAsync(Actor actor, string appealId, string assigneeName, long expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!actor.Role.MayLead())
        {
            return new AppealNotPermitted("Only a lead assigns appeals.");
        }

        var assignee = await people.FindActiveAsync(assigneeName, cancellationToken).ConfigureAwait(false);
        if (assignee is null)
        {
            return new AppealAssigneeInvalid(assigneeName, "no active person has this name");
        }

        if (!assignee.AtLeast(PersonRole.Specialist))
        {
            return new AppealAssigneeInvalid(assigneeName, $"appeals go to a specialist or a lead, and they are a {assignee.Role.Name()}");
        }

        AuditContext.Actor = actor.AuditName;
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await store.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var current = await ReadAsync(connection, transaction, appealId, cancellationToken).ConfigureAwait(false);
        if (Refusal(current, appealId, expectedVersion) is { } refused)
        {
            return refused;
        }

        if (string.Equals(current!.OriginalDecidedBy, assignee.Name, StringComparison.Ordinal))
        {
            return new AppealConflictOfInterest(assignee.Name);
        }

        var now = store.NowUnixMilliseconds;
        if (!await UpdateAsync(connection, transaction, appealId, expectedVersion, "assigned_to = @assignee, updated_at = @now", new { assignee = assignee.Name, now }, cancellationToken).ConfigureAwait(false))
        {
            return await ConflictAsync(connection, transaction, appealId, expectedVersion, cancellationToken).ConfigureAwait(false);
        }

        await AuditLog.AppendAsync(store, connection, transaction, "appeal.assigned", Subject(appealId),
            new { appealId, assignee = "person:" + assignee.Name, previous = current.AssignedTo is null ? null : "person:" + current.AssignedTo }, cancellationToken).ConfigureAwait(false);
        var updated = (await ReadAsync(connection, transaction, appealId, cancellationToken).ConfigureAwait(false))!;
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return updated;
    }

    /// <summary>
    /// Decides an open appeal. Refused when the person is below specialist, decided the appealed decision, is not the
    /// assignee (unless a lead), when the appeal is closed, or when it changed since <paramref name="expectedVersion"/>
    /// (a double submission). Upheld labels the rule <see cref="RuleLabels.Upheld"/>; overturned labels it
    /// <see cref="RuleLabels.Overturned"/>, records the reversal and enqueues the reverse actions, all in one transaction.
    /// </summary>
    public async Task<Result<AppealDecided, AppealError>> DecideAsync(Actor actor, string appealId, AppealOutcome outcome, string reason, long expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!actor.AtLeast(PersonRole.Specialist))
        {
            return new AppealNotPermitted($"Appeals are decided by a specialist or a lead; '{actor.Name}' is a {actor.Role.Name()}.");
        }

        if (string.IsNullOrWhiteSpace(reason) || reason.Length > MaxReasonLength)
        {
            return new AppealRequestInvalid($"A decision needs a reason of 1–{MaxReasonLength} characters.");
        }

        AuditContext.Actor = actor.AuditName;
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await store.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var current = await ReadAsync(connection, transaction, appealId, cancellationToken).ConfigureAwait(false);
        if (Refusal(current, appealId, expectedVersion) is { } refused)
        {
            return refused;
        }

        if (string.Equals(current!.OriginalDecidedBy, actor.Name, StringComparison.Ordinal))
        {
            return new AppealConflictOfInterest(actor.Name);
        }

        if (current.AssignedTo is { } assigned && !string.Equals(assigned, actor.Name, StringComparison.Ordinal) && !actor.Role.MayLead())
        {
            return new AppealAssignedToOther(appealId, assigned);
        }

        var now = store.NowUnixMilliseconds;
        string? reversalId = null;
        var enqueued = 0;
        if (outcome == AppealOutcome.Overturned &&
            await DecisionLog.RecordReversalAsync(store, connection, transaction, current.DecisionId!, appealId, current.EventSeq, actor.AuditName, adapters, cancellationToken).ConfigureAwait(false) is { } reversal)
        {
            (reversalId, enqueued) = reversal;
        }

        var set = "status = @status, decided_by = @decidedBy, outcome_reason = @reason, reversal_decision_id = @reversalId, decided_at = @now, updated_at = @now";
        if (!await UpdateAsync(connection, transaction, appealId, expectedVersion, set, new { status = outcome.Name(), decidedBy = actor.Name, reason, reversalId, now }, cancellationToken).ConfigureAwait(false))
        {
            return await ConflictAsync(connection, transaction, appealId, expectedVersion, cancellationToken).ConfigureAwait(false);
        }

        await RuleLabels.AddAsync(store, connection, transaction,
            new RuleLabel(current.RuleId!, outcome == AppealOutcome.Overturned ? RuleLabels.Overturned : RuleLabels.Upheld, current.SubjectKind!, current.SubjectId!, current.DecisionId, null, appealId, actor.AuditName),
            cancellationToken).ConfigureAwait(false);
        await AuditLog.AppendAsync(store, connection, transaction, "appeal.decided", Subject(appealId),
            new { appealId, decisionId = current.DecisionId, outcome = outcome.Name(), reversalDecisionId = reversalId, reverseActions = enqueued }, cancellationToken).ConfigureAwait(false);
        var updated = (await ReadAsync(connection, transaction, appealId, cancellationToken).ConfigureAwait(false))!;
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new AppealDecided(updated, reversalId, enqueued);
    }

    /// <summary>Per rule: admissible appeals, how many are open, upheld and overturned, and the overturn rate; rules in ordinal order.</summary>
    public async Task<IReadOnlyList<AppealRate>> RatesAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(string Rule, long Appeals, long Open, long Upheld, long Overturned)>(new CommandDefinition(
            "SELECT rule_id, COUNT(*), SUM(CASE WHEN status = 'open' THEN 1 ELSE 0 END), SUM(CASE WHEN status = 'upheld' THEN 1 ELSE 0 END), " +
            "SUM(CASE WHEN status = 'overturned' THEN 1 ELSE 0 END) FROM appeals WHERE status <> 'rejected' GROUP BY rule_id",
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows
            .Select(r => new AppealRate(r.Rule, r.Appeals, r.Open, r.Upheld, r.Overturned, r.Upheld + r.Overturned == 0 ? null : (double)r.Overturned / (r.Upheld + r.Overturned)))
            .OrderBy(r => r.RuleId, StringComparer.Ordinal)];
    }

    private static AppealError? Refusal(Appeal? current, string appealId, long expectedVersion) =>
        current is null ? new AppealNotFound(appealId)
        : !current.IsOpen ? new AppealClosed(appealId, current.Status)
        : current.Version != expectedVersion ? new AppealVersionConflict(appealId, expectedVersion, current.Version)
        : null;

    private static async Task<AppealError> ConflictAsync(DbConnection connection, DbTransaction transaction, string appealId, long expectedVersion, CancellationToken cancellationToken) =>
        Refusal(await ReadAsync(connection, transaction, appealId, cancellationToken).ConfigureAwait(false), appealId, expectedVersion)
        ?? new AppealVersionConflict(appealId, expectedVersion, expectedVersion + 1);

    /// <summary>Applies <paramref name="set"/> when the appeal is still open at <paramref name="expectedVersion"/>, bumping the version; false when it moved.</summary>
    private static async Task<bool> UpdateAsync(DbConnection connection, DbTransaction transaction, string appealId, long expectedVersion, string set, object values, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters(values);
        parameters.Add("appealId", appealId);
        parameters.Add("expected", expectedVersion);
        return await connection.ExecuteAsync(new CommandDefinition(
            $"UPDATE appeals SET {set}, version = version + 1 WHERE appeal_id = @appealId AND version = @expected AND status = 'open'",
            parameters, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false) == 1;
    }

    private static async Task<Appeal?> ReadAsync(DbConnection connection, DbTransaction? transaction, string appealId, CancellationToken cancellationToken) =>
        (await connection.QueryFirstOrDefaultAsync<Row>(new CommandDefinition(
            Columns + "WHERE appeal_id = @appealId", new { appealId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false))?.ToAppeal();

    /// <summary>The case about the appeal's subject.</summary>
    private static Task<string?> FindCaseIdAsync(DbConnection connection, Appeal appeal, CancellationToken cancellationToken)
    {
        // TODO(cases): the cases table is not in this branch; the lead wires the lookup of the case about
        // (appeal.SubjectKind, appeal.SubjectId) here once Cases/ is merged.
        _ = (connection, appeal, cancellationToken);
        return Task.FromResult<string?>(null);
    }

    private sealed record Row(
        long N, string AppealId, long EventSeq, string PlatformAppealId, string Account, string? ContestedDecisionId, string? ContestedActionId, string? DecisionId,
        string? RuleId, string? SubjectKind, string? SubjectId, string? Reason, string Status, string? RejectedCode, string OriginalDecidedBy, string? AssignedTo,
        string? DecidedBy, string? OutcomeReason, string? ReversalDecisionId, long Version, long OccurredAt, long CreatedAt, long UpdatedAt, long? DecidedAt)
    {
        public Appeal ToAppeal() => new(
            N, AppealId, EventSeq, PlatformAppealId, Account, ContestedDecisionId, ContestedActionId, DecisionId, RuleId, SubjectKind, SubjectId, Reason, Status,
            RejectedCode, OriginalDecidedBy, AssignedTo, DecidedBy, OutcomeReason, ReversalDecisionId, Version,
            DateTimeOffset.FromUnixTimeMilliseconds(OccurredAt), DateTimeOffset.FromUnixTimeMilliseconds(CreatedAt), DateTimeOffset.FromUnixTimeMilliseconds(UpdatedAt),
            DecidedAt is { } d ? DateTimeOffset.FromUnixTimeMilliseconds(d) : null);
    }
}
