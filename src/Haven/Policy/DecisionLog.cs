using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using Haven.Audit;
using Haven.Enforcement;
using Haven.Storage;

namespace Haven.Policy;

/// <summary>One action of a decision and the platform object it applies to (<c>content:p-1</c>, <c>account:a-1</c>, <c>community:c-1</c>).</summary>
internal sealed record DecidedAction(string Action, string Priority, string Target);

/// <summary>A decision as recorded in the append-only log. <see cref="DecidedBy"/> names the person (<c>person:NAME</c>) whose review made it, or is null when the policy decided alone.</summary>
internal sealed record DecisionRecord(
    long N,
    string DecisionId,
    long EventSeq,
    string RuleId,
    string PolicyVersion,
    string Mode,
    string SubjectKind,
    string SubjectId,
    string Account,
    IReadOnlyList<DecidedAction> Actions,
    string EvidenceJson,
    DateTimeOffset OccurredAt,
    DateTimeOffset DecidedAt,
    string? DecidedBy = null);

/// <summary>The current status of one platform object, derived from the decisions about it.</summary>
/// <param name="Actions">Actions in force (enforce-mode decisions), sorted.</param>
/// <param name="ShadowActions">Actions decided in shadow mode: what would have happened.</param>
internal sealed record SubjectStatus(string Kind, string Id, string Status, IReadOnlyList<string> Actions, IReadOnlyList<string> ShadowActions, string? ReviewPriority, long Decisions, string LastDecisionId);

/// <summary>Where a decision's subject lives: its account and community, and the event that led to it.</summary>
internal sealed record DecisionContext(long EventSeq, DateTimeOffset OccurredAt, string Account, string? Community);

/// <summary>New decisions by rule and mode within one transaction, reported to metrics only once it has committed.</summary>
internal sealed class DecisionTally
{
    private readonly Dictionary<(string Rule, string Mode), long> _counts = [];

    /// <summary>Counts one new decision.</summary>
    public void Add(string rule, string mode) => _counts[(rule, mode)] = _counts.GetValueOrDefault((rule, mode)) + 1;

    /// <summary>Adds the counts to <c>haven.policy.decisions</c>; call after the commit (a rolled-back batch is retried and must not count twice).</summary>
    public void ReportCommitted()
    {
        foreach (var ((rule, mode), count) in _counts)
        {
            HavenMetrics.Decisions.Add(count, new KeyValuePair<string, object?>(HavenMetrics.Tags.Rule, rule), new KeyValuePair<string, object?>(HavenMetrics.Tags.Mode, mode));
        }
    }
}

/// <summary>
/// The append-only decision log (DESIGN §3.5, STYLE 12). Recording a decision, its audit entry, the status projection
/// and the outbox actions it asks for happens in the caller's transaction, so after a crash either all of it exists or
/// none. Decision ids are derived from policy version, rule and subject, so replaying the same events decides nothing
/// twice and enqueues no action twice.
/// </summary>
internal static class DecisionLog
{
    /// <summary>Actions carried out by the platform through the outbox.</summary>
    public static readonly IReadOnlySet<string> PlatformActions = new HashSet<string>(StringComparer.Ordinal)
    {
        "remove_content", "suspend_account", "restrict_account", "close_community",
    };

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// The deterministic id of a decision: one per policy version, rule, effective mode and subject. The mode is part of
    /// it so that a shadow decision never stands in for the enforce decision that follows a switch to enforce.
    /// </summary>
    public static string DecisionId(PolicyDecision decision) =>
        "d-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            $"{decision.PolicyVersion}\0{decision.RuleId}\0{decision.Mode.Name()}\0{decision.SubjectKind}\0{decision.SubjectId}")))[..32];

    /// <summary>The actions of <paramref name="decision"/> with their targets; actions without a target (e.g. close_community off any community) are left out.</summary>
    public static IReadOnlyList<DecidedAction> Targets(PolicyDecision decision, DecisionContext context)
    {
        var subject = (decision.SubjectKind == SubjectKind.Account ? "account:" : "content:") + decision.SubjectId;
        var list = new List<DecidedAction>();
        foreach (var action in decision.Actions)
        {
            var target = action.Kind switch
            {
                PolicyActionKind.RemoveContent => decision.SubjectKind == SubjectKind.Content ? subject : null,
                PolicyActionKind.SuspendAccount or PolicyActionKind.RestrictAccount => context.Account.Length == 0 ? null : "account:" + context.Account,
                PolicyActionKind.CloseCommunity => context.Community is null ? null : "community:" + context.Community,
                _ => subject,
            };
            if (target is not null)
            {
                list.Add(new DecidedAction(action.Name, action.Priority.Name(), target));
            }
        }

        return list;
    }

    /// <summary>
    /// Records the decisions in the caller's transaction: log row, audit entry, status projection and, for enforce
    /// decisions, outbox actions for every adapter in <paramref name="adapters"/>. Returns the decisions that were new
    /// and the number of actions enqueued; already recorded ones change nothing. New decisions are also counted in
    /// <paramref name="tally"/> by rule and mode, for the caller to report once its transaction has committed
    /// (<see cref="DecisionTally.ReportCommitted"/>). Cases the decisions open are due by <paramref name="cases"/> (default settings when null).
    /// </summary>
    public static async Task<(int Recorded, int Enqueued)> RecordAsync(
        HavenStore store, DbConnection connection, DbTransaction transaction, IReadOnlyList<PolicyDecision> decisions, DecisionContext context,
        IReadOnlyList<string> adapters, CancellationToken cancellationToken, DecisionTally? tally = null, Cases.CaseSettings? cases = null)
    {
        var recorded = 0;
        var enqueued = 0;
        var outbox = new OutboxWriter(store);
        if (store.Provider == StoreProvider.Postgres && decisions.Count > 0)
        {
            // Decision writers (the processor, discovery cases) take turns, so a status is never computed from a row
            // another writer is changing, and the log's order is the order statuses were folded in.
            await connection.ExecuteAsync(new CommandDefinition(AdvisoryLocks.XactLockSql, new { key = AdvisoryLocks.DecisionLog }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        foreach (var decision in decisions)
        {
            var id = DecisionId(decision);
            var actions = Targets(decision, context);
            var mode = decision.Mode.Name();
            var now = store.NowUnixMilliseconds;
            var inserted = await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO decisions (decision_id, event_seq, rule_id, policy_version, mode, subject_kind, subject_id, account, actions, evidence, occurred_at, decided_at) " +
                "VALUES (@id, @seq, @rule, @version, @mode, @kind, @subject, @account, @actions, @evidence, @occurred, @now) ON CONFLICT (decision_id) DO NOTHING",
                new
                {
                    id,
                    seq = context.EventSeq,
                    rule = decision.RuleId,
                    version = decision.PolicyVersion,
                    mode,
                    kind = KindName(decision.SubjectKind),
                    subject = decision.SubjectId,
                    account = context.Account,
                    actions = JsonSerializer.Serialize(actions, Json),
                    evidence = JsonSerializer.Serialize(decision.Evidence, Json),
                    occurred = context.OccurredAt.ToUnixTimeMilliseconds(),
                    now,
                },
                transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (inserted == 0)
            {
                continue;
            }

            recorded++;
            tally?.Add(decision.RuleId, mode);
            await AuditLog.AppendAsync(store, connection, transaction, "decision.recorded", $"{KindName(decision.SubjectKind)}:{decision.SubjectId}",
                new { decisionId = id, rule = decision.RuleId, policyVersion = decision.PolicyVersion, mode, actions = actions.Select(a => $"{a.Action}@{a.Target}").ToArray() },
                cancellationToken).ConfigureAwait(false);
            await Cases.CaseIntake.FromDecisionAsync(store, connection, transaction, id, decision, context, actions, cancellationToken, cases).ConfigureAwait(false);

            enqueued += await ApplyActionsAsync(store, connection, transaction, outbox, id, mode, actions, adapters, cancellationToken).ConfigureAwait(false);
        }

        return (recorded, enqueued);
    }

    /// <summary>The rule id of a reversal: the decision recorded when an appeal overturns a decision.</summary>
    public const string ReversalRule = "appeal.overturned";

    /// <summary>The deterministic id of the reversal of <paramref name="overturnedDecisionId"/> by appeal <paramref name="appealId"/>.</summary>
    public static string ReversalId(string overturnedDecisionId, string appealId) =>
        "d-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{ReversalRule}\0{appealId}\0{overturnedDecisionId}")))[..32];

    /// <summary>
    /// Records the reversal of an overturned decision in the caller's transaction: a decision of rule
    /// <see cref="ReversalRule"/> (enforce mode, decided by <paramref name="decidedBy"/>, <c>person:NAME</c>) whose actions are the reverses
    /// (<see cref="ReverseActions"/>) of the original's platform actions that are still in force on their targets, its
    /// audit entry, the status fold that lifts them, and the reverse actions in the outbox for every adapter. Returns the
    /// reversal's id and the outbox rows enqueued; recording the same reversal again changes nothing. Null when the
    /// original decision does not exist.
    /// </summary>
    public static async Task<(string DecisionId, int Enqueued)?> RecordReversalAsync(
        HavenStore store, DbConnection connection, DbTransaction transaction, string overturnedDecisionId, string appealId, long eventSeq, string decidedBy,
        IReadOnlyList<string> adapters, CancellationToken cancellationToken)
    {
        var original = await connection.QueryFirstOrDefaultAsync<DecisionRow>(new CommandDefinition(
            DecisionColumns + "WHERE decision_id = @id", new { id = overturnedDecisionId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (original is null)
        {
            return null;
        }

        if (store.Provider == StoreProvider.Postgres)
        {
            await connection.ExecuteAsync(new CommandDefinition(AdvisoryLocks.XactLockSql, new { key = AdvisoryLocks.DecisionLog }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        var record = original.ToRecord();
        var id = ReversalId(overturnedDecisionId, appealId);
        var reverses = new List<DecidedAction>();
        if (record.Mode == "enforce")
        {
            foreach (var action in record.Actions)
            {
                // Only what is still in force is lifted: an action lifted since (or never in force) needs no reverse.
                if (ReverseActions.Reverse(action.Action) is { } reverse &&
                    (await ReadStatusAsync(connection, transaction, action.Target, cancellationToken).ConfigureAwait(false))?.Actions.Contains(action.Action) == true)
                {
                    reverses.Add(new DecidedAction(reverse, "normal", action.Target));
                }
            }
        }

        var now = store.NowUnixMilliseconds;
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO decisions (decision_id, event_seq, rule_id, policy_version, mode, subject_kind, subject_id, account, actions, evidence, occurred_at, decided_at, decided_by) " +
            "VALUES (@id, @seq, @rule, @version, 'enforce', @kind, @subject, @account, @actions, @evidence, @now, @now, @decidedBy) ON CONFLICT (decision_id) DO NOTHING",
            new
            {
                id,
                seq = eventSeq,
                rule = ReversalRule,
                version = record.PolicyVersion,
                kind = record.SubjectKind,
                subject = record.SubjectId,
                account = record.Account,
                actions = JsonSerializer.Serialize(reverses, Json),
                evidence = JsonSerializer.Serialize(new { appealId, overturns = overturnedDecisionId }, Json),
                now,
                decidedBy,
            },
            transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (inserted == 0)
        {
            return (id, 0);
        }

        await AuditLog.AppendAsync(store, connection, transaction, "decision.recorded", $"{record.SubjectKind}:{record.SubjectId}",
            new { decisionId = id, rule = ReversalRule, overturns = overturnedDecisionId, appealId, mode = "enforce", actions = reverses.Select(a => $"{a.Action}@{a.Target}").ToArray() },
            cancellationToken).ConfigureAwait(false);
        var payload = new Dictionary<string, string>(StringComparer.Ordinal) { ["overturnsDecisionId"] = overturnedDecisionId, ["appealId"] = appealId };
        var enqueued = await ApplyActionsAsync(store, connection, transaction, new OutboxWriter(store), id, "enforce", reverses, adapters, cancellationToken, payload).ConfigureAwait(false);
        return (id, enqueued);
    }

    /// <summary>
    /// Records a decision a person made in review (a case confirmed in the review console, the API or the CLI), in the
    /// caller's transaction, exactly as <see cref="RecordAsync"/> records the policy's: log row (with
    /// <paramref name="decidedBy"/>), audit entry, status projection and outbox actions for every adapter. Idempotent on
    /// <paramref name="decisionId"/>: a second call records and enqueues nothing and returns false.
    /// </summary>
    public static async Task<(bool Recorded, int Enqueued)> RecordReviewedAsync(
        HavenStore store, DbConnection connection, DbTransaction transaction, string decisionId, string ruleId, string subjectKind, string subjectId, string account,
        IReadOnlyList<DecidedAction> actions, object evidence, string decidedBy, IReadOnlyList<string> adapters, CancellationToken cancellationToken)
    {
        if (store.Provider == StoreProvider.Postgres)
        {
            await connection.ExecuteAsync(new CommandDefinition(AdvisoryLocks.XactLockSql, new { key = AdvisoryLocks.DecisionLog }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        var now = store.NowUnixMilliseconds;
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO decisions (decision_id, event_seq, rule_id, policy_version, mode, subject_kind, subject_id, account, actions, evidence, occurred_at, decided_at, decided_by) " +
            "VALUES (@decisionId, 0, @ruleId, @version, 'enforce', @subjectKind, @subjectId, @account, @actions, @evidence, @now, @now, @decidedBy) ON CONFLICT (decision_id) DO NOTHING",
            new
            {
                decisionId,
                ruleId,
                version = ReviewPolicyVersion,
                subjectKind,
                subjectId,
                account,
                actions = JsonSerializer.Serialize(actions, Json),
                evidence = JsonSerializer.Serialize(evidence, Json),
                now,
                decidedBy,
            },
            transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (inserted == 0)
        {
            return (false, 0);
        }

        await AuditLog.AppendAsync(store, connection, transaction, "decision.recorded", $"{subjectKind}:{subjectId}",
            new { decisionId, rule = ruleId, policyVersion = ReviewPolicyVersion, mode = "enforce", actions = actions.Select(a => $"{a.Action}@{a.Target}").ToArray() },
            cancellationToken).ConfigureAwait(false);
        var enqueued = await ApplyActionsAsync(store, connection, transaction, new OutboxWriter(store), decisionId, "enforce", actions, adapters, cancellationToken).ConfigureAwait(false);
        return (true, enqueued);
    }

    /// <summary>The policy version recorded with decisions people made in review.</summary>
    public const string ReviewPolicyVersion = "review";

    /// <summary>The status of a target such as <c>account:a-1</c>, or null when no decision concerns it.</summary>
    public static async Task<SubjectStatus?> ReadStatusAsync(DbConnection connection, DbTransaction? transaction, string target, CancellationToken cancellationToken)
    {
        var (kind, id) = SplitTarget(target);
        var row = await connection.QueryFirstOrDefaultAsync<StatusRow>(new CommandDefinition(
            "SELECT subject_kind AS Kind, subject_id AS Id, status AS Status, actions AS Actions, shadow_actions AS ShadowActions, review_priority AS ReviewPriority, decisions AS Decisions, last_decision_id AS LastDecisionId " +
            "FROM subject_status WHERE subject_kind = @kind AND subject_id = @id",
            new { kind, id }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToStatus();
    }

    /// <summary>Every status row, optionally only of one kind, ordered by kind and id.</summary>
    public static async Task<IReadOnlyList<SubjectStatus>> ListStatusAsync(HavenStore store, string? kind = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<StatusRow>(new CommandDefinition(
            "SELECT subject_kind AS Kind, subject_id AS Id, status AS Status, actions AS Actions, shadow_actions AS ShadowActions, review_priority AS ReviewPriority, decisions AS Decisions, last_decision_id AS LastDecisionId " +
            "FROM subject_status" + (kind is null ? string.Empty : " WHERE subject_kind = @kind") + " ORDER BY subject_kind, subject_id",
            new { kind }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToStatus())];
    }

    /// <summary>Decisions in log order, optionally about one account (as subject or as the author of content) or after a log position.</summary>
    public static async Task<IReadOnlyList<DecisionRecord>> ReadAsync(HavenStore store, string? account = null, long afterN = 0, int limit = int.MaxValue, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<DecisionRow>(new CommandDefinition(
            DecisionColumns + "WHERE n > @afterN" + (account is null ? string.Empty : " AND account = @account") + " ORDER BY n LIMIT @limit",
            new { account, afterN, limit = (long)limit }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToRecord())];
    }

    /// <summary>One decision by id, or null.</summary>
    public static async Task<DecisionRecord?> FindAsync(HavenStore store, string decisionId, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QueryFirstOrDefaultAsync<DecisionRow>(new CommandDefinition(
            DecisionColumns + "WHERE decision_id = @decisionId", new { decisionId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToRecord();
    }

    /// <summary>The last <paramref name="count"/> decisions in log order (optionally about one account), and how many there are in all.</summary>
    public static async Task<(IReadOnlyList<DecisionRecord> Last, long Total)> ReadLastAsync(HavenStore store, int count, string? account = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var where = account is null ? string.Empty : "WHERE account = @account ";
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM decisions " + where, new { account }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var rows = await connection.QueryAsync<DecisionRow>(new CommandDefinition(
            DecisionColumns + where + "ORDER BY n DESC LIMIT @count", new { account, count = (long)count }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return ([.. rows.Select(r => r.ToRecord()).Reverse()], total);
    }

    private const string DecisionColumns =
        "SELECT n AS N, decision_id AS DecisionId, event_seq AS EventSeq, rule_id AS RuleId, policy_version AS PolicyVersion, mode AS Mode, subject_kind AS SubjectKind, " +
        "subject_id AS SubjectId, account AS Account, actions AS Actions, evidence AS Evidence, occurred_at AS OccurredAt, decided_at AS DecidedAt, decided_by AS DecidedBy FROM decisions ";

    /// <summary>
    /// Recomputes every status from the decision log alone, in a snapshot. The stored projection must equal it; a test
    /// and <c>haven status --verify</c> check that.
    /// </summary>
    public static async Task<IReadOnlyList<SubjectStatus>> ProjectFromLogAsync(HavenStore store, CancellationToken cancellationToken = default)
    {
        var statuses = new Dictionary<string, SubjectStatus>(StringComparer.Ordinal);
        foreach (var decision in await ReadAsync(store, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            foreach (var group in decision.Actions.GroupBy(a => a.Target, StringComparer.Ordinal))
            {
                statuses[group.Key] = StatusFold.Apply(statuses.GetValueOrDefault(group.Key), group.Key, decision.Mode, group.ToList(), decision.DecisionId);
            }
        }

        return [.. statuses.Values.OrderBy(s => s.Kind, StringComparer.Ordinal).ThenBy(s => s.Id, StringComparer.Ordinal)];
    }

    /// <summary><c>content</c> or <c>account</c>.</summary>
    public static string KindName(SubjectKind kind) => kind == SubjectKind.Account ? "account" : "content";

    /// <summary>Splits <c>kind:id</c>.</summary>
    public static (string Kind, string Id) SplitTarget(string target)
    {
        var colon = target.IndexOf(':', StringComparison.Ordinal);
        return (target[..colon], target[(colon + 1)..]);
    }

    // One decision's effect on the targets it names: the status fold, and for enforce decisions one outbox action per
    // platform action and adapter (a target already under the action needs no second call). Shared by the policy's
    // decisions and reviewed ones, so both enqueue the same payload shape.
    private static async Task<int> ApplyActionsAsync(
        HavenStore store, DbConnection connection, DbTransaction transaction, OutboxWriter outbox, string id, string mode, IReadOnlyList<DecidedAction> actions,
        IReadOnlyList<string> adapters, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? extraPayload = null)
    {
        var enqueued = 0;
        var now = store.NowUnixMilliseconds;
        foreach (var group in actions.GroupBy(a => a.Target, StringComparer.Ordinal))
        {
            var before = await ReadStatusAsync(connection, transaction, group.Key, cancellationToken).ConfigureAwait(false);
            var after = StatusFold.Apply(before, group.Key, mode, group.ToList(), id);
            await WriteStatusAsync(connection, transaction, after, now, cancellationToken).ConfigureAwait(false);
            if (mode != "enforce")
            {
                continue;
            }

            foreach (var action in group.Where(a => PlatformActions.Contains(a.Action) || ReverseActions.Lifts(a.Action) is not null))
            {
                // A target already under this action needs no second call (e.g. suspended by an earlier decision).
                // Reverses are chosen only for actions still in force, so they always go out.
                if (PlatformActions.Contains(action.Action) && before?.Actions.Contains(action.Action) == true)
                {
                    continue;
                }

                var payload = new Dictionary<string, string>(extraPayload ?? new Dictionary<string, string>(), StringComparer.Ordinal) { ["decisionId"] = id };
                var (targetKind, targetId) = SplitTarget(action.Target);
                payload[targetKind + "Id"] = targetId;
                foreach (var adapter in adapters)
                {
                    var actionId = adapters.Count == 1 ? $"{id}:{action.Action}" : $"{id}:{action.Action}@{adapter}";
                    if (await outbox.EnqueueAsync(connection, transaction, new OutboxAction(actionId, action.Action, payload, adapter), cancellationToken).ConfigureAwait(false))
                    {
                        enqueued++;
                    }
                }
            }
        }

        return enqueued;
    }

    private static Task WriteStatusAsync(DbConnection connection, DbTransaction transaction, SubjectStatus status, long now, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO subject_status (subject_kind, subject_id, status, actions, shadow_actions, review_priority, decisions, last_decision_id, updated_at) " +
            "VALUES (@Kind, @Id, @Status, @actions, @shadow, @ReviewPriority, @Decisions, @LastDecisionId, @now) " +
            "ON CONFLICT (subject_kind, subject_id) DO UPDATE SET status = excluded.status, actions = excluded.actions, shadow_actions = excluded.shadow_actions, " +
            "review_priority = excluded.review_priority, decisions = excluded.decisions, last_decision_id = excluded.last_decision_id, updated_at = excluded.updated_at",
            new
            {
                status.Kind,
                status.Id,
                status.Status,
                actions = string.Join(',', status.Actions),
                shadow = string.Join(',', status.ShadowActions),
                status.ReviewPriority,
                status.Decisions,
                status.LastDecisionId,
                now,
            },
            transaction, cancellationToken: cancellationToken));

    private sealed record StatusRow(string Kind, string Id, string Status, string Actions, string ShadowActions, string? ReviewPriority, long Decisions, string LastDecisionId)
    {
        public SubjectStatus ToStatus() => new(Kind, Id, Status, Split(Actions), Split(ShadowActions), ReviewPriority, Decisions, LastDecisionId);

        private static string[] Split(string list) => list.Length == 0 ? [] : list.Split(',');
    }

    private sealed record DecisionRow(long N, string DecisionId, long EventSeq, string RuleId, string PolicyVersion, string Mode, string SubjectKind, string SubjectId, string Account, string Actions, string Evidence, long OccurredAt, long DecidedAt, string? DecidedBy)
    {
        public DecisionRecord ToRecord() => new(
            N, DecisionId, EventSeq, RuleId, PolicyVersion, Mode, SubjectKind, SubjectId, Account,
            JsonSerializer.Deserialize<List<DecidedAction>>(Actions, Json) ?? [], Evidence,
            DateTimeOffset.FromUnixTimeMilliseconds(OccurredAt), DateTimeOffset.FromUnixTimeMilliseconds(DecidedAt), DecidedBy);
    }
}

/// <summary>
/// The status fold: the current status of a target is a pure function of the decisions about it, in log order. Used
/// both to update the projection as decisions are recorded and to recompute it from the log. A reverse action
/// (<see cref="ReverseActions"/>: <c>unsuspend_account</c>, <c>restore_content</c>, …) lifts the action it undoes.
/// </summary>
internal static class StatusFold
{
    private static readonly string[] ReviewActions = ["queue_review", "open_case", "escalate", "queue_mandatory_report"];

    private static readonly string[] Priorities = ["low", "normal", "high", "urgent"];

    /// <summary>The status after one decision's actions on <paramref name="target"/>.</summary>
    public static SubjectStatus Apply(SubjectStatus? before, string target, string mode, IReadOnlyList<DecidedAction> actions, string decisionId)
    {
        var (kind, id) = DecisionLog.SplitTarget(target);
        var inForce = new SortedSet<string>(before?.Actions ?? [], StringComparer.Ordinal);
        var shadow = new SortedSet<string>(before?.ShadowActions ?? [], StringComparer.Ordinal);
        var priority = before?.ReviewPriority;
        foreach (var action in actions)
        {
            if (mode == "enforce" && ReverseActions.Lifts(action.Action) is { } lifted)
            {
                // A reverse action (an overturned appeal) lifts the action it undoes and is not itself in force.
                inForce.Remove(lifted);
            }
            else if (mode == "enforce")
            {
                inForce.Add(action.Action);
                if (ReviewActions.Contains(action.Action) && Rank(action.Priority) > Rank(priority))
                {
                    priority = action.Priority;
                }
            }
            else
            {
                shadow.Add(action.Action);
            }
        }

        return new SubjectStatus(kind, id, StatusOf(kind, inForce), [.. inForce], [.. shadow], priority, (before?.Decisions ?? 0) + 1, decisionId);
    }

    private static string StatusOf(string kind, SortedSet<string> actions)
    {
        var inReview = ReviewActions.Any(actions.Contains);
        return kind switch
        {
            "account" => actions.Contains("suspend_account") ? "suspended" : actions.Contains("restrict_account") ? "restricted" : inReview ? "in_review" : "active",
            "community" => actions.Contains("close_community") ? "closed" : inReview ? "in_review" : "open",
            _ => actions.Contains("remove_content") ? "removed" : inReview ? "in_review" : "visible",
        };
    }

    private static int Rank(string? priority) => priority is null ? -1 : Array.IndexOf(Priorities, priority);
}
