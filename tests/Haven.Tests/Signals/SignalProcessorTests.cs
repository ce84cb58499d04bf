using System.Text.Json;
using Dapper;
using Haven.Banks;
using Haven.Banks.Import;
using Haven.Enforcement;
using Haven.Events;
using Haven.Kernels.Pdq;
using Haven.Media;
using Haven.Policy;
using Haven.Signals;
using Haven.Simulation;
using Haven.Storage;
using Haven.Testing;
using Haven.Tests.Storage;
using Haven.Text;
using Microsoft.Extensions.Logging;

namespace Haven.Tests.Signals;

/// <summary>
/// The signals stage end to end on a real store: events in the log → projections, signals, counters → the default
/// policy → decisions, status, outbox and audit. Placeholder words stand in for lexicon categories; hashes are random
/// or of synthetic images.
/// </summary>
public abstract class PipelineSuite : StoreSuite
{
    internal const string Lexicon = """
        pattern,category,weight,mode,source
        zephyrquill,sexualising,1,,placeholder
        lanternmoth,trade_request,1,,placeholder
        #glimmerfen,cse_term,0.5,,placeholder
        """;

    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);

    private int _next;

    internal string KnownPdq { get; private set; } = string.Empty;

    internal string KnownMd5 { get; private set; } = string.Empty;

    internal static PolicyEngine DefaultPolicy()
    {
        var loaded = PolicyLoader.LoadFileAsync(Path.Combine(TestPaths.RepoRoot, "policies", "default.policy.json")).GetAwaiter().GetResult();
        Assert.True(loaded.IsSuccess);
        return loaded.Value;
    }

    public override async Task InitializeAsyncCore()
    {
        var random = new Random(11);
        KnownPdq = TestHashes.Hex(random, 64);
        KnownMd5 = TestHashes.Hex(random, 32);
        var banks = new BankService(Store);
        Assert.True((await banks.CreateAsync("known")).IsSuccess);
        var csv = $"hash,signal_type,quality,category,external_id\n{KnownPdq},pdq,90,A1,img-1\n{KnownMd5},md5,,A1,img-1\n";
        var imported = await banks.ImportAsync("known", new StringReader(csv), new ImportOptions { Format = ImportFormat.Csv });
        Assert.True(imported.IsSuccess, imported.IsSuccess ? null : imported.Error.ToString());

        var lexicons = new LexiconService(Store);
        Assert.True((await lexicons.CreateAsync("placeholder")).IsSuccess);
        Assert.True((await lexicons.ImportAsync("placeholder", new StringReader(Lexicon))).IsSuccess);
    }

    internal SignalProcessor Processor(PolicyEngine? policy = null, int batchSize = 5000) =>
        new(Store, new ProcessorOptions { Policy = policy ?? DefaultPolicy(), BatchSize = batchSize }, Logs.Factory.CreateLogger<SignalProcessor>());

    internal string Event(string type, string actor, string body, int minutes = -1)
    {
        var n = ++_next;
        var at = T0.AddMinutes(minutes >= 0 ? minutes : n).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        return $"{{\"id\":\"e{n}\",\"type\":\"{type}\",\"occurredAt\":\"{at}\",\"actor\":\"{actor}\",{body}}}";
    }

    internal string Post(string actor, string id, string? text = null, string? replyTo = null, string? repostOf = null, string? media = null, string? hashtags = null, string? community = null, int minutes = -1)
    {
        var fields = new List<string> { $"\"id\":\"{id}\"" };
        if (text is not null)
        {
            fields.Add($"\"text\":{JsonSerializer.Serialize(text)}");
        }

        if (replyTo is not null)
        {
            fields.Add($"\"replyTo\":\"{replyTo}\"");
        }

        if (repostOf is not null)
        {
            fields.Add($"\"repostOf\":\"{repostOf}\"");
        }

        if (media is not null)
        {
            fields.Add($"\"media\":[{media}]");
        }

        if (hashtags is not null)
        {
            fields.Add($"\"hashtags\":[{hashtags}]");
        }

        if (community is not null)
        {
            fields.Add($"\"community\":\"{community}\"");
        }

        return Event("post.created", actor, $"\"post\":{{{string.Join(',', fields)}}}", minutes);
    }

    internal static string Photo(Random random) => $"{{\"hashes\":{{\"pdq\":\"{TestHashes.Hex(random, 64)}\",\"quality\":100}}}}";

    internal static string FlipBits(string hex, int bits)
    {
        var hash = PdqHash.Parse(hex);
        Span<ulong> words = [hash.W0, hash.W1, hash.W2, hash.W3];
        for (var b = 0; b < bits; b++)
        {
            words[b % 4] ^= 1UL << (b * 7 % 64);
        }

        return new PdqHash(words[0], words[1], words[2], words[3]).ToString();
    }

    internal async Task IngestAsync(params string[] lines)
    {
        var results = await new EventLog(Store).IngestAsync(lines);
        Assert.All(results, r => Assert.True(r.Status == IngestStatus.Accepted, $"line {r.Line}: {r.Error}"));
    }

    internal async Task<long> CountAsync(string sql)
    {
        await using var connection = await Store.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>(sql);
    }
}

public abstract class SignalProcessorTests : PipelineSuite
{
    [StoreFact]
    public async Task A_banked_image_reposted_with_changes_is_removed_the_account_suspended_and_both_actions_enqueued_once()
    {
        var near = FlipBits(KnownPdq, 6);
        await IngestAsync(
            Post("bad-1", "p-1", text: "weekend", media: $"{{\"id\":\"m-1\",\"hashes\":{{\"pdq\":\"{near}\",\"quality\":88}}}}", community: "c-9"),
            Post("amp-1", "p-2", repostOf: "p-1"),
            Post("bad-2", "p-3", media: $"{{\"hashes\":{{\"md5\":\"{KnownMd5.ToUpperInvariant()}\"}}}}"));

        var stats = await Processor().RunAsync();

        Assert.Equal(3, stats.Events);
        Assert.Equal(2, stats.MediaMatches);
        Assert.Equal(2, stats.Decisions);
        Assert.Equal(4, stats.Actions);
        var decisions = await DecisionLog.ReadAsync(Store);
        Assert.All(decisions, d => Assert.Equal("media.known-abuse-imagery", d.RuleId));
        Assert.All(decisions, d => Assert.Equal("enforce", d.Mode));
        Assert.Equal(["p-1", "p-3"], decisions.Select(d => d.SubjectId));
        Assert.Contains("\"distance\":6", decisions[0].EvidenceJson, StringComparison.Ordinal);
        Assert.DoesNotContain(near, decisions[0].EvidenceJson, StringComparison.Ordinal);

        var outbox = await new OutboxQueue(Store).ListAsync();
        Assert.Equal(
            ["remove_content:content-p-1", "remove_content:content-p-3", "suspend_account:account-bad-1", "suspend_account:account-bad-2"],
            outbox.Select(o => $"{o.Kind}:{Describe(o.Payload)}").Order(StringComparer.Ordinal));

        await using var connection = await Store.OpenConnectionAsync();
        Assert.Equal("suspended", (await DecisionLog.ReadStatusAsync(connection, null, "account:bad-1", default))!.Status);
        Assert.Equal("removed", (await DecisionLog.ReadStatusAsync(connection, null, "content:p-1", default))!.Status);
        Assert.Equal("urgent", (await DecisionLog.ReadStatusAsync(connection, null, "content:p-1", default))!.ReviewPriority);
        Assert.Equal(1, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM edges WHERE kind = 'repost' AND src = 'amp-1' AND dst = 'bad-1'"));
        Assert.Equal(2, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_log WHERE action = 'decision.recorded'"));
        Assert.True((await new Haven.Audit.AuditLog(Store).VerifyAsync()).Intact);
    }

    private static string Describe(string payloadJson)
    {
        using var document = JsonDocument.Parse(payloadJson);
        var root = document.RootElement;
        Assert.StartsWith("d-", root.GetProperty("decisionId").GetString(), StringComparison.Ordinal);
        return root.TryGetProperty("contentId", out var content) ? "content-" + content.GetString() : "account-" + root.GetProperty("accountId").GetString();
    }

    [StoreFact]
    public async Task Sexualising_replies_on_three_owners_photos_open_a_case_on_the_account_and_never_suspend_it()
    {
        var random = new Random(5);
        var lines = new List<string>();
        for (var owner = 1; owner <= 3; owner++)
        {
            lines.Add(Post($"owner-{owner}", $"photo-{owner}", text: "at the lake", media: Photo(random)));
        }

        // The same owner twice counts once; a reply on a post without media is not an engagement on a photo.
        lines.Add(Post("sol-1", "r-1", text: "so zephyrquill", replyTo: "photo-1"));
        lines.Add(Post("sol-1", "r-1b", text: "Z3PHYR quill!", replyTo: "photo-1"));
        lines.Add(Post("owner-4", "text-only", text: "hello"));
        lines.Add(Post("sol-1", "r-x", text: "zephyrquill", replyTo: "text-only"));
        lines.Add(Post("sol-1", "r-2", text: "z e p h y r q u i l l", replyTo: "photo-2"));
        await IngestAsync([.. lines]);

        var processor = Processor();
        await processor.RunAsync();
        Assert.DoesNotContain(await DecisionLog.ReadAsync(Store), d => d.SubjectKind == "account");

        await IngestAsync(Post("sol-1", "r-3", text: "zephyrquill", replyTo: "photo-3"));
        await processor.RunAsync();

        var account = Assert.Single(await DecisionLog.ReadAsync(Store), d => d.SubjectKind == "account");
        Assert.Equal("account.sexualising-replies", account.RuleId);
        Assert.Contains("\"value\":3", account.EvidenceJson, StringComparison.Ordinal);
        Assert.Equal(["open_case", "queue_review"], account.Actions.Select(a => a.Action));
        Assert.Equal(4, await CountAsync("SELECT COUNT(*) FROM engagements WHERE account = 'sol-1' AND kind = 'sexualising'"));
        Assert.Empty(await new OutboxQueue(Store).ListAsync());

        await using var connection = await Store.OpenConnectionAsync();
        var status = await DecisionLog.ReadStatusAsync(connection, null, "account:sol-1", default);
        Assert.Equal("in_review", status!.Status);
        Assert.DoesNotContain(Logs.Messages, m => m.Contains("zephyr", StringComparison.OrdinalIgnoreCase) || m.Contains("lake", StringComparison.Ordinal));
    }

    [StoreFact]
    public async Task A_trade_request_is_its_own_signal_and_queues_review()
    {
        var random = new Random(6);
        await IngestAsync(
            Post("owner-1", "photo-1", media: Photo(random)),
            Post("trader", "t-1", text: "l4ntern-moth anyone?", replyTo: "photo-1"));

        await Processor().RunAsync();

        var decision = Assert.Single(await DecisionLog.ReadAsync(Store));
        Assert.Equal("text.trade-request", decision.RuleId);
        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM engagements WHERE kind = 'trade' AND owner = 'owner-1'"));
        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM engagements WHERE kind = 'sexualising' AND owner = 'owner-1'"));
        await using var connection = await Store.OpenConnectionAsync();
        var body = await connection.ExecuteScalarAsync<string>("SELECT body FROM signal_sets WHERE subject_id = 't-1'");
        Assert.Contains("\"trade_request\":1", body, StringComparison.Ordinal);
        Assert.Contains("\"sexualising_engagement\":1", body, StringComparison.Ordinal);
    }

    [StoreFact]
    public async Task Reports_accumulate_on_a_post_and_two_cse_reports_escalate_it()
    {
        var random = new Random(7);
        await IngestAsync(
            Post("owner-1", "p-1", media: Photo(random)),
            Event("report.created", "reporter-1", "\"report\":{\"subject\":{\"type\":\"post\",\"id\":\"p-1\"},\"reason\":\"cse\",\"text\":\"free text stays out\"}"));
        var processor = Processor();
        await processor.RunAsync();
        Assert.Empty(await DecisionLog.ReadAsync(Store));

        await IngestAsync(Event("report.created", "reporter-2", "\"report\":{\"subject\":{\"type\":\"post\",\"id\":\"p-1\"},\"reason\":\"cse\"}"));
        await processor.RunAsync();

        var decision = Assert.Single(await DecisionLog.ReadAsync(Store));
        Assert.Equal("reports.cse", decision.RuleId);
        Assert.Equal("owner-1", decision.Account);
        Assert.DoesNotContain("reporter", decision.EvidenceJson, StringComparison.Ordinal);
        Assert.DoesNotContain("free text", decision.EvidenceJson, StringComparison.Ordinal);
    }

    [StoreFact]
    public async Task Media_bytes_in_an_event_go_through_the_real_decoder_and_match_the_banked_image()
    {
        using var bitmap = SyntheticImages.Generate(seed: 42);
        var original = SyntheticImages.Encode(bitmap, quality: 95);
        var signals = new MediaHasher().Hash(original);
        var added = await new BankService(Store).ImportAsync("known", new StringReader($"hash,signal_type,quality,category\n{signals.Pdq},pdq,{signals.Quality},B1\n"), new ImportOptions { Format = ImportFormat.Csv });
        Assert.True(added.IsSuccess);
        using var smaller = SyntheticImages.Resize(bitmap, 0.5);
        var reupload = Convert.ToBase64String(SyntheticImages.Encode(smaller, quality: 70));

        await IngestAsync(
            Post("bad-1", "p-1", media: $"{{\"bytes\":\"{reupload}\"}}"),
            Post("x", "p-2", media: $"{{\"bytes\":\"{Convert.ToBase64String(original[..(original.Length / 3)])}\"}}"),
            Post("x", "p-3", media: "{\"url\":\"https://media.example/m.jpg\"}"),
            Post("x", "p-4", media: "{\"hashes\":{\"pdq\":\"not-a-hash\",\"md5\":\"00000000000000000000000000000000\"}}"));

        var stats = await Processor().RunAsync();

        Assert.Equal(1, stats.Decisions);
        Assert.Equal(3, stats.MediaErrors);
        await using var connection = await Store.OpenConnectionAsync();
        var errors = (await connection.QueryAsync<(string PostId, string? Error)>("SELECT post_id, error FROM media_items ORDER BY post_id")).ToList();
        Assert.Equal([("p-1", null), ("p-2", "truncated"), ("p-3", "url_fetch_disabled"), ("p-4", "invalid_pdq,invalid_md5")], errors);
        Assert.Equal("B1", await connection.ExecuteScalarAsync<string>("SELECT category FROM media_matches WHERE post_id = 'p-1'"));
    }

    [StoreFact]
    public async Task Follows_mentions_replies_and_deletions_become_projections()
    {
        await IngestAsync(
            Event("follow.created", "a", "\"target\":\"b\""),
            Event("follow.created", "a", "\"target\":\"c\""),
            Event("follow.deleted", "a", "\"target\":\"c\""),
            Post("b", "p-1", text: "hi @a", hashtags: "\"Harbour\",\"#harbour\""),
            Event("post.created", "c", "\"post\":{\"id\":\"p-2\",\"replyTo\":\"p-1\",\"mentions\":[\"a\",\"a\",\"c\"]}"),
            Event("post.deleted", "b", "\"post\":{\"id\":\"p-1\"}"));
        await Processor(batchSize: 4).RunAsync();
        await IngestAsync(Event("follow.deleted", "a", "\"target\":\"b\""), Event("post.deleted", "c", "\"post\":{\"id\":\"p-2\"}"));
        await Processor().RunAsync();

        await using var connection = await Store.OpenConnectionAsync();
        var edges = (await connection.QueryAsync<(string Src, string Dst, string Kind)>("SELECT src, dst, kind FROM edges ORDER BY seq, kind")).ToList();
        Assert.Equal([("c", "a", "mention"), ("c", "b", "reply")], edges);
        Assert.Equal(2, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM posts WHERE deleted"));
        Assert.Equal(["harbour"], await connection.QueryAsync<string>("SELECT tag FROM hashtag_uses"));
    }

    [StoreFact]
    public async Task Processing_again_from_the_start_decides_nothing_twice_and_enqueues_nothing_twice()
    {
        var random = new Random(8);
        var lines = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            lines.Add(Post($"owner-{i}", $"photo-{i}", media: Photo(random)));
            lines.Add(Post("sol-1", $"r-{i}", text: "zephyrquill lanternmoth", replyTo: $"photo-{i}"));
        }

        lines.Add(Post("bad-1", "p-bad", media: $"{{\"hashes\":{{\"pdq\":\"{KnownPdq}\",\"quality\":90}}}}"));
        await IngestAsync([.. lines]);
        await Processor(batchSize: 7).RunAsync();
        var decisions = await DecisionLog.ReadAsync(Store);
        var outbox = await new OutboxQueue(Store).ListAsync();
        var statuses = await DecisionLog.ListStatusAsync(Store);

        await using (var connection = await Store.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("UPDATE processor_checkpoints SET last_seq = 0");
        }

        var again = await Processor(batchSize: 13).RunAsync();

        Assert.Equal(0, again.Decisions);
        Assert.Equal(0, again.Actions);
        Assert.Equal(decisions.Select(d => d.DecisionId), (await DecisionLog.ReadAsync(Store)).Select(d => d.DecisionId));
        Assert.Equal(outbox.Count, (await new OutboxQueue(Store).ListAsync()).Count);
        Assert.Equivalent(statuses, await DecisionLog.ListStatusAsync(Store));
        Assert.Equivalent(statuses, await DecisionLog.ProjectFromLogAsync(Store));
        Assert.Equal(41, decisions.Count(d => d.SubjectKind == "content"));
        var (last, total) = await DecisionLog.ReadLastAsync(Store, 3);
        Assert.Equal(decisions.Count, total);
        Assert.Equal(decisions.TakeLast(3).Select(d => d.DecisionId), last.Select(d => d.DecisionId));
        Assert.Equal(decisions.Where(d => d.Account == "bad-1").Select(d => d.DecisionId), (await DecisionLog.ReadLastAsync(Store, 10, "bad-1")).Last.Select(d => d.DecisionId));
        Assert.Single(decisions, d => d.SubjectKind == "account");
    }

    [StoreFact]
    public async Task A_precomputed_pdq_without_quality_is_matched_as_bank_entries_without_quality_are_and_one_below_the_gate_is_not()
    {
        await IngestAsync(
            Post("bad-1", "p-1", media: $"{{\"id\":\"m-1\",\"hashes\":{{\"pdq\":\"{KnownPdq}\"}}}}"),
            Post("bad-2", "p-2", media: $"{{\"id\":\"m-2\",\"hashes\":{{\"pdq\":\"{KnownPdq}\",\"quality\":49}}}}"));

        var stats = await Processor(DefaultPolicy().AsShadow()).RunAsync();

        Assert.Equal(0, stats.MediaErrors);
        Assert.Equal(1, stats.MediaMatches);
        var decision = Assert.Single(await DecisionLog.ReadAsync(Store), d => d.SubjectKind == "content");
        Assert.Equal("p-1", decision.SubjectId);
        var record = await Haven.Events.EventRecords.FindAsync(Store, "e1");
        Assert.Null(record?.Media.Single().Quality);
        Assert.Equal(1, record!.Media.Single().BankMatches);
    }

    [StoreFact]
    public async Task In_shadow_mode_decisions_are_recorded_but_nothing_is_enqueued_and_status_shows_what_would_happen()
    {
        await IngestAsync(Post("bad-1", "p-1", media: $"{{\"hashes\":{{\"pdq\":\"{KnownPdq}\",\"quality\":90}}}}"));

        await Processor(DefaultPolicy().AsShadow()).RunAsync();

        var decision = Assert.Single(await DecisionLog.ReadAsync(Store));
        Assert.Equal("shadow", decision.Mode);
        Assert.Empty(await new OutboxQueue(Store).ListAsync());
        await using var connection = await Store.OpenConnectionAsync();
        var status = await DecisionLog.ReadStatusAsync(connection, null, "account:bad-1", default);
        Assert.Equal("active", status!.Status);
        Assert.Equal(["suspend_account"], status.ShadowActions);
    }

    [StoreFact]
    public async Task Switching_from_shadow_to_enforce_records_the_enforce_decision_and_enqueues_its_actions()
    {
        await IngestAsync(Post("bad-1", "p-1", media: $"{{\"hashes\":{{\"pdq\":\"{KnownPdq}\",\"quality\":90}}}}"));
        await Processor(DefaultPolicy().AsShadow()).RunAsync();
        await using (var connection = await Store.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("UPDATE processor_checkpoints SET last_seq = 0");
        }

        await Processor().RunAsync();

        Assert.Equal(["enforce", "shadow"], (await DecisionLog.ReadAsync(Store)).Select(d => d.Mode).Order(StringComparer.Ordinal));
        Assert.Equal(2, (await new OutboxQueue(Store).ListAsync()).Count);
        await using var check = await Store.OpenConnectionAsync();
        Assert.Equal("suspended", (await DecisionLog.ReadStatusAsync(check, null, "account:bad-1", default))!.Status);
    }

    [StoreFact]
    public async Task A_batch_ends_early_at_its_size_in_characters_but_holds_two_events_and_the_run_still_reaches_the_end()
    {
        await IngestAsync(Event("follow.created", "a", "\"target\":\"b\""), Event("follow.created", "a", "\"target\":\"c\""), Event("follow.created", "a", "\"target\":\"d\""));
        var processor = new SignalProcessor(Store, new ProcessorOptions { Policy = DefaultPolicy(), MaxBatchChars = 1 });

        var (first, _, _) = await processor.ProcessBatchAsync();
        var rest = await processor.RunAsync();

        // Two, not one: a failing batch needs a second event to tell a poison event from a failing stage.
        Assert.Equal(2, first);
        Assert.Equal(1, rest.Events);
        Assert.Equal(3, await CountAsync("SELECT COUNT(*) FROM edges"));
        await processor.DisposeAsync();
    }

    [StoreFact]
    public async Task A_stored_event_whose_body_cannot_be_read_is_set_aside_as_dead_and_the_rest_processed()
    {
        await IngestAsync(Event("follow.created", "a", "\"target\":\"b\""), Event("follow.created", "a", "\"target\":\"c\""));
        string body;
        await using (var connection = await Store.OpenConnectionAsync())
        {
            body = await connection.ExecuteScalarAsync<string>("SELECT body FROM events WHERE event_id = 'e1'") ?? string.Empty;
            await connection.ExecuteAsync("UPDATE events SET body = '{broken' WHERE event_id = 'e1'");
        }

        var processor = Processor();
        var stats = await processor.RunAsync();

        Assert.Equal(1, stats.Dead);
        Assert.Equal(2, await processor.CheckpointAsync());
        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM edges"));
        var dead = Assert.Single(await DeadEvents.ListAsync(Store));
        Assert.Equal((1L, "e1", DeadStage.Parse, "unreadable_body", 1L), (dead.Seq, dead.EventId, dead.Stage, dead.ErrorCode, dead.Attempts));
        Assert.Contains(Logs.Messages, m => m.Contains("seq 1 set aside as dead", StringComparison.Ordinal));

        Assert.Equal(new DeadRetryResult(0, 1, 0), await processor.RetryDeadAsync([1]));
        Assert.Equal(2, Assert.Single(await DeadEvents.ListAsync(Store)).Attempts);

        await using (var connection = await Store.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("UPDATE events SET body = @body WHERE event_id = 'e1'", new { body });
        }

        Assert.Equal(new DeadRetryResult(1, 0, 0), await processor.RetryDeadAsync(null));
        Assert.Empty(await DeadEvents.ListAsync(Store));
        Assert.Equal(2, await CountAsync("SELECT COUNT(*) FROM edges"));
        await processor.DisposeAsync();
    }

    [StoreFact]
    public async Task An_event_that_breaks_a_handler_is_set_aside_the_rest_of_its_batch_committed_once_and_a_retry_after_the_fix_processes_it()
    {
        const string Quoted = "content-quoted-in-an-exception-7d1f";
        await IngestAsync(
            Event("follow.created", "a", "\"target\":\"b\""),
            Post("bad-1", "p-1", media: $"{{\"hashes\":{{\"pdq\":\"{KnownPdq}\",\"quality\":90}}}}"),
            Event("follow.created", "a", "\"target\":\"c\""),
            Event("follow.created", "a", "\"target\":\"d\""),
            Event("follow.created", "a", "\"target\":\"e\""));
        var faulty = new SignalProcessor(Store, new ProcessorOptions
        {
            Policy = DefaultPolicy(),
            FaultForTests = e =>
            {
                if (e.Id == "e3")
                {
                    throw new InvalidOperationException(Quoted);
                }
            },
        }, Logs.Factory.CreateLogger<SignalProcessor>());

        var stats = await faulty.RunAsync();

        Assert.Equal((5L, 1L), (stats.Events, stats.Dead));
        Assert.Equal(5, await faulty.CheckpointAsync());
        Assert.Equal(3, await CountAsync("SELECT COUNT(*) FROM edges"));
        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM posts"));
        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM media_items"));
        Assert.True(stats.Decisions > 0);
        Assert.Equal(stats.Decisions, await CountAsync("SELECT COUNT(*) FROM decisions"));
        Assert.Equal(stats.Actions, await CountAsync("SELECT COUNT(*) FROM outbox"));
        Assert.Equal(stats.Decisions, await CountAsync("SELECT COUNT(*) FROM audit_log WHERE action = 'decision.recorded'"));
        var dead = Assert.Single(await DeadEvents.ListAsync(Store));
        Assert.Equal((3L, "e3", DeadStage.Handle, nameof(InvalidOperationException), "handler_failed", 1L), (dead.Seq, dead.EventId, dead.Stage, dead.ErrorType, dead.ErrorCode, dead.Attempts));
        Assert.Equal(Time.GetUtcNow().ToUnixTimeMilliseconds(), dead.FirstFailedAt.ToUnixTimeMilliseconds());
        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM audit_log WHERE action = 'event.dead'"));
        Assert.DoesNotContain(Logs.Messages, m => m.Contains(Quoted, StringComparison.Ordinal));
        Assert.Equal(0, await CountAsync($"SELECT COUNT(*) FROM audit_log WHERE details LIKE '%{Quoted}%'"));

        // Still broken: one more attempt, still dead.
        Assert.Equal(new DeadRetryResult(0, 1, 0), await faulty.RetryDeadAsync([3]));
        Assert.Equal(2, Assert.Single(await DeadEvents.ListAsync(Store)).Attempts);

        // The fault removed: the retry processes it through the same handlers, once.
        var decisions = await CountAsync("SELECT COUNT(*) FROM decisions");
        await using var fixedProcessor = Processor();
        Assert.Equal(new DeadRetryResult(1, 0, 0), await fixedProcessor.RetryDeadAsync([3]));
        Assert.Empty(await DeadEvents.ListAsync(Store));
        Assert.Equal(4, await CountAsync("SELECT COUNT(*) FROM edges"));
        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM audit_log WHERE action = 'event.dead.retried'"));
        Assert.Equal(new DeadRetryResult(0, 0, 1), await fixedProcessor.RetryDeadAsync([3]));

        // Processing everything again from the start records nothing new.
        await using (var connection = await Store.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("UPDATE processor_checkpoints SET last_seq = 0");
        }

        var again = await fixedProcessor.RunAsync();
        Assert.Equal((0L, 0L, 0L), (again.Decisions, again.Actions, again.Dead));
        Assert.Equal(decisions, await CountAsync("SELECT COUNT(*) FROM decisions"));
        Assert.Equal(4, await CountAsync("SELECT COUNT(*) FROM edges"));
        await faulty.DisposeAsync();
    }

    [StoreFact]
    public async Task A_batch_whose_every_event_fails_alone_sets_nothing_aside_and_keeps_its_checkpoint()
    {
        await IngestAsync(Event("follow.created", "a", "\"target\":\"b\""), Event("follow.created", "a", "\"target\":\"c\""), Event("follow.created", "a", "\"target\":\"d\""));
        await using var processor = new SignalProcessor(Store, new ProcessorOptions { Policy = DefaultPolicy(), FaultForTests = _ => throw new InvalidOperationException("policy broken") });

        await Assert.ThrowsAsync<InvalidOperationException>(() => processor.ProcessBatchAsync());

        Assert.Empty(await DeadEvents.ListAsync(Store));
        Assert.Equal(0, await processor.CheckpointAsync());
        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM edges"));
    }

    [StoreFact]
    public async Task A_transient_failure_of_one_event_sets_nothing_aside_and_the_batch_is_processed_whole_once_it_passes()
    {
        await IngestAsync(Event("follow.created", "a", "\"target\":\"b\""), Event("follow.created", "a", "\"target\":\"c\""), Event("follow.created", "a", "\"target\":\"d\""));
        var failures = 1;
        await using var processor = new SignalProcessor(Store, new ProcessorOptions
        {
            Policy = DefaultPolicy(),
            FaultForTests = e =>
            {
                if (e.Id == "e2" && failures-- > 0)
                {
                    throw new TimeoutException();
                }
            },
        });

        await Assert.ThrowsAsync<TimeoutException>(() => processor.ProcessBatchAsync());
        Assert.Empty(await DeadEvents.ListAsync(Store));
        Assert.Equal(0, await processor.CheckpointAsync());

        var (events, last, stats) = await processor.ProcessBatchAsync();

        Assert.Equal((3, 3L, 0L), (events, last, stats.Dead));
        Assert.Equal(3, await CountAsync("SELECT COUNT(*) FROM edges"));
    }

    [StoreFact]
    public async Task A_bank_or_lexicon_change_is_picked_up_by_the_next_batch()
    {
        var fresh = TestHashes.Hex(new Random(99), 32);
        await IngestAsync(Post("x", "p-1", text: "brightkestrel", media: $"{{\"hashes\":{{\"md5\":\"{fresh}\"}}}}"));
        var processor = Processor();
        await processor.RunAsync();
        Assert.Empty(await DecisionLog.ReadAsync(Store));

        Assert.True((await new BankService(Store).ImportAsync("known", new StringReader($"hash,signal_type,category\n{fresh},md5,A2\n"), new ImportOptions { Format = ImportFormat.Csv })).IsSuccess);
        Assert.True((await new LexiconService(Store).ImportAsync("placeholder", new StringReader("pattern,category\nbrightkestrel,trade_request\n"))).IsSuccess);
        await IngestAsync(Post("x", "p-2", text: "brightkestrel", media: $"{{\"hashes\":{{\"md5\":\"{fresh}\"}}}}"));
        await processor.RunAsync();

        Assert.Equal(["media.known-abuse-imagery", "text.trade-request"], (await DecisionLog.ReadAsync(Store)).Select(d => d.RuleId).Order(StringComparer.Ordinal));
    }
}

public sealed class SqliteSignalProcessorTests : SignalProcessorTests
{
    internal override StoreProvider Provider => StoreProvider.Sqlite;
}

[PostgresSuite]
public sealed class PostgresSignalProcessorTests : SignalProcessorTests
{
    internal override StoreProvider Provider => StoreProvider.Postgres;
}
