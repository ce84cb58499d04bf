using System.Data.Common;
using System.Diagnostics;
using System.Text.Json;
using Dapper;
using Haven.Banks;
using Haven.Enforcement;
using Haven.Events;
using Haven.Kernels.Text;
using Haven.Matching;
using Haven.Media;
using Haven.Policy;
using Haven.Storage;
using Haven.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Haven.Signals;

/// <summary>How the signal processor runs.</summary>
internal sealed record ProcessorOptions
{
    /// <summary>The policy every signal set is evaluated against.</summary>
    public required PolicyEngine Policy { get; init; }

    /// <summary>Events per transaction.</summary>
    public int BatchSize { get; init; } = 10_000;

    /// <summary>A batch ends early once its stored events reach this many characters (inline media is base64 in them).</summary>
    public long MaxBatchChars { get; init; } = 16L * 1024 * 1024;

    /// <summary>PDQ threshold, quality gate and bank filter for media in events.</summary>
    public MatchOptions Match { get; init; } = new();

    /// <summary>Adapters that receive platform actions (an action per adapter).</summary>
    public IReadOnlyList<string> Adapters { get; init; } = [OutboxAction.WebhookAdapter];

    /// <summary>Fetches media URLs; null refuses every URL with <c>url_fetch_disabled</c>.</summary>
    public MediaFetcher? Fetcher { get; init; }

    /// <summary>Decodes and hashes media bytes; null uses the default decoder.</summary>
    public MediaHasher? Hasher { get; init; }

    /// <summary>The process-wide decode budget (shared with the server's <c>/v1/media/match</c>); null gives this processor one of its own with the defaults.</summary>
    public DecodeBudget? DecodeBudget { get; init; }

    /// <summary>A shared index (e.g. the server's); null loads and refreshes one of its own.</summary>
    public MatchIndexHolder? Index { get; init; }

    /// <summary>Checkpoint name, so independent consumers of the log could keep their own positions.</summary>
    public string Name { get; init; } = EventRecords.SignalsCheckpoint;

    /// <summary>
    /// TEST SEAM — never set outside tests. Called with each event just before it is handled inside the write
    /// transaction; an exception it throws stands for a handler that breaks on that event (docs/pipeline.md, "Failures").
    /// </summary>
    public Action<StoredEvent>? FaultForTests { get; init; }
}

/// <summary>What processing did, in counts (ids and numbers only).</summary>
internal sealed record ProcessStats(
    long Events, long Posts, long Media, long MediaErrors, long MediaMatches, long TextHits, long Engagements, long Reports, long SignalSets, long Decisions, long Actions, long Dead)
{
    public static ProcessStats Empty { get; } = new(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /// <summary>Media errors by reason code (an item may fail for several reasons, each counted).</summary>
    public IReadOnlyDictionary<string, long> MediaErrorReasons { get; init; } = new Dictionary<string, long>(StringComparer.Ordinal);

    public ProcessStats Add(ProcessStats o) => new(
        Events + o.Events, Posts + o.Posts, Media + o.Media, MediaErrors + o.MediaErrors, MediaMatches + o.MediaMatches, TextHits + o.TextHits,
        Engagements + o.Engagements, Reports + o.Reports, SignalSets + o.SignalSets, Decisions + o.Decisions, Actions + o.Actions, Dead + o.Dead)
    {
        MediaErrorReasons = MediaErrorReasons.Concat(o.MediaErrorReasons).GroupBy(p => p.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(p => p.Value), StringComparer.Ordinal),
    };
}

/// <summary>
/// The signals stage (DESIGN §2): reads the event log from its checkpoint, turns each event into projections (posts,
/// media, edges, hashtag uses), signals (bank matches, lexicon hits, sexualising engagements on other people's photos,
/// trade requests, reports) and account counters, evaluates the policy on every subject that has a signal, and records
/// decisions with their outbox actions — all of a batch in one transaction together with the new checkpoint. A crash
/// therefore loses nothing and repeats nothing: the batch is redone from the old checkpoint and decision and action ids
/// are deterministic.
/// </summary>
internal sealed partial class SignalProcessor : IAsyncDisposable
{
    /// <summary>Lexicon categories that make a reply or quote on someone's photo a sexualising engagement (issue: context signals).</summary>
    public static readonly IReadOnlySet<string> EngagementCategories = SignalVocabulary.EngagementCategories;

    /// <summary>Lexicon categories that make a post a trade or solicitation request, wherever it appears.</summary>
    public static readonly IReadOnlySet<string> TradeCategories = SignalVocabulary.TradeCategories;

    private readonly HavenStore _store;
    private readonly ProcessorOptions _options;
    private readonly ILogger _logger;
    private readonly EventLog _events;
    private readonly BankService _banks;
    private readonly LexiconService _lexicons;
    private readonly MediaResolver _resolver;
    private MatchIndex _ownIndex = MatchIndex.Empty;
    private long _banksVersion = -1;
    private LexiconSnapshot? _lexicon;
    private long _lexiconVersion = -1;
    private DbConnection? _kept;
    private readonly List<LexiconHit> _hits = [];

    /// <summary>Creates a processor over <paramref name="store"/>.</summary>
    public SignalProcessor(HavenStore store, ProcessorOptions options, ILogger<SignalProcessor>? logger = null)
    {
        _store = store;
        _options = options;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _events = new EventLog(store);
        _banks = new BankService(store);
        _lexicons = new LexiconService(store);
        _resolver = new MediaResolver(options.Hasher ?? new MediaHasher(), options.Fetcher, options.Match, options.DecodeBudget ?? new DecodeBudget());
    }

    /// <summary>The log position processed so far.</summary>
    public async Task<long> CheckpointAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await ReadCheckpointAsync(connection, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes the connection kept between batches.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_kept is not null)
        {
            await _kept.DisposeAsync().ConfigureAwait(false);
            _kept = null;
        }
    }

    private async Task<long> ReadCheckpointAsync(DbConnection connection, CancellationToken cancellationToken) =>
        (await EventRecords.ReadCheckpointAsync(connection, _options.Name, cancellationToken).ConfigureAwait(false))?.Seq ?? 0;

    /// <summary>
    /// SQLite: one connection kept for every batch, because a connection's page cache is dropped whenever another
    /// connection wrote the file, and a cold cache makes every index insert a read (measured: it doubled the time of a
    /// 1.5M-event run). PostgreSQL: a pooled connection per batch.
    /// </summary>
    private async Task<(DbConnection Connection, bool Owned)> ConnectionAsync(CancellationToken cancellationToken)
    {
        if (_store.Provider != StoreProvider.Sqlite)
        {
            return (await _store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false), true);
        }

        if (_kept is not { State: System.Data.ConnectionState.Open })
        {
            if (_kept is not null)
            {
                await _kept.DisposeAsync().ConfigureAwait(false);
            }

            _kept = await _store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }

        return (_kept, false);
    }

    /// <summary>Processes batches until the log is caught up; reports (processed, last seq in the log) after each batch.</summary>
    public async Task<ProcessStats> RunAsync(IProgress<(long Done, long Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        var total = ProcessStats.Empty;
        var start = await CheckpointAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var (count, last, stats) = await ProcessBatchAsync(cancellationToken).ConfigureAwait(false);
            total = total.Add(stats);
            var end = await _events.LastSeqAsync(cancellationToken).ConfigureAwait(false);
            if (count == 0)
            {
                if (last >= end)
                {
                    return total;
                }

                // Another worker took the batch: what remains is still to be done (by whoever gets it first).
                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
                continue;
            }

            progress?.Report((last - start, end - start));
        }
    }

    /// <summary>Processes one batch after the checkpoint; returns how many events it covered (0 when caught up).</summary>
    public async Task<(int Events, long LastSeq, ProcessStats Stats)> ProcessBatchAsync(CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var (connection, owned) = await ConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await ProcessBatchAsync(connection, clock, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // A failed batch may leave the kept connection in any state; the next batch opens a fresh one.
            owned = true;
            _kept = null;
            throw;
        }
        finally
        {
            if (owned)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<(int Events, long LastSeq, ProcessStats Stats)> ProcessBatchAsync(DbConnection connection, Stopwatch clock, CancellationToken cancellationToken)
    {
        var checkpoint = await ReadCheckpointAsync(connection, cancellationToken).ConfigureAwait(false);
        // At least two events whenever the log has them, whatever the batch or character limits: a batch that fails is
        // searched for the events that fail alone, and that search needs another event to tell a poison event from a
        // failure of the stage itself (a lone huge event would otherwise be retried for ever).
        var batch = await EventLog.ReadAfterAsync(connection, checkpoint, Math.Max(2, _options.BatchSize), cancellationToken, _options.MaxBatchChars, minEvents: 2).ConfigureAwait(false);
        if (batch.Count == 0)
        {
            return (0, checkpoint, ProcessStats.Empty);
        }

        await RefreshAsync(cancellationToken).ConfigureAwait(false);
        var lexicon = _lexicon!;

        // Everything slow and side-effect free happens before the write transaction: parsing, fetching, decoding, hashing.
        var dead = new List<(StoredEvent Event, string Stage, Exception Error)>();
        var (live, known) = await PrepareAsync(connection, batch, dead, cancellationToken).ConfigureAwait(false);
        BatchState? committed;
        try
        {
            committed = await CommitAsync(connection, checkpoint, batch[^1].Seq, live, known, lexicon, dead, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!IsTransient(e, cancellationToken))
        {
            // Set aside what fails alone (found in trial transactions that are rolled back), then commit the rest once.
            ProcessorLog.BatchFailed(_logger, checkpoint, e.GetType().Name);
            var poison = await IsolateAsync(connection, live, known, lexicon, cancellationToken).ConfigureAwait(false);
            if (poison.Count == 0 || poison.Count == live.Count)
            {
                // Nothing fails alone (a failure of the combination) or everything does (the cause is not in the events):
                // treated as transient, retried with backoff by the caller, nothing set aside.
                ProcessorLog.NotIsolated(_logger, checkpoint, live.Count, poison.Count);
                throw;
            }

            var bad = poison.Select(p => p.Work).ToHashSet();
            dead.AddRange(poison.Select(p => (p.Work.Event, DeadStage.Handle, p.Error)));
            committed = await CommitAsync(connection, checkpoint, batch[^1].Seq, [.. live.Where(w => !bad.Contains(w))], known, lexicon, dead, cancellationToken).ConfigureAwait(false);
        }

        if (committed is null)
        {
            // Another worker took this batch first; nothing was written.
            ProcessorLog.BatchTaken(_logger, checkpoint);
            return (0, checkpoint, ProcessStats.Empty);
        }

        var last = batch[^1].Seq;
        var stats = committed.Stats with { Events = batch.Count, Dead = dead.Count, MediaErrorReasons = committed.MediaErrorReasons };
        // Counted once committed: a batch that fails is retried and must not count twice.
        HavenMetrics.EventsProcessed.Add(batch.Count - dead.Count);
        foreach (var (reason, count) in stats.MediaErrorReasons)
        {
            HavenMetrics.MediaErrors.Add(count, new KeyValuePair<string, object?>("reason", reason));
        }

        foreach (var (e, stage, error) in dead)
        {
            HavenMetrics.DeadEvents.Add(1, new KeyValuePair<string, object?>("stage", stage));
            ProcessorLog.EventDead(_logger, e.Seq, stage, error.GetType().Name, DeadEvents.ErrorCode(stage, error));
        }

        ProcessorLog.BatchProcessed(_logger, batch.Count, last, stats.Decisions, stats.Actions, clock.ElapsedMilliseconds);
        return (batch.Count, last, stats);
    }

    /// <summary>
    /// Reads, fetches, decodes and hashes <paramref name="events"/> outside any transaction; an event whose stored body
    /// cannot be read goes to <paramref name="dead"/>. Returns the events to handle and the posts they refer to.
    /// </summary>
    private async Task<(List<Work> Live, Dictionary<string, PostInfo> Known)> PrepareAsync(
        DbConnection connection, IReadOnlyList<StoredEvent> events, List<(StoredEvent Event, string Stage, Exception Error)> dead, CancellationToken cancellationToken)
    {
        var index = _options.Index?.Current ?? _ownIndex;
        var live = new List<Work>(events.Count);
        var media = new List<MediaField>();
        var mediaOwner = new List<Work>();
        foreach (var e in events)
        {
            try
            {
                var work = Parse(e);
                live.Add(work);
                foreach (var item in work.Post?.Media ?? [])
                {
                    media.Add(item);
                    mediaOwner.Add(work);
                }
            }
            catch (Exception error) when (error is JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
            {
                dead.Add((e, DeadStage.Parse, error));
            }
        }

        var resolved = await _resolver.ResolveAsync(media, index, cancellationToken).ConfigureAwait(false);
        for (var k = 0; k < resolved.Length; k++)
        {
            mediaOwner[k].Media.Add(resolved[k]);
        }

        return (live, await PrefetchPostsAsync(connection, live, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// The batch's one write transaction: handles <paramref name="live"/>, sets <paramref name="dead"/> aside and moves
    /// the checkpoint to <paramref name="last"/>, all committed together. Null when another worker moved the checkpoint first.
    /// </summary>
    private async Task<BatchState?> CommitAsync(
        DbConnection connection, long checkpoint, long last, IReadOnlyList<Work> live, Dictionary<string, PostInfo> known, LexiconSnapshot lexicon,
        IReadOnlyList<(StoredEvent Event, string Stage, Exception Error)> dead, CancellationToken cancellationToken)
    {
        await using var transaction = await _store.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        if (await LockCheckpointAsync(connection, transaction, cancellationToken).ConfigureAwait(false) != checkpoint)
        {
            await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }

        var state = await HandleAllAsync(connection, transaction, live, known, lexicon, cancellationToken).ConfigureAwait(false);
        foreach (var (e, stage, error) in dead)
        {
            await DeadEvents.RecordAsync(_store, connection, transaction, _options.Name, e, stage, error, cancellationToken).ConfigureAwait(false);
        }

        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE processor_checkpoints SET last_seq = @last, updated_at = @now WHERE name = @name",
            new { last, now = _store.NowUnixMilliseconds, name = _options.Name }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return state;
    }

    /// <summary>Runs the handlers of <paramref name="live"/> in order and flushes their bulk rows, in the caller's transaction.</summary>
    private async Task<BatchState> HandleAllAsync(
        DbConnection connection, DbTransaction transaction, IReadOnlyList<Work> live, Dictionary<string, PostInfo> known, LexiconSnapshot lexicon, CancellationToken cancellationToken)
    {
        // A copy: handlers add the batch's own posts, and a rolled-back attempt must leave nothing behind.
        var state = new BatchState(connection, transaction, new Dictionary<string, PostInfo>(known, StringComparer.Ordinal), lexicon);
        foreach (var work in live)
        {
            _options.FaultForTests?.Invoke(work.Event);
            await HandleAsync(state, work, cancellationToken).ConfigureAwait(false);
        }

        await state.FlushAsync(cancellationToken).ConfigureAwait(false);
        return state;
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        // Every batch matches against the banks as they are now: a shared index that lags behind (the server polls)
        // is rebuilt and published here rather than letting a batch miss a bank entry added a moment ago.
        var banksVersion = await _banks.GetBanksVersionAsync(cancellationToken).ConfigureAwait(false);
        if (_options.Index is { } shared ? shared.Current.Version != banksVersion : banksVersion != _banksVersion)
        {
            var (index, _) = await MatchIndexLoader.LoadAsync(_banks, _options.Match.QualityGate, cancellationToken).ConfigureAwait(false);
            if (_options.Index is { } holder)
            {
                holder.Publish(index);
            }
            else
            {
                _ownIndex = index;
                _banksVersion = banksVersion;
            }
        }

        long lexiconVersion;
        await using (var connection = await _store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        {
            lexiconVersion = await HavenStore.ReadCounterAsync(connection, null, "lexicons_version", cancellationToken).ConfigureAwait(false);
        }

        if (lexiconVersion != _lexiconVersion || _lexicon is null)
        {
            var loaded = await _lexicons.LoadAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            _lexicon = loaded.IsSuccess ? loaded.Value : new LexiconSnapshot(LexiconMatcher.Build([]), new Dictionary<int, (string, string, string?)>(), lexiconVersion);
            _lexiconVersion = lexiconVersion;
        }
    }

    private static Work Parse(StoredEvent e) => e.Type switch
    {
        EventTypes.PostCreated => new Work(e) { Post = EventFields.ReadPost(e) },
        EventTypes.PostDeleted => new Work(e) { PostId = EventFields.ReadPostId(e) },
        EventTypes.FollowCreated or EventTypes.FollowDeleted => new Work(e) { Target = EventFields.ReadTarget(e) },
        EventTypes.ReportCreated => new Work(e) { Report = EventFields.ReadReport(e) },
        EventTypes.AccountCreated or EventTypes.AccountUpdated => new Work(e) { AccountText = EventFields.ReadAccountText(e) },
        _ => new Work(e),
    };

    private async Task<Dictionary<string, PostInfo>> PrefetchPostsAsync(DbConnection connection, IReadOnlyList<Work> work, CancellationToken cancellationToken)
    {
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in work)
        {
            switch (item)
            {
                case { Post.ParentId: { } parent }:
                    wanted.Add(parent);
                    break;
                case { PostId: { } deleted }:
                    wanted.Add(deleted);
                    break;
                case { Report: { SubjectKind: "post", SubjectId: var subject } }:
                    wanted.Add(subject);
                    break;
            }
        }

        var known = new Dictionary<string, PostInfo>(StringComparer.Ordinal);
        if (wanted.Count == 0)
        {
            return known;
        }

        const string Columns = "SELECT post_id AS PostId, author AS Author, media_count AS MediaCount, community AS Community FROM posts ";
        var ids = wanted.ToArray();
        var rows = _store.Provider == StoreProvider.Postgres
            ? await connection.QueryAsync<(string PostId, string Author, long MediaCount, string? Community)>(new CommandDefinition(
                Columns + "WHERE post_id = ANY(@ids)", new { ids }, cancellationToken: cancellationToken)).ConfigureAwait(false)
            : await connection.QueryAsync<(string PostId, string Author, long MediaCount, string? Community)>(new CommandDefinition(
                Columns + "WHERE post_id IN (SELECT value FROM json_each(@ids))", new { ids = JsonSerializer.Serialize(ids) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        foreach (var row in rows)
        {
            known[row.PostId] = new PostInfo(row.Author, (int)row.MediaCount, row.Community, null);
        }

        return known;
    }

    private async Task<long> LockCheckpointAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO processor_checkpoints (name, last_seq, updated_at) VALUES (@name, 0, @now) ON CONFLICT (name) DO NOTHING",
            new { name = _options.Name, now = _store.NowUnixMilliseconds }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var forUpdate = _store.Provider == StoreProvider.Postgres ? " FOR UPDATE" : string.Empty;
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT last_seq FROM processor_checkpoints WHERE name = @name" + forUpdate, new { name = _options.Name }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    private Task HandleAsync(BatchState state, Work work, CancellationToken cancellationToken) => work.Event.Type switch
    {
        EventTypes.PostCreated => HandlePostAsync(state, work, cancellationToken),
        EventTypes.PostDeleted => HandleDeleteAsync(state, work, cancellationToken),
        EventTypes.FollowCreated => HandleFollow(state, work),
        EventTypes.FollowDeleted => HandleUnfollowAsync(state, work, cancellationToken),
        EventTypes.ReportCreated => HandleReportAsync(state, work, cancellationToken),
        EventTypes.AccountCreated or EventTypes.AccountUpdated => HandleAccountAsync(state, work, cancellationToken),
        _ => Task.CompletedTask,
    };

    private async Task HandlePostAsync(BatchState state, Work work, CancellationToken cancellationToken)
    {
        var e = work.Event;
        var post = work.Post!;
        var at = e.OccurredAt.ToUnixTimeMilliseconds();
        state.Stats = state.Stats with { Posts = state.Stats.Posts + 1, Media = state.Stats.Media + post.Media.Count };

        var matches = new List<BankMatchSignal>();
        foreach (var media in work.Media)
        {
            state.MediaItems.Add(post.Id, (long)media.Field.Index, media.Field.Id, e.Actor, at, e.Seq, media.Field.Source, media.Pdq, media.Quality is { } q ? (long)q : null, media.Md5, media.Sha256, media.Error);
            if (media.Error is not null)
            {
                state.Stats = state.Stats with { MediaErrors = state.Stats.MediaErrors + 1 };
                foreach (var reason in media.Error.Split(','))
                {
                    state.MediaErrorReasons[reason] = state.MediaErrorReasons.GetValueOrDefault(reason) + 1;
                }
            }

            foreach (var hit in media.Hits)
            {
                state.MediaMatches.Add(post.Id, (long)media.Field.Index, e.Actor, at, e.Seq, hit.Bank, hit.EntryId, hit.SignalType.Name(), hit.Category, (long)hit.Distance, MediaKey(hit));
                matches.Add(new BankMatchSignal(hit.Bank, hit.Category, hit.SignalType, hit.Distance));
            }
        }

        state.Stats = state.Stats with { MediaMatches = state.Stats.MediaMatches + matches.Count };
        var textHits = Scan(state.Lexicon, post.Text);
        var tagHits = post.Hashtags.Count == 0 ? [] : Scan(state.Lexicon, string.Join(' ', post.Hashtags.Select(t => "#" + t.TrimStart('#'))));
        state.Stats = state.Stats with { TextHits = state.Stats.TextHits + textHits.Count + tagHits.Count };

        var parent = post.ParentId is { } parentId ? state.Find(parentId) : null;
        if (parent is not null && parent.Author != e.Actor)
        {
            state.Edges.Add(e.Actor, parent.Author, post.Kind, at, e.Seq, post.Id);
        }

        foreach (var mention in post.Mentions.Distinct(StringComparer.Ordinal))
        {
            if (mention != e.Actor)
            {
                state.Edges.Add(e.Actor, mention, "mention", at, e.Seq, post.Id);
            }
        }

        // Context: language from the engagement categories on someone else's photo is a sexualising engagement.
        var counters = new Dictionary<string, long>(StringComparer.Ordinal);
        var onPhoto = (post.ReplyTo ?? post.QuoteOf) is not null && parent is { MediaCount: > 0 } && parent.Author != e.Actor;
        var engaged = false;
        if (onPhoto && textHits.Any(h => EngagementCategories.Contains(h.Category)))
        {
            engaged |= await AddEngagementAsync(state, e, post, parent!.Author, "sexualising", cancellationToken).ConfigureAwait(false);
            counters[AccountCounters.SexualisingEngagement] = 1;
        }

        if (textHits.Any(h => TradeCategories.Contains(h.Category)))
        {
            engaged |= await AddEngagementAsync(state, e, post, parent is not null && parent.Author != e.Actor ? parent.Author : null, "trade", cancellationToken).ConfigureAwait(false);
            counters[AccountCounters.TradeRequest] = 1;
        }

        var flagged = matches.Count > 0 || textHits.Count > 0;
        state.AddPost(post.Id, e.Actor, e.Seq, at, post.Kind, post.ParentId, post.Community, post.Media.Count, matches.Count > 0, flagged);
        foreach (var tag in post.Hashtags.Select(EventFields.NormalizeHashtag).Where(t => t.Length > 0).Distinct(StringComparer.Ordinal))
        {
            state.HashtagUses.Add(tag, e.Actor, post.Id, at, e.Seq, flagged);
        }

        if (matches.Count > 0 || textHits.Count > 0 || tagHits.Count > 0)
        {
            var set = new SignalSet(SubjectKind.Content, post.Id, matches, [.. textHits, .. tagHits], counters);
            await DecideAsync(state, set, new DecisionContext(e.Seq, e.OccurredAt, e.Actor, post.Community), cancellationToken).ConfigureAwait(false);
        }

        if (engaged)
        {
            await DecideAccountAsync(state, e, e.Actor, [], cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<bool> AddEngagementAsync(BatchState state, StoredEvent e, PostFields post, string? owner, string kind, CancellationToken cancellationToken)
    {
        var added = await state.Connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO engagements (account, post_id, parent_id, owner, occurred_at, kind) VALUES (@actor, @post, @parent, @owner, @at, @kind) ON CONFLICT (post_id, kind) DO NOTHING",
            new { actor = e.Actor, post = post.Id, parent = post.ParentId, owner, at = e.OccurredAt.ToUnixTimeMilliseconds(), kind },
            state.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        state.Stats = state.Stats with { Engagements = state.Stats.Engagements + added };
        return added > 0;
    }

    private async Task HandleDeleteAsync(BatchState state, Work work, CancellationToken cancellationToken)
    {
        if (!state.MarkDeletedIfPending(work.PostId!))
        {
            await state.Connection.ExecuteAsync(new CommandDefinition(
                "UPDATE posts SET deleted = @deleted WHERE post_id = @id", new { deleted = true, id = work.PostId }, state.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    private static Task HandleFollow(BatchState state, Work work)
    {
        if (work.Target != work.Event.Actor)
        {
            state.Edges.Add(work.Event.Actor, work.Target, "follow", work.Event.OccurredAt.ToUnixTimeMilliseconds(), work.Event.Seq, null);
        }

        return Task.CompletedTask;
    }

    private static async Task HandleUnfollowAsync(BatchState state, Work work, CancellationToken cancellationToken)
    {
        var (src, dst) = (work.Event.Actor, work.Target);
        state.Edges.RemoveWhere(r => (string)r[2]! == "follow" && (string)r[0]! == src && (string)r[1]! == dst);
        await state.Connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM edges WHERE kind = 'follow' AND src = @src AND dst = @dst", new { src, dst }, state.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    private async Task HandleReportAsync(BatchState state, Work work, CancellationToken cancellationToken)
    {
        var e = work.Event;
        var report = work.Report!;
        await state.Connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO reports (event_seq, subject_kind, subject_id, reason, occurred_at) VALUES (@seq, @kind, @id, @reason, @at) ON CONFLICT (event_seq) DO NOTHING",
            new { seq = e.Seq, kind = report.SubjectKind, id = report.SubjectId, reason = report.Reason, at = e.OccurredAt.ToUnixTimeMilliseconds() },
            state.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        state.Stats = state.Stats with { Reports = state.Stats.Reports + 1 };
        var reports = await ReportsAsync(state, report.SubjectKind, report.SubjectId, cancellationToken).ConfigureAwait(false);
        if (report.SubjectKind == "account")
        {
            await DecideAccountAsync(state, e, report.SubjectId, [], cancellationToken).ConfigureAwait(false);
        }
        else if (report.SubjectKind == "post")
        {
            // The post's latest signals (bank matches, text hits) plus every report on it so far.
            var body = await state.Connection.ExecuteScalarAsync<string?>(new CommandDefinition(
                "SELECT body FROM signal_sets WHERE subject_kind = 'content' AND subject_id = @id ORDER BY id DESC LIMIT 1",
                new { id = report.SubjectId }, state.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            var previous = body is null ? null : SignalSetFile.Parse(body) is { IsSuccess: true } parsed ? parsed.Value[0] : null;
            var set = new SignalSet(SubjectKind.Content, report.SubjectId, previous?.BankMatches, previous?.TextHits, previous?.Counters, reports);
            var post = state.Find(report.SubjectId);
            await DecideAsync(state, set, new DecisionContext(e.Seq, e.OccurredAt, post?.Author ?? string.Empty, post?.Community), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task HandleAccountAsync(BatchState state, Work work, CancellationToken cancellationToken)
    {
        var hits = Scan(state.Lexicon, work.AccountText);
        if (hits.Count > 0)
        {
            state.Stats = state.Stats with { TextHits = state.Stats.TextHits + hits.Count };
            await DecideAccountAsync(state, work.Event, work.Event.Actor, hits, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task DecideAccountAsync(BatchState state, StoredEvent e, string account, IReadOnlyList<TextHitSignal> hits, CancellationToken cancellationToken)
    {
        var counters = await AccountCounters.ComputeAsync(state.Connection, state.Transaction, account, e.OccurredAt.ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
        var reports = await ReportsAsync(state, "account", account, cancellationToken).ConfigureAwait(false);
        var set = new SignalSet(SubjectKind.Account, account, [], hits, counters, reports);
        await DecideAsync(state, set, new DecisionContext(e.Seq, e.OccurredAt, account, null), cancellationToken).ConfigureAwait(false);
    }

    private static async Task<IReadOnlyList<ReportSignal>> ReportsAsync(BatchState state, string kind, string id, CancellationToken cancellationToken)
    {
        var reasons = await state.Connection.QueryAsync<string>(new CommandDefinition(
            "SELECT reason FROM reports WHERE subject_kind = @kind AND subject_id = @id ORDER BY event_seq",
            new { kind, id }, state.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. reasons.Select(r => new ReportSignal(r))];
    }

    private async Task DecideAsync(BatchState state, SignalSet set, DecisionContext context, CancellationToken cancellationToken)
    {
        await state.Connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO signal_sets (event_seq, subject_kind, subject_id, account, occurred_at, body) VALUES (@seq, @kind, @id, @account, @at, @body) ON CONFLICT (event_seq, subject_kind, subject_id) DO NOTHING",
            new { seq = context.EventSeq, kind = DecisionLog.KindName(set.SubjectKind), id = set.SubjectId, account = context.Account, at = context.OccurredAt.ToUnixTimeMilliseconds(), body = SignalSetFile.Serialize(set) },
            state.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        state.Stats = state.Stats with { SignalSets = state.Stats.SignalSets + 1 };
        var decisions = _options.Policy.Evaluate(set);
        if (decisions.Count == 0)
        {
            return;
        }

        var (recorded, enqueued) = await DecisionLog.RecordAsync(_store, state.Connection, state.Transaction, decisions, context, _options.Adapters, cancellationToken).ConfigureAwait(false);
        state.Stats = state.Stats with { Decisions = state.Stats.Decisions + recorded, Actions = state.Stats.Actions + enqueued };
    }

    /// <summary>
    /// Which known item a hit stands for: a bank lists one image under several entries (PDQ, MD5, SHA-256) sharing
    /// its external id, so hits on any of them are the same media; without an external id, the entry itself.
    /// </summary>
    internal static string MediaKey(MatchHit hit) => hit.ExternalId is { Length: > 0 } external ? $"{hit.Bank}/{external}" : $"{hit.Bank}#{hit.EntryId}";

    private List<TextHitSignal> Scan(LexiconSnapshot lexicon, string? text)
    {
        if (string.IsNullOrEmpty(text) || lexicon.Matcher.Entries.Count == 0)
        {
            return [];
        }

        // One hit buffer per processor: batches run one at a time, and a scan per post should not allocate one.
        _hits.Clear();
        lexicon.Matcher.Scan(text, _hits);
        return _hits.Count == 0 ? [] : [.. _hits.Select(h => new TextHitSignal(h.Category, h.Weight, h.EntryId))];
    }

    /// <summary>What is known of a post while processing: its author, media count and community.</summary>
    private sealed record PostInfo(string Author, int MediaCount, string? Community, object?[]? PendingRow);

    /// <summary>One event of the batch, parsed.</summary>
    private sealed class Work(StoredEvent e)
    {
        public StoredEvent Event { get; } = e;

        public PostFields? Post { get; init; }

        public string? PostId { get; init; }

        public string? Target { get; init; }

        public ReportFields? Report { get; init; }

        public string? AccountText { get; init; }

        public List<ResolvedMedia> Media { get; } = [];
    }

    /// <summary>The write side of one batch: the transaction, buffered bulk rows, posts seen so far and counts.</summary>
    private sealed class BatchState(DbConnection connection, DbTransaction transaction, Dictionary<string, PostInfo> known, LexiconSnapshot lexicon)
    {
        public DbConnection Connection { get; } = connection;

        public DbTransaction Transaction { get; } = transaction;

        public LexiconSnapshot Lexicon { get; } = lexicon;

        public ProcessStats Stats { get; set; } = ProcessStats.Empty;

        public Dictionary<string, long> MediaErrorReasons { get; } = new(StringComparer.Ordinal);

        public BulkRows Posts { get; } = new("posts",
            [("post_id", BulkType.Text), ("author", BulkType.Text), ("seq", BulkType.BigInt), ("occurred_at", BulkType.BigInt), ("kind", BulkType.Text), ("parent_id", BulkType.Text),
             ("community", BulkType.Text), ("media_count", BulkType.BigInt), ("matched", BulkType.Bool), ("flagged", BulkType.Bool), ("deleted", BulkType.Bool)],
            "ON CONFLICT (post_id) DO NOTHING");

        public BulkRows MediaItems { get; } = new("media_items",
            [("post_id", BulkType.Text), ("media_index", BulkType.BigInt), ("media_id", BulkType.Text), ("account", BulkType.Text), ("occurred_at", BulkType.BigInt), ("seq", BulkType.BigInt), ("source", BulkType.Text),
             ("pdq", BulkType.Text), ("quality", BulkType.BigInt), ("md5", BulkType.Text), ("sha256", BulkType.Text), ("error", BulkType.Text)],
            "ON CONFLICT (post_id, media_index) DO NOTHING");

        public BulkRows MediaMatches { get; } = new("media_matches",
            [("post_id", BulkType.Text), ("media_index", BulkType.BigInt), ("account", BulkType.Text), ("occurred_at", BulkType.BigInt), ("seq", BulkType.BigInt), ("bank", BulkType.Text),
             ("entry_id", BulkType.BigInt), ("signal_type", BulkType.Text), ("category", BulkType.Text), ("distance", BulkType.BigInt), ("media_key", BulkType.Text)],
            "ON CONFLICT (post_id, media_index, bank, entry_id, signal_type) DO NOTHING");

        public BulkRows Edges { get; } = new("edges",
            [("src", BulkType.Text), ("dst", BulkType.Text), ("kind", BulkType.Text), ("occurred_at", BulkType.BigInt), ("seq", BulkType.BigInt), ("post_id", BulkType.Text)],
            "ON CONFLICT (seq, kind, dst) DO NOTHING");

        public BulkRows HashtagUses { get; } = new("hashtag_uses",
            [("tag", BulkType.Text), ("account", BulkType.Text), ("post_id", BulkType.Text), ("occurred_at", BulkType.BigInt), ("seq", BulkType.BigInt), ("flagged", BulkType.Bool)],
            "ON CONFLICT (tag, post_id) DO NOTHING");

        public PostInfo? Find(string postId) => known.GetValueOrDefault(postId);

        public void AddPost(string id, string author, long seq, long at, string kind, string? parent, string? community, int mediaCount, bool matched, bool flagged)
        {
            object?[] row = [id, author, seq, at, kind, parent, community, (long)mediaCount, matched, flagged, false];
            Posts.Add(row);
            known.TryAdd(id, new PostInfo(author, mediaCount, community, row));
        }

        public bool MarkDeletedIfPending(string postId)
        {
            if (known.GetValueOrDefault(postId)?.PendingRow is not { } row)
            {
                return false;
            }

            row[^1] = true;
            return true;
        }

        public async Task FlushAsync(CancellationToken cancellationToken)
        {
            foreach (var rows in new[] { Posts, MediaItems, MediaMatches, Edges, HashtagUses })
            {
                await rows.FlushAsync(Connection, Transaction, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static partial class ProcessorLog
    {
        [LoggerMessage(EventId = 1700, Level = LogLevel.Information, Message = "Processed {Events} events up to seq {LastSeq}: {Decisions} decisions, {Actions} actions in {ElapsedMs} ms")]
        public static partial void BatchProcessed(ILogger logger, int events, long lastSeq, long decisions, long actions, long elapsedMs);

        [LoggerMessage(EventId = 1701, Level = LogLevel.Warning, Message = "Event at seq {Seq} set aside as dead at stage {Stage} ({ErrorType}, {ErrorCode}); haven events dead list")]
        public static partial void EventDead(ILogger logger, long seq, string stage, string errorType, string errorCode);

        [LoggerMessage(EventId = 1702, Level = LogLevel.Information, Message = "Batch after seq {Checkpoint} was processed by another worker; moving on")]
        public static partial void BatchTaken(ILogger logger, long checkpoint);

        [LoggerMessage(EventId = 1703, Level = LogLevel.Warning, Message = "Batch after seq {Checkpoint} failed ({ErrorType}); looking for the events that fail alone")]
        public static partial void BatchFailed(ILogger logger, long checkpoint, string errorType);

        [LoggerMessage(EventId = 1704, Level = LogLevel.Error, Message = "Batch after seq {Checkpoint}: {Failing} of {Events} events fail alone; nothing set aside, the batch is retried")]
        public static partial void NotIsolated(ILogger logger, long checkpoint, int events, int failing);

        [LoggerMessage(EventId = 1705, Level = LogLevel.Information, Message = "Dead event at seq {Seq} retried: {Outcome}")]
        public static partial void DeadRetried(ILogger logger, long seq, string outcome);
    }
}
