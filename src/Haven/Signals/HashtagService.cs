using Dapper;
using Haven.Audit;
using Haven.Storage;

namespace Haven.Signals;

/// <summary>A hashtag on the watchlist and its recent use.</summary>
internal sealed record WatchedHashtag(string Tag, string Note, DateTimeOffset AddedAt, long Posts, long Flagged);

/// <summary>
/// One hashtag's use in two adjacent windows: posts carrying it and how many of those were flagged (a bank match or a
/// lexicon hit in the post's own text; a hit on the hashtag alone does not count, or a watched tag would flag itself).
/// </summary>
internal sealed record HashtagTrend(
    string Tag, long RecentPosts, long RecentFlagged, long PreviousPosts, long PreviousFlagged, long RecentFlaggedAccounts, bool Watched)
{
    /// <summary>Flagged share in the recent window.</summary>
    public double RecentShare => RecentPosts == 0 ? 0 : (double)RecentFlagged / RecentPosts;

    /// <summary>Flagged share in the window before it.</summary>
    public double PreviousShare => PreviousPosts == 0 ? 0 : (double)PreviousFlagged / PreviousPosts;

    /// <summary>How much the flagged share rose (percentage points as a fraction).</summary>
    public double Rise => RecentShare - PreviousShare;
}

/// <summary>What counts as a rising hashtag.</summary>
/// <param name="At">End of the recent window; null: the latest hashtag use in the store that is not in the future (event time, so replays agree; never past the clock).</param>
internal sealed record HashtagSuggestOptions(TimeSpan Window, int MinPosts = 20, int MinFlagged = 5, double MinRise = 0.10, DateTimeOffset? At = null, int Top = 20);

/// <summary>
/// The hashtag watchlist and per-hashtag counts over sliding windows (DESIGN §1: "an investigation that began with a
/// search of one hashtag"). Watch-list changes are audited. Counting reads <c>hashtag_uses</c>, written by the signal
/// processor for every post.
/// </summary>
internal sealed class HashtagService(HavenStore store)
{
    /// <summary>Adds a hashtag to the watchlist (idempotent; the note is updated).</summary>
    public async Task<string> WatchAsync(string tag, string? note, CancellationToken cancellationToken = default)
    {
        var normalized = Normalize(tag);
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await store.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO hashtag_watchlist (tag, note, added_at) VALUES (@normalized, @note, @now) ON CONFLICT (tag) DO UPDATE SET note = excluded.note",
            new { normalized, note = note ?? string.Empty, now = store.NowUnixMilliseconds }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await AuditLog.AppendAsync(store, connection, transaction, "hashtag.watched", "hashtag:" + normalized, new { }, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return normalized;
    }

    /// <summary>Removes a hashtag from the watchlist; false when it was not on it.</summary>
    public async Task<bool> UnwatchAsync(string tag, CancellationToken cancellationToken = default)
    {
        var normalized = Normalize(tag);
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await store.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var removed = await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM hashtag_watchlist WHERE tag = @normalized", new { normalized }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (removed > 0)
        {
            await AuditLog.AppendAsync(store, connection, transaction, "hashtag.unwatched", "hashtag:" + normalized, new { }, cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return removed > 0;
    }

    /// <summary>The watchlist with each tag's posts and flagged posts in the last <paramref name="window"/> (event time).</summary>
    public async Task<IReadOnlyList<WatchedHashtag>> ListAsync(TimeSpan window, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var at = await LatestAsync(connection, cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(string Tag, string Note, long AddedAt, long Posts, long? Flagged)>(new CommandDefinition(
            "SELECT w.tag, w.note, w.added_at, COUNT(u.post_id), SUM(CASE WHEN u.flagged THEN 1 ELSE 0 END) FROM hashtag_watchlist w " +
            "LEFT JOIN hashtag_uses u ON u.tag = w.tag AND u.occurred_at > @since AND u.occurred_at <= @at GROUP BY w.tag, w.note, w.added_at ORDER BY w.tag",
            new { since = at - (long)window.TotalMilliseconds, at }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => new WatchedHashtag(r.Tag, r.Note, DateTimeOffset.FromUnixTimeMilliseconds(r.AddedAt), r.Posts, r.Flagged ?? 0))];
    }

    /// <summary>The watched tags, normalised.</summary>
    public async Task<IReadOnlySet<string>> WatchedAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<string>(new CommandDefinition("SELECT tag FROM hashtag_watchlist", cancellationToken: cancellationToken)).ConfigureAwait(false))
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Every hashtag's counts in the recent window and the one before it, ordered by rise; only those passing the options' thresholds.</summary>
    public async Task<(DateTimeOffset At, IReadOnlyList<HashtagTrend> Rising)> SuggestAsync(HashtagSuggestOptions options, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var at = options.At?.ToUnixTimeMilliseconds() ?? await LatestAsync(connection, cancellationToken).ConfigureAwait(false);
        var window = (long)options.Window.TotalMilliseconds;
        var rows = await connection.QueryAsync<(string Tag, long? RecentPosts, long? RecentFlagged, long? PreviousPosts, long? PreviousFlagged, long RecentAccounts, long Watched)>(new CommandDefinition(
            "SELECT u.tag, " +
            "SUM(CASE WHEN u.occurred_at > @mid THEN 1 ELSE 0 END), " +
            "SUM(CASE WHEN u.occurred_at > @mid AND u.flagged THEN 1 ELSE 0 END), " +
            "SUM(CASE WHEN u.occurred_at <= @mid THEN 1 ELSE 0 END), " +
            "SUM(CASE WHEN u.occurred_at <= @mid AND u.flagged THEN 1 ELSE 0 END), " +
            "COUNT(DISTINCT CASE WHEN u.occurred_at > @mid AND u.flagged THEN u.account END), " +
            "MAX(CASE WHEN w.tag IS NULL THEN 0 ELSE 1 END) " +
            "FROM hashtag_uses u LEFT JOIN hashtag_watchlist w ON w.tag = u.tag " +
            "WHERE u.occurred_at > @start AND u.occurred_at <= @at GROUP BY u.tag",
            new { at, mid = at - window, start = at - (2 * window) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var rising = rows
            .Select(r => new HashtagTrend(r.Tag, r.RecentPosts ?? 0, r.RecentFlagged ?? 0, r.PreviousPosts ?? 0, r.PreviousFlagged ?? 0, r.RecentAccounts, r.Watched == 1))
            .Where(t => t.RecentPosts >= options.MinPosts && t.RecentFlagged >= options.MinFlagged && t.Rise >= options.MinRise)
            .OrderByDescending(t => t.Rise).ThenByDescending(t => t.RecentFlagged).ThenBy(t => t.Tag, StringComparer.Ordinal)
            .Take(options.Top)
            .ToList();
        return (DateTimeOffset.FromUnixTimeMilliseconds(at), rising);
    }

    /// <summary>A hashtag as stored: no leading '#', trimmed, lower case; refuses empty and over-long tags.</summary>
    public static string Normalize(string tag)
    {
        var normalized = EventFields.NormalizeHashtag(tag ?? string.Empty);
        return normalized.Length is > 0 and <= 256 && !normalized.Any(char.IsWhiteSpace)
            ? normalized
            : throw new ArgumentException("A hashtag is 1–256 characters without spaces, e.g. #lanternclub.", nameof(tag));
    }

    /// <summary>
    /// Where windows end by default: the latest hashtag use that is not in the future, so a replay of past activity
    /// still sees its own windows, while an event dated ahead of the clock (accepted within the ingest skew, or stored
    /// before times were checked) can never move the window into the future and blind it.
    /// </summary>
    private async Task<long> LatestAsync(System.Data.Common.DbConnection connection, CancellationToken cancellationToken)
    {
        var now = store.NowUnixMilliseconds;
        var latest = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT MAX(occurred_at) FROM hashtag_uses WHERE occurred_at <= @now", new { now }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return latest ?? now;
    }
}
