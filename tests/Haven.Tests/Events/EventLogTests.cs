using Haven.Events;
using Haven.Storage;
using Haven.Tests.Storage;

namespace Haven.Tests.Events;

public abstract class EventLogTests : StoreSuite
{
    private EventLog Log => new(Store);

    internal static string Follow(int i, string actor = "a") =>
        $"{{\"id\":\"evt-{i}\",\"type\":\"follow.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"{actor}{i}\",\"target\":\"t{i}\"}}";

    [StoreFact]
    public async Task A_batch_is_stored_and_a_resend_is_reported_as_duplicate_with_the_same_position()
    {
        var lines = Enumerable.Range(0, 50).Select(i => Follow(i)).ToList();
        var first = await Log.IngestAsync(lines);
        Assert.All(first, r => Assert.Equal(IngestStatus.Accepted, r.Status));
        Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), first.Select(r => r.Line));

        var again = await Log.IngestAsync(lines);
        Assert.All(again, r => Assert.Equal(IngestStatus.Duplicate, r.Status));
        Assert.Equal(first.Select(r => r.Seq), again.Select(r => r.Seq));
        Assert.Equal(50, await Log.CountAsync());
    }

    [StoreFact]
    public async Task Bad_lines_are_reported_and_the_rest_of_the_batch_is_kept()
    {
        var results = await Log.IngestAsync([Follow(1), "{not json", "", Follow(2), "{\"id\":\"u\",\"type\":\"nope\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"a\"}"], firstLine: 101);
        Assert.Equal([101L, 102, 104, 105], results.Select(r => r.Line));
        Assert.Equal([IngestStatus.Accepted, IngestStatus.Error, IngestStatus.Accepted, IngestStatus.Error], results.Select(r => r.Status));
        Assert.Contains("unknown event type", results[3].Error);
        Assert.Equal(2, await Log.CountAsync());
    }

    [StoreFact]
    public async Task A_line_with_a_lone_surrogate_costs_only_itself_and_is_never_stored()
    {
        var poisoned = Follow(2).Replace("\"target\":\"t2\"", "\"target\":\"t2\",\"note\":\"\\ud800\"", StringComparison.Ordinal);
        var results = await Log.IngestAsync([Follow(1), poisoned, Follow(3)]);
        Assert.Equal([IngestStatus.Accepted, IngestStatus.Error, IngestStatus.Accepted], results.Select(r => r.Status));
        Assert.Equal("invalid_text", results[1].Code);
        Assert.Equal("evt-2", results[1].Id);
        Assert.Equal(2, await Log.CountAsync());
        Assert.All(await Log.ReadAfterAsync(0, 10), e => Assert.DoesNotContain("\\ud800", e.Body, StringComparison.Ordinal));
    }

    [StoreFact]
    public async Task An_events_record_shows_its_position_and_processing_and_media_errors_are_counted_by_reason()
    {
        var post = "{\"id\":\"rec-1\",\"type\":\"post.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"a\",\"post\":{\"id\":\"rec-p\",\"media\":[" +
            "{\"id\":\"m0\",\"hashes\":{\"pdq\":\"zz\",\"md5\":\"nothex\"}},{\"id\":\"m1\",\"bytes\":\"aGVsbG8=\"}]}}";
        await Log.IngestAsync([Follow(1), post]);
        var pending = await EventRecords.FindAsync(Store, "rec-1");
        Assert.NotNull(pending);
        Assert.False(pending.Processed);
        Assert.Equal(2, pending.Seq);
        Assert.Null(await EventRecords.FindAsync(Store, "no-such-event"));

        await using (var processor = new Haven.Signals.SignalProcessor(Store, new Haven.Signals.ProcessorOptions { Policy = Haven.Policy.PolicyLoader.LoadBuiltIn() }))
        {
            var stats = await processor.RunAsync();
            Assert.Equal(2, stats.MediaErrors);
            Assert.Equal(1, stats.MediaErrorReasons["invalid_pdq"]);
            Assert.Equal(1, stats.MediaErrorReasons["not_an_image"]);
        }

        var record = await EventRecords.FindAsync(Store, "rec-1");
        Assert.True(record!.Processed);
        Assert.Equal(["m0", "m1"], record.Media.Select(m => m.MediaId));
        Assert.Equal("invalid_pdq,invalid_md5", record.Media[0].Error);
        Assert.False(record.Media[0].PdqComputed);
        Assert.Equal("not_an_image", record.Media[1].Error);
        Assert.True((await EventRecords.FindAsync(Store, "evt-1"))!.Processed);
        var reasons = await EventRecords.MediaErrorsAsync(Store);
        Assert.Equal([("invalid_md5", 1L), ("invalid_pdq", 1L), ("not_an_image", 1L)], reasons.OrderBy(r => r.Reason, StringComparer.Ordinal));
    }

    [StoreFact]
    public async Task Event_times_are_checked_against_the_store_clock()
    {
        // The suite's clock stands at 2026-11-25T12:00Z: a day and a second ahead is refused, a day ahead is not.
        var ahead = Follow(1).Replace("2026-11-25T10:00:00Z", "2026-11-26T12:00:01Z", StringComparison.Ordinal);
        var edge = Follow(2).Replace("2026-11-25T10:00:00Z", "2026-11-26T12:00:00Z", StringComparison.Ordinal);
        var results = await Log.IngestAsync([ahead, edge]);
        Assert.Equal(["time_out_of_range", null], results.Select(r => r.Code));
        Assert.Equal(1, await Log.CountAsync());
    }

    [StoreFact]
    public async Task The_same_id_with_different_content_is_a_conflict_and_the_first_is_kept()
    {
        await Log.IngestAsync([Follow(1)]);
        var changed = Follow(1, actor: "someone-else");
        var results = await Log.IngestAsync([changed, Follow(2), Follow(2), Follow(3, "x").Replace("evt-3", "evt-2", StringComparison.Ordinal)]);
        Assert.Equal([IngestStatus.Conflict, IngestStatus.Accepted, IngestStatus.Duplicate, IngestStatus.Conflict], results.Select(r => r.Status));
        Assert.NotNull(results[0].Error);
        Assert.Equal(results[1].Seq, results[2].Seq);
        Assert.Equal(2, await Log.CountAsync());
    }

    [StoreFact]
    public async Task Ten_thousand_events_in_one_batch()
    {
        var lines = Enumerable.Range(0, EventLog.MaxBatchLines).Select(i => Follow(i)).ToList();
        var results = await Log.IngestAsync(lines);
        Assert.Equal(EventLog.MaxBatchLines, results.Count(r => r.Status == IngestStatus.Accepted));
        Assert.Equal(EventLog.MaxBatchLines, results.Select(r => r.Seq).Distinct().Count());
        await Assert.ThrowsAsync<ArgumentException>(() => Log.IngestAsync([.. lines, Follow(-1)]));
    }
}

public sealed class SqliteEventLogTests : EventLogTests
{
    internal override StoreProvider Provider => StoreProvider.Sqlite;
}

[PostgresSuite]
public sealed class PostgresEventLogTests : EventLogTests
{
    internal override StoreProvider Provider => StoreProvider.Postgres;
}
