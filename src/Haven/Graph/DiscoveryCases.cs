using Dapper;
using Haven.Policy;
using Haven.Storage;

namespace Haven.Graph;

/// <summary>
/// Feeds discovered accounts to the policy: each candidate becomes an account signal set with the counters
/// <c>network_discovered</c> (1), <c>network_rank</c>, <c>network_hops</c> and one <c>network_role_ROLE</c> per role,
/// evaluated and recorded like any other (decision log, status, audit, outbox) in one transaction. The policy decides
/// what follows; counters alone can only open cases or queue review (the validator's invariant), never ban.
/// </summary>
internal static class DiscoveryCases
{
    /// <summary>Counter set on every discovered account.</summary>
    public const string Discovered = SignalVocabulary.NetworkDiscovered;

    /// <summary>Evaluates and records; returns decisions recorded and actions enqueued.</summary>
    public static async Task<(int Recorded, int Enqueued)> FeedAsync(HavenStore store, PolicyEngine policy, DiscoveryResult result, IReadOnlyList<string> adapters, CancellationToken cancellationToken = default)
    {
        var recorded = 0;
        var enqueued = 0;
        var now = store.Time.GetUtcNow();

        // Signal sets of a discovery run are keyed by a negative position (event positions are positive), one per run,
        // so every run's inputs are kept for backtests.
        var run = -now.ToUnixTimeMilliseconds();
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await store.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var decided = new DecisionTally();
        foreach (var candidate in result.Candidates)
        {
            var counters = new Dictionary<string, long>(StringComparer.Ordinal)
            {
                [Discovered] = 1,
                [SignalVocabulary.NetworkRank] = candidate.Rank,
                [SignalVocabulary.NetworkHops] = candidate.Hops,
            };
            foreach (var role in candidate.Roles)
            {
                counters[SignalVocabulary.NetworkRoleCounter(role)] = 1;
            }

            var set = new SignalSet(SubjectKind.Account, candidate.Account, counters: counters);
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO signal_sets (event_seq, subject_kind, subject_id, account, occurred_at, body) VALUES (@run, 'account', @id, @id, @at, @body) " +
                "ON CONFLICT (event_seq, subject_kind, subject_id) DO NOTHING",
                new { run, id = candidate.Account, at = now.ToUnixTimeMilliseconds(), body = SignalSetFile.Serialize(set) }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            var decisions = policy.Evaluate(set);
            if (decisions.Count > 0)
            {
                var (r, e) = await DecisionLog.RecordAsync(store, connection, transaction, decisions, new DecisionContext(run, now, candidate.Account, null), adapters, cancellationToken, decided).ConfigureAwait(false);
                recorded += r;
                enqueued += e;
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        decided.ReportCommitted();
        return (recorded, enqueued);
    }
}
