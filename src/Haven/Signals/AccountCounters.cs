using System.Data.Common;
using Dapper;

namespace Haven.Signals;

/// <summary>
/// Per-account counters the policy reads (<c>counter</c> conditions), computed at the time of the event that changed
/// them, over event time rather than wall-clock time, so a replay of the same events gives the same numbers.
/// </summary>
internal static class AccountCounters
{
    /// <summary>Distinct owners of photos the account replied to with sexualising, age-reference or trade language, last 24 hours.</summary>
    public const string SexualisingOwners24h = "sexualising_replies_distinct_owners_24h";

    /// <summary>The same over 7 days (the default policy's rule).</summary>
    public const string SexualisingOwners7d = "sexualising_replies_distinct_owners_7d";

    /// <summary>The same over 30 days.</summary>
    public const string SexualisingOwners30d = "sexualising_replies_distinct_owners_30d";

    /// <summary>Sexualising replies on other people's photos, last 7 days.</summary>
    public const string SexualisingReplies7d = "sexualising_replies_7d";

    /// <summary>Posts with trade-request or solicitation language, last 7 days.</summary>
    public const string TradeRequests7d = "trade_requests_7d";

    /// <summary>Distinct accounts addressed by those trade or solicitation requests (replies), last 7 days.</summary>
    public const string TradeRequestOwners7d = "trade_requests_distinct_owners_7d";

    /// <summary>Counter on a content signal set: this post is a sexualising engagement (a reply or quote on someone's photo).</summary>
    public const string SexualisingEngagement = "sexualising_engagement";

    /// <summary>Counter on a content signal set: this post asks to trade or solicits.</summary>
    public const string TradeRequest = "trade_request";

    /// <summary>Every account counter name, for docs and validation.</summary>
    public static IReadOnlyList<string> AccountNames { get; } =
        [SexualisingOwners24h, SexualisingOwners7d, SexualisingOwners30d, SexualisingReplies7d, TradeRequests7d, TradeRequestOwners7d];

    private const long Day = 86_400_000;

    /// <summary>The account's counters as of <paramref name="at"/> (Unix ms), reading engagements recorded so far in the caller's transaction.</summary>
    public static async Task<Dictionary<string, long>> ComputeAsync(DbConnection connection, DbTransaction transaction, string account, long at, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleAsync<(long Owners24h, long Owners7d, long Owners30d, long? Replies7d, long? Trades7d, long TradeOwners7d)>(new CommandDefinition(
            "SELECT " +
            "COUNT(DISTINCT CASE WHEN kind = 'sexualising' AND occurred_at > @d1 THEN owner END), " +
            "COUNT(DISTINCT CASE WHEN kind = 'sexualising' AND occurred_at > @d7 THEN owner END), " +
            "COUNT(DISTINCT CASE WHEN kind = 'sexualising' THEN owner END), " +
            "SUM(CASE WHEN kind = 'sexualising' AND occurred_at > @d7 THEN 1 ELSE 0 END), " +
            "SUM(CASE WHEN kind = 'trade' AND occurred_at > @d7 THEN 1 ELSE 0 END), " +
            "COUNT(DISTINCT CASE WHEN kind = 'trade' AND occurred_at > @d7 THEN owner END) " +
            "FROM engagements WHERE account = @account AND occurred_at > @d30 AND occurred_at <= @at",
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
