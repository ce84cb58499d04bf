using System.Data.Common;
using Dapper;
using Haven.Storage;

namespace Haven.Policy;

/// <summary>
/// A person's verdict on what a rule decided: a reviewer confirmed it or dismissed it as a false positive, or an appeal
/// against it was upheld or overturned. Labels are how a policy learns from review: <c>policy backtest</c> reports them
/// per rule.
/// </summary>
/// <param name="RuleId">The rule whose decision was judged.</param>
/// <param name="Label">One of <see cref="RuleLabels.Confirmed"/>, <see cref="RuleLabels.FalsePositive"/>, <see cref="RuleLabels.Upheld"/>, <see cref="RuleLabels.Overturned"/>.</param>
/// <param name="SubjectKind">Kind of the decision's subject (<c>account</c>, <c>content</c>, …).</param>
/// <param name="SubjectId">The subject's id.</param>
/// <param name="DecisionId">The decision judged, when known.</param>
/// <param name="CaseId">The case it was judged in, if any.</param>
/// <param name="AppealId">The appeal it was judged in, if any.</param>
/// <param name="Actor">Who judged (<c>person:NAME</c>).</param>
internal sealed record RuleLabel(string RuleId, string Label, string SubjectKind, string SubjectId, string? DecisionId, string? CaseId, string? AppealId, string Actor);

/// <summary>Label counts of one rule.</summary>
internal sealed record RuleLabelCounts(string RuleId, long Confirmed, long FalsePositives, long Upheld, long Overturned)
{
    /// <summary>False positives among reviewed decisions (confirmed + dismissed), or null when none was reviewed.</summary>
    public double? FalsePositiveRate => Confirmed + FalsePositives == 0 ? null : (double)FalsePositives / (Confirmed + FalsePositives);

    /// <summary>Overturned among decided appeals, or null when no appeal was decided.</summary>
    public double? OverturnRate => Upheld + Overturned == 0 ? null : (double)Overturned / (Upheld + Overturned);
}

/// <summary>The <c>rule_labels</c> table: append-only, written in the transaction of the review or appeal that made the label.</summary>
internal static class RuleLabels
{
    /// <summary>A reviewer confirmed the rule's decision.</summary>
    public const string Confirmed = "confirmed";

    /// <summary>A reviewer dismissed the case the rule opened: the rule fired on something that was not abuse.</summary>
    public const string FalsePositive = "false_positive";

    /// <summary>An appeal against the rule's decision was decided and the decision stands.</summary>
    public const string Upheld = "upheld";

    /// <summary>An appeal against the rule's decision was decided and the decision was reversed.</summary>
    public const string Overturned = "overturned";

    /// <summary>Every label.</summary>
    public static IReadOnlyList<string> All { get; } = [Confirmed, FalsePositive, Upheld, Overturned];

    /// <summary>Appends <paramref name="label"/> in the caller's transaction.</summary>
    public static Task AddAsync(HavenStore store, DbConnection connection, DbTransaction transaction, RuleLabel label, CancellationToken cancellationToken = default)
    {
        if (!All.Contains(label.Label, StringComparer.Ordinal))
        {
            throw new ArgumentException($"Unknown rule label '{label.Label}'.", nameof(label));
        }

        return connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO rule_labels (rule_id, label, subject_kind, subject_id, decision_id, case_id, appeal_id, actor, at) " +
            "VALUES (@RuleId, @Label, @SubjectKind, @SubjectId, @DecisionId, @CaseId, @AppealId, @Actor, @at)",
            new { label.RuleId, label.Label, label.SubjectKind, label.SubjectId, label.DecisionId, label.CaseId, label.AppealId, label.Actor, at = store.NowUnixMilliseconds },
            transaction, cancellationToken: cancellationToken));
    }

    /// <summary>Label counts per rule, for every rule that has a label, ordered by rule id.</summary>
    public static async Task<IReadOnlyList<RuleLabelCounts>> CountsAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken = default)
    {
        var rows = await connection.QueryAsync<(string Rule, string Label, long Count)>(new CommandDefinition(
            "SELECT rule_id, label, COUNT(*) FROM rule_labels GROUP BY rule_id, label", transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.GroupBy(r => r.Rule, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new RuleLabelCounts(
                g.Key,
                g.Where(r => r.Label == Confirmed).Sum(r => r.Count),
                g.Where(r => r.Label == FalsePositive).Sum(r => r.Count),
                g.Where(r => r.Label == Upheld).Sum(r => r.Count),
                g.Where(r => r.Label == Overturned).Sum(r => r.Count)))];
    }

    /// <summary>Label counts per rule from a fresh connection.</summary>
    public static async Task<IReadOnlyList<RuleLabelCounts>> CountsAsync(HavenStore store, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await CountsAsync(connection, null, cancellationToken).ConfigureAwait(false);
    }
}
