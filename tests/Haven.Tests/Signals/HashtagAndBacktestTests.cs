using Haven.Policy;
using Haven.Signals;
using Haven.Storage;
using Haven.Testing;
using Haven.Tests.Storage;

namespace Haven.Tests.Signals;

public abstract class HashtagAndBacktestTests : PipelineSuite
{
    private const int Day = 24 * 60;

    /// <summary>
    /// #harbour stays clean; #lanternclub is used innocently in the first week and taken over in the second, when two
    /// thirds of its posts carry trade language. #glimmerfen is itself a lexicon hashtag: its hit must not flag the post.
    /// </summary>
    private async Task CoOptedHashtagAsync()
    {
        var lines = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            lines.Add(Post($"u-{i}", $"h1-{i}", text: "boats", hashtags: "\"harbour\"", minutes: (i * 300) + 1));
            lines.Add(Post($"u-{i}", $"l1-{i}", text: "lamps", hashtags: "\"LanternClub\"", minutes: (i * 300) + 2));
            lines.Add(Post($"u-{i}", $"g1-{i}", text: "fog", hashtags: "\"glimmerfen\"", minutes: (i * 300) + 3));
        }

        for (var i = 0; i < 30; i++)
        {
            lines.Add(Post($"u-{i}", $"h2-{i}", text: "boats", hashtags: "\"harbour\"", minutes: (7 * Day) + (i * 300) + 1));
            lines.Add(Post(i < 20 ? $"x-{i % 10}" : $"u-{i}", $"l2-{i}", text: i < 20 ? "lanternmoth" : "lamps", hashtags: "\"#lanternclub\"", minutes: (7 * Day) + (i * 300) + 2));
        }

        await IngestAsync([.. lines]);
        await Processor().RunAsync();
    }

    [StoreFact]
    public async Task A_hashtag_whose_flagged_share_rises_is_suggested_with_its_evidence()
    {
        await CoOptedHashtagAsync();
        var service = new HashtagService(Store);

        var (_, rising) = await service.SuggestAsync(new HashtagSuggestOptions(TimeSpan.FromDays(7)));

        var trend = Assert.Single(rising);
        Assert.Equal("lanternclub", trend.Tag);
        Assert.Equal((30, 20, 30, 0, 10), (trend.RecentPosts, trend.RecentFlagged, trend.PreviousPosts, trend.PreviousFlagged, trend.RecentFlaggedAccounts));
        Assert.Equal(2.0 / 3, trend.Rise, 6);
        Assert.False(trend.Watched);
        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM hashtag_uses WHERE tag = 'glimmerfen' AND flagged"));

        // Thresholds are honoured: a higher bar leaves nothing.
        Assert.Empty((await service.SuggestAsync(new HashtagSuggestOptions(TimeSpan.FromDays(7), MinRise: 0.7))).Rising);
        Assert.Empty((await service.SuggestAsync(new HashtagSuggestOptions(TimeSpan.FromDays(7), MinFlagged: 21))).Rising);
    }

    [StoreFact]
    public async Task One_use_dated_in_the_future_does_not_move_the_window_away_from_the_present()
    {
        await CoOptedHashtagAsync();
        var service = new HashtagService(Store);
        var before = await service.SuggestAsync(new HashtagSuggestOptions(TimeSpan.FromDays(7)));

        // As a store holds it when a far-future event got in before ingest checked times (now refused at ingest).
        await using (var connection = await Store.OpenConnectionAsync())
        await using (var insert = connection.CreateCommand())
        {
            insert.CommandText = "INSERT INTO hashtag_uses (tag, account, post_id, occurred_at, seq, flagged) VALUES ('harbour', 'z', 'future-post', 253402300799000, 999999, TRUE)";
            await insert.ExecuteNonQueryAsync();
        }

        var after = await service.SuggestAsync(new HashtagSuggestOptions(TimeSpan.FromDays(7)));
        Assert.Equal(before.At, after.At);
        Assert.True(after.At <= Time.GetUtcNow());
        Assert.Equal("lanternclub", Assert.Single(after.Rising).Tag);
        Assert.Equal(30L, Assert.Single(await WatchAndListAsync(service)).Posts);
    }

    private static async Task<IReadOnlyList<WatchedHashtag>> WatchAndListAsync(HashtagService service)
    {
        await service.WatchAsync("harbour", "control");
        return await service.ListAsync(TimeSpan.FromDays(7));
    }

    [StoreFact]
    public async Task The_watchlist_is_audited_and_shows_recent_counts()
    {
        await CoOptedHashtagAsync();
        var service = new HashtagService(Store);

        Assert.Equal("lanternclub", await service.WatchAsync("#LanternClub", "co-opted"));
        await service.WatchAsync("lanternclub", "co-opted, confirmed");
        var watched = Assert.Single(await service.ListAsync(TimeSpan.FromDays(7)));
        Assert.Equal(("lanternclub", "co-opted, confirmed", 30L, 20L), (watched.Tag, watched.Note, watched.Posts, watched.Flagged));
        Assert.True(Assert.Single((await service.SuggestAsync(new HashtagSuggestOptions(TimeSpan.FromDays(7)))).Rising).Watched);

        Assert.True(await service.UnwatchAsync("lanternclub"));
        Assert.False(await service.UnwatchAsync("lanternclub"));
        Assert.Empty(await service.ListAsync(TimeSpan.FromDays(7)));
        Assert.Equal(3, await CountAsync("SELECT COUNT(*) FROM audit_log WHERE subject = 'hashtag:lanternclub'"));
        Assert.Throws<ArgumentException>(() => HashtagService.Normalize("# "));
        Assert.Throws<ArgumentException>(() => HashtagService.Normalize("two words"));
    }

    [StoreFact]
    public async Task Backtest_of_the_same_policy_changes_nothing_and_of_a_candidate_reports_each_change()
    {
        await CoOptedHashtagAsync();
        var random = new Random(3);
        await IngestAsync(
            Post("owner-1", "photo-1", media: Photo(random), minutes: 20 * Day),
            Post("sol-1", "r-1", text: "zephyrquill", replyTo: "photo-1", minutes: (20 * Day) + 1),
            Post("bad-1", "p-bad", media: $"{{\"hashes\":{{\"pdq\":\"{KnownPdq}\",\"quality\":90}}}}", minutes: (20 * Day) + 2));
        await Processor().RunAsync();

        var same = await PolicyBacktest.RunAsync(Store, DefaultPolicy());
        Assert.Equal(0, same.GainedCount);
        Assert.Equal(0, same.LostCount);
        Assert.Equal(20, same.Rules.Single(r => r.RuleId == "text.trade-request").Subjects);
        Assert.All(same.Rules, r => Assert.Equal(0, r.NewSubjects));
        Assert.Equal(await CountAsync("SELECT COUNT(*) FROM signal_sets"), same.SignalSets);

        // Candidate: trade requests no longer queued; sexualising text queued for review.
        var json = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "policies", "default.policy.json"))
            .Replace("\"categories\": [\"trade_request\"], \"minWeight\": 1.0", "\"categories\": [\"sexualising\"], \"minWeight\": 1.0", StringComparison.Ordinal)
            .Replace("\"version\": \"2026-11-25.1\"", "\"version\": \"candidate.2\"", StringComparison.Ordinal);
        var candidate = PolicyLoader.Load(json);
        Assert.True(candidate.IsSuccess);

        var report = await PolicyBacktest.RunAsync(Store, candidate.Value);

        Assert.Equal("candidate.2", report.CandidateVersion);
        Assert.Equal(["2026-11-25.1"], report.RecordedVersions);
        Assert.Equal(1, report.Rules.Single(r => r.RuleId == "text.trade-request").Subjects);
        Assert.Equal(1, report.Rules.Single(r => r.RuleId == "text.trade-request").NewSubjects);
        Assert.Equal(["content:r-1"], report.Gained);
        Assert.Equal(20, report.LostCount);
        var review = report.Actions.Single(a => a.Action == "queue_review");
        Assert.Equal(-19, review.Change);
        Assert.Equal(0, report.Actions.Single(a => a.Action == "suspend_account").Change);
    }
}

public sealed class SqliteHashtagAndBacktestTests : HashtagAndBacktestTests
{
    internal override StoreProvider Provider => StoreProvider.Sqlite;
}

[PostgresSuite]
public sealed class PostgresHashtagAndBacktestTests : HashtagAndBacktestTests
{
    internal override StoreProvider Provider => StoreProvider.Postgres;
}
