using System.Data.Common;
using Dapper;
using Haven.Policy;

namespace Haven.Signals;

/// <summary>
/// Per-account counters the policy reads (<c>counter</c> conditions), computed at the time of the event that changed
/// them, over event time rather than wall-clock time, so a replay of the same events gives the same numbers.
/// </summary>
internal static class AccountCounters
{
    // The names live in Policy/SignalVocabulary, which the policy validator checks counter conditions against.
    /// <inheritdoc cref="SignalVocabulary.SexualisingOwners24h"/>
    public const string SexualisingOwners24h = SignalVocabulary.SexualisingOwners24h;

    /// <inheritdoc cref="SignalVocabulary.SexualisingOwners7d"/>
    public const string SexualisingOwners7d = SignalVocabulary.SexualisingOwners7d;

    /// <inheritdoc cref="SignalVocabulary.SexualisingOwners30d"/>
    public const string SexualisingOwners30d = SignalVocabulary.SexualisingOwners30d;

    /// <inheritdoc cref="SignalVocabulary.SexualisingReplies7d"/>
    public const string SexualisingReplies7d = SignalVocabulary.SexualisingReplies7d;

    /// <inheritdoc cref="SignalVocabulary.TradeRequests7d"/>
    public const string TradeRequests7d = SignalVocabulary.TradeRequests7d;

    /// <inheritdoc cref="SignalVocabulary.TradeRequestOwners7d"/>
    public const string TradeRequestOwners7d = SignalVocabulary.TradeRequestOwners7d;

    /// <inheritdoc cref="SignalVocabulary.SexualisingEngagement"/>
    public const string SexualisingEngagement = SignalVocabulary.SexualisingEngagement;

    /// <inheritdoc cref="SignalVocabulary.TradeRequest"/>
    public const string TradeRequest = SignalVocabulary.TradeRequest;

    /// <summary>Every account counter name, for docs and validation.</summary>
    public static IReadOnlyList<string> AccountNames => SignalVocabulary.AccountCounters;

    private const long Day = 86_400_000;

    private const string Sexualising = $"kind = '{EngagementKinds.Sexualising}'";
    private const string Trade = $"kind = '{EngagementKinds.Trade}'";

    // One pass over the account's last 30 days of engagements (ContextSignals writes them) for every counter.
    private const string CountersSql =
        "SELECT " +
        $"COUNT(DISTINCT CASE WHEN {Sexualising} AND occurred_at > @d1 THEN owner END), " +
        $"COUNT(DISTINCT CASE WHEN {Sexualising} AND occurred_at > @d7 THEN owner END), " +
        $"COUNT(DISTINCT CASE WHEN {Sexualising} THEN owner END), " +
        $"SUM(CASE WHEN {Sexualising} AND occurred_at > @d7 THEN 1 ELSE 0 END), " +
        $"SUM(CASE WHEN {Trade} AND occurred_at > @d7 THEN 1 ELSE 0 END), " +
        $"COUNT(DISTINCT CASE WHEN {Trade} AND occurred_at > @d7 THEN owner END) " +
        "FROM engagements WHERE account = @account AND occurred_at > @d30 AND occurred_at <= @at";

    /// <summary>The account's counters as of <paramref name="at"/> (Unix ms), reading engagements recorded so far in the caller's transaction.</summary>
    public static async Task<Dictionary<string, long>> ComputeAsync(DbConnection connection, DbTransaction transaction, string account, long at, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleAsync<(long Owners24h, long Owners7d, long Owners30d, long? Replies7d, long? Trades7d, long TradeOwners7d)>(new CommandDefinition(
            CountersSql,
            new { account, at, d1 = at - Day, d7 = at - (7 * Day), d30 = at - (30 * Day) },
            transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var counters = new Dictionary<string, long>(StringComparer.Ordinal)
        {
            [SexualisingOwners24h] = row.Owners24h,
            [SexualisingOwners7d] = row.Owners7d,
            [SexualisingOwners30d] = row.Owners30d,
            [SexualisingReplies7d] = row.Replies7d ?? 0,
            [TradeRequests7d] = row.Trades7d ?? 0,
            [TradeRequestOwners7d] = row.TradeOwners7d,
        };
        foreach (var zero in counters.Where(c => c.Value == 0).Select(c => c.Key).ToList())
        {
            counters.Remove(zero);
        }

        return counters;
    }
}
