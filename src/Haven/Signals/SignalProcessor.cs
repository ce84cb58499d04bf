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
using Haven.Signals.Handlers;
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

    /// <summary>The cases stage's settings (due times of the cases decisions and reports open).</summary>
    public Cases.CaseSettings Cases { get; init; } = Haven.Cases.CaseSettings.Default;

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
    private readonly SubjectDecisions _decisions;

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
        _decisions = new SubjectDecisions(store, options.Policy, options.Adapters, options.Cases);
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
        committed.Decided.ReportCommitted();
        foreach (var (reason, count) in stats.MediaErrorReasons)
        {
            HavenMetrics.MediaErrors.Add(count, new KeyValuePair<string, object?>(HavenMetrics.Tags.ErrorType, reason));
        }

        foreach (var (e, stage, error) in dead)
        {
            HavenMetrics.DeadEvents.Add(1, new KeyValuePair<string, object?>(HavenMetrics.Tags.DeadStage, stage));
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
                var work = EventHandlers.Read(e);
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
        var state = new BatchState(new ProjectionRows(connection, transaction), new Dictionary<string, PostInfo>(known, StringComparer.Ordinal), lexicon, _hits, _decisions);
        foreach (var work in live)
        {
            _options.FaultForTests?.Invoke(work.Event);
            if (work.Handler is { } handler)
            {
                await handler.HandleAsync(state, work, cancellationToken).ConfigureAwait(false);
            }
        }

        await state.Rows.FlushAsync(cancellationToken).ConfigureAwait(false);
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

    private Task<Dictionary<string, PostInfo>> PrefetchPostsAsync(DbConnection connection, IReadOnlyList<Work> work, CancellationToken cancellationToken)
    {
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in work)
        {
            if (item.Handler?.ReferencedPost(item) is { } post)
            {
                wanted.Add(post);
            }
        }

        return ProjectionRows.ReadPostsAsync(_store.Provider, connection, wanted, cancellationToken);
    }

    private async Task<long> LockCheckpointAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO processor_checkpoints (name, last_seq, updated_at) VALUES (@name, 0, @now) ON CONFLICT (name) DO NOTHING",
            new { name = _options.Name, now = _store.NowUnixMilliseconds }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT last_seq FROM processor_checkpoints WHERE name = @name" + SqlDialect.ForUpdate(_store.Provider), new { name = _options.Name }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
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
