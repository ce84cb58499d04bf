using System.Data.Common;
using System.Text.Json;
using Dapper;
using Haven.Audit;
using Haven.Policy;
using Haven.Storage;

namespace Haven.Appeals;

/// <summary>The fields of an <c>appeal.created</c> event that intake uses; the appellant's text is deliberately absent.</summary>
/// <param name="EventSeq">The event's log position.</param>
/// <param name="Account">The appealing account (the event's <c>actor</c>).</param>
/// <param name="PlatformAppealId">The platform's id for the appeal (<c>appeal.id</c>).</param>
/// <param name="DecisionId">The contested decision, or null when <paramref name="ActionId"/> is given.</param>
/// <param name="ActionId">The contested outbox action, or null when <paramref name="DecisionId"/> is given.</param>
/// <param name="Reason">The platform's short reason code, or null.</param>
internal sealed record AppealRequest(long EventSeq, string Account, DateTimeOffset OccurredAt, string PlatformAppealId, string? DecisionId, string? ActionId, string? Reason);

/// <summary>
/// Records <c>appeal.created</c> events as appeals, in the signals stage's batch transaction (docs/appeals.md). An
/// appeal that cannot stand (unknown decision or action, an account the decision does not concern, a shadow decision)
/// is recorded as <c>rejected</c> with a code, never thrown or set aside; an appeal against a decision that already
/// has an open one joins it. Re-processing an event changes nothing.
/// </summary>
internal static class AppealIntake
{
    /// <summary>The appeal id of the appeal first opened by the event at <paramref name="eventSeq"/>.</summary>
    public static string AppealId(long eventSeq) => "ap-" + eventSeq.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Records <paramref name="request"/> in the caller's transaction; see the type's summary.</summary>
    public static async Task<AppealIntakeResult> RecordAsync(HavenStore store, DbConnection connection, DbTransaction transaction, AppealRequest request, CancellationToken cancellationToken)
    {
        var known = await connection.QueryFirstOrDefaultAsync<string>(new CommandDefinition(
            "SELECT appeal_id FROM appeal_requests WHERE event_seq = @seq", new { seq = request.EventSeq }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (known is not null)
        {
            return new AppealIntakeResult(known, "duplicate", null);
        }

        var decisionId = request.DecisionId;
        string? rejected = null;
        if (request.ActionId is { } actionId)
        {
            var payload = await connection.QueryFirstOrDefaultAsync<string>(new CommandDefinition(
                "SELECT payload FROM outbox WHERE action_id = @actionId", new { actionId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            decisionId = payload is null ? null : DecisionOfPayload(payload);
            rejected = decisionId is null ? AppealRejections.ActionNotFound : null;
        }

        var decision = decisionId is null ? null : await connection.QueryFirstOrDefaultAsync<DecisionRow>(new CommandDefinition(
            "SELECT decision_id AS DecisionId, rule_id AS RuleId, mode AS Mode, subject_kind AS SubjectKind, subject_id AS SubjectId, account AS Account, decided_by AS DecidedBy " +
            "FROM decisions WHERE decision_id = @decisionId", new { decisionId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        string? open = null;
        if (rejected is null && decision is null)
        {
            rejected = request.ActionId is null ? AppealRejections.DecisionNotFound : AppealRejections.ActionNotFound;
        }
        else if (decision is not null)
        {
            rejected = decision.RuleId == DecisionLog.ReversalRule ? AppealRejections.NotAppealable
                : decision.Mode != "enforce" ? AppealRejections.NotEnforced
                : !string.Equals(decision.Account, request.Account, StringComparison.Ordinal) ? AppealRejections.NotConcerned
                : null;
            if (rejected is null)
            {
                var earlier = (await connection.QueryAsync<(string AppealId, string Status)>(new CommandDefinition(
                    "SELECT appeal_id, status FROM appeals WHERE decision_id = @decisionId AND status <> 'rejected' ORDER BY n",
                    new { decisionId = decision.DecisionId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
                open = earlier.FirstOrDefault(a => a.Status == AppealStatuses.Open).AppealId;
                rejected = open is null && earlier.Count > 0 ? AppealRejections.AlreadyDecided : null;
            }
        }

        var now = store.NowUnixMilliseconds;
        var appealId = open ?? AppealId(request.EventSeq);
        if (open is null)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO appeals (appeal_id, event_seq, platform_appeal_id, account, contested_decision_id, contested_action_id, decision_id, rule_id, subject_kind, subject_id, " +
                "reason, status, rejected_code, original_decided_by, version, occurred_at, created_at, updated_at) " +
                "VALUES (@appealId, @seq, @platformId, @account, @contestedDecision, @contestedAction, @decisionId, @rule, @kind, @subject, @reason, @status, @rejected, @decidedBy, 1, @occurred, @now, @now)",
                new
                {
                    appealId,
                    seq = request.EventSeq,
                    platformId = request.PlatformAppealId,
                    account = request.Account,
                    contestedDecision = request.DecisionId,
                    contestedAction = request.ActionId,
                    decisionId = decision?.DecisionId,
                    rule = decision?.RuleId,
                    kind = decision?.SubjectKind,
                    subject = decision?.SubjectId,
                    reason = request.Reason,
                    status = rejected is null ? AppealStatuses.Open : AppealStatuses.Rejected,
                    rejected,
                    decidedBy = DeciderName(decision?.DecidedBy),
                    occurred = request.OccurredAt.ToUnixTimeMilliseconds(),
                    now,
                },
                transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        else
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE appeals SET updated_at = @now WHERE appeal_id = @appealId", new { appealId, now }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO appeal_requests (event_seq, appeal_id, platform_appeal_id, account, occurred_at) VALUES (@seq, @appealId, @platformId, @account, @occurred)",
            new { seq = request.EventSeq, appealId, platformId = request.PlatformAppealId, account = request.Account, occurred = request.OccurredAt.ToUnixTimeMilliseconds() },
            transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var status = rejected is not null ? AppealStatuses.Rejected : open is not null ? "joined" : AppealStatuses.Open;
        await AuditLog.AppendAsync(store, connection, transaction, "appeal.received", AppealService.Subject(appealId),
            new { appealId, eventSeq = request.EventSeq, decisionId = decision?.DecisionId, status, code = rejected }, cancellationToken).ConfigureAwait(false);
        return new AppealIntakeResult(appealId, status, rejected);
    }

    /// <summary>The person's name in <c>decisions.decided_by</c> (<c>person:NAME</c>), or <see cref="AppealService.PolicyDecider"/> when the policy decided alone.</summary>
    private static string DeciderName(string? decidedBy) =>
        decidedBy is null ? AppealService.PolicyDecider : decidedBy.StartsWith("person:", StringComparison.Ordinal) ? decidedBy["person:".Length..] : decidedBy;

    /// <summary>The <c>decisionId</c> of an outbox payload, or null.</summary>
    private static string? DecisionOfPayload(string payload)
    {
        using var document = JsonDocument.Parse(payload);
        return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("decisionId", out var id) && id.ValueKind == JsonValueKind.String
            ? id.GetString()
            : null;
    }

    private sealed record DecisionRow(string DecisionId, string RuleId, string Mode, string SubjectKind, string SubjectId, string Account, string? DecidedBy);
}
