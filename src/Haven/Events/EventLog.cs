using Dapper;
using Haven.Storage;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace Haven.Events;

/// <summary>What happened to one input line.</summary>
internal enum IngestStatus
{
    /// <summary>Stored now, durably, for the first time.</summary>
    Accepted,
    /// <summary>An event with this id and the same bytes is already stored (a re-send): nothing changed.</summary>
    Duplicate,
    /// <summary>An event with this id but different content is already stored: kept the first, refused this one.</summary>
    Conflict,
    /// <summary>The line is not a valid event; see the error.</summary>
    Error,
}

/// <summary>The answer for one line of a batch.</summary>
/// <param name="Line">1-based line number in the batch (or file).</param>
/// <param name="Seq">Position in the event log, for accepted and duplicate events.</param>
/// <param name="Code">For errors and conflicts: the stable code of <see cref="LineError"/>.</param>
internal sealed record IngestLineResult(long Line, string? Id, IngestStatus Status, string? Error, long? Seq, string? Code = null);

/// <summary>An event as stored in the log: its position, envelope and the validated JSON line.</summary>
internal sealed record StoredEvent(long Seq, string Id, string Type, DateTimeOffset OccurredAt, string Actor, string Body);

/// <summary>Counts of a batch or a whole file.</summary>
internal sealed record IngestSummary(long Lines, long Accepted, long Duplicates, long Conflicts, long Errors)
{
    public static IngestSummary Of(IReadOnlyCollection<IngestLineResult> results) => new(
        results.Count,
        results.Count(r => r.Status == IngestStatus.Accepted),
        results.Count(r => r.Status == IngestStatus.Duplicate),
        results.Count(r => r.Status == IngestStatus.Conflict),
        results.Count(r => r.Status == IngestStatus.Error));

    public IngestSummary Add(IngestSummary other) => new(Lines + other.Lines, Accepted + other.Accepted, Duplicates + other.Duplicates, Conflicts + other.Conflicts, Errors + other.Errors);
}

/// <summary>
/// The durable, append-only log of platform events, idempotent on the platform's event id. A batch is committed
/// (SQLite with <c>synchronous=FULL</c>, so it survives a power cut as well as a killed process) before any line of it
/// is answered: an acknowledged event is never lost and never stored twice.
/// </summary>
internal sealed class EventLog(HavenStore store, EventLimits? limits = null)
{
    private readonly EventLimits _limits = limits ?? EventLimits.Default;

    /// <summary>The limits lines are checked against.</summary>
    public EventLimits Limits => _limits;

    /// <summary>Most lines in one batch.</summary>
    public const int MaxBatchLines = 10_000;

    /// <summary>
    /// Validates and stores a batch of NDJSON lines; bad lines get an error and the rest are kept. Blank lines are
    /// skipped and get no result; every result carries its line number.
    /// </summary>
    /// <param name="firstLine">Line number of <paramref name="lines"/>[0], for messages.</param>
    public Task<IReadOnlyList<IngestLineResult>> IngestAsync(IReadOnlyList<string> lines, long firstLine = 1, CancellationToken cancellationToken = default) =>
        IngestAsync([.. lines.Select(l => (NdjsonLine)l)], firstLine, cancellationToken);

    /// <summary>
    /// As <see cref="IngestAsync(IReadOnlyList{string}, long, CancellationToken)"/>, for lines read by
    /// <see cref="NdjsonReader"/>: a line the reader already refused (not UTF-8, too long) keeps its error.
    /// </summary>
    public async Task<IReadOnlyList<IngestLineResult>> IngestAsync(IReadOnlyList<NdjsonLine> lines, long firstLine = 1, CancellationToken cancellationToken = default)
    {
        if (lines.Count > MaxBatchLines)
        {
            throw new ArgumentException($"At most {MaxBatchLines} lines per batch.", nameof(lines));
        }

        var results = new IngestLineResult?[lines.Count];
        var fresh = new List<(int Index, PlatformEvent Event)>(lines.Count);
        var firstById = new Dictionary<string, int>(StringComparer.Ordinal);
        var now = store.Time.GetUtcNow();
        for (var i = 0; i < lines.Count; i++)
        {
            var (line, refused) = lines[i];
            if (refused is not null)
            {
                results[i] = new IngestLineResult(firstLine + i, null, IngestStatus.Error, refused.Message, null, refused.Code);
                continue;
            }

            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            if (!EventParser.TryParse(line, _limits, now, out var parsed, out var id, out var error))
            {
                results[i] = new IngestLineResult(firstLine + i, id, IngestStatus.Error, error!.Message, null, error.Code);
                continue;
            }

            if (firstById.TryGetValue(parsed!.Id, out var earlier))
            {
                // Repeated inside the batch: resolved against the first occurrence after the write.
                var same = fresh[earlier].Event.BodySha256 == parsed.BodySha256;
                results[i] = new IngestLineResult(firstLine + i, parsed.Id, same ? IngestStatus.Duplicate : IngestStatus.Conflict, null, null, same ? null : "conflict");
                continue;
            }

            firstById[parsed.Id] = fresh.Count;
            fresh.Add((i, parsed));
        }

        if (fresh.Count > 0)
        {
            var stored = await WriteAsync(fresh.Select(f => f.Event).ToList(), cancellationToken).ConfigureAwait(false);
            for (var k = 0; k < fresh.Count; k++)
            {
                var (index, e) = fresh[k];
                var (seq, inserted, sha) = stored[k];
                results[index] = new IngestLineResult(
                    firstLine + index, e.Id,
                    inserted ? IngestStatus.Accepted : sha == e.BodySha256 ? IngestStatus.Duplicate : IngestStatus.Conflict,
                    inserted || sha == e.BodySha256 ? null : "an event with this id and different content is already stored; the first one is kept",
                    seq,
                    inserted || sha == e.BodySha256 ? null : "conflict");
            }

            for (var i = 0; i < results.Length; i++)
            {
                if (results[i] is { Status: IngestStatus.Duplicate or IngestStatus.Conflict, Seq: null, Id: { } id } r && firstById.TryGetValue(id, out var first))
                {
                    results[i] = r with { Seq = stored[first].Seq, Error = r.Status == IngestStatus.Conflict ? "an event with this id and different content appears earlier in the batch" : null };
                }
            }
        }

        var answered = results.OfType<IngestLineResult>().ToList();
        foreach (var outcome in answered.GroupBy(r => (r.Status, r.Code)))
        {
            var status = new KeyValuePair<string, object?>(HavenMetrics.Tags.IngestStatus, outcome.Key.Status.ToString().ToLowerInvariant());
            if (outcome.Key.Code is { } code)
            {
                HavenMetrics.IngestLines.Add(outcome.Count(), status, new(HavenMetrics.Tags.ErrorType, code));
            }
            else
            {
                HavenMetrics.IngestLines.Add(outcome.Count(), status);
            }

            if (outcome.Key.Status == IngestStatus.Accepted)
            {
                HavenMetrics.EventsIngested.Add(outcome.Count());
            }
        }

        return answered;
    }

    /// <summary>Number of events stored.</summary>
    public async Task<long> CountAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM events", cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>
    /// Up to <paramref name="limit"/> stored events after log position <paramref name="afterSeq"/>, in log order. Log
    /// order is commit order on both providers (SQLite has one writer; PostgreSQL writers take an advisory lock).
    /// </summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadAfterAsync(long afterSeq, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await ReadAfterAsync(connection, afterSeq, limit, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// As <see cref="ReadAfterAsync(long, int, CancellationToken)"/>, on the caller's connection, stopping early once the
    /// bodies read reach <paramref name="maxChars"/> characters (at least one event is always returned), so a run of
    /// events carrying large inline media cannot make one batch arbitrarily large in memory.
    /// </summary>
    /// <param name="minEvents">Events read even past <paramref name="maxChars"/> (at most <paramref name="limit"/>).</param>
    public static async Task<IReadOnlyList<StoredEvent>> ReadAfterAsync(System.Data.Common.DbConnection connection, long afterSeq, int limit, CancellationToken cancellationToken, long maxChars = long.MaxValue, int minEvents = 1)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq, event_id, type, occurred_at, actor, body FROM events WHERE seq > @afterSeq ORDER BY seq LIMIT @limit";
        var after = command.CreateParameter();
        after.ParameterName = "@afterSeq";
        after.Value = afterSeq;
        command.Parameters.Add(after);
        var count = command.CreateParameter();
        count.ParameterName = "@limit";
        count.Value = (long)limit;
        command.Parameters.Add(count);
        var events = new List<StoredEvent>();
        long chars = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while ((chars < maxChars || events.Count < minEvents) && await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var body = reader.GetString(5);
            chars += body.Length;
            events.Add(new StoredEvent(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)), reader.GetString(4), body));
        }

        return events;
    }

    /// <summary>The highest log position, 0 when the log is empty.</summary>
    public async Task<long> LastSeqAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long?>(new CommandDefinition("SELECT MAX(seq) FROM events", cancellationToken: cancellationToken)).ConfigureAwait(false) ?? 0;
    }

    /// <summary>Inserts new events; returns per event its sequence number, whether it was inserted now, and the stored body hash.</summary>
    private async Task<(long Seq, bool Inserted, string Sha)[]> WriteAsync(List<PlatformEvent> events, CancellationToken cancellationToken)
    {
        var receivedAt = store.NowUnixMilliseconds;
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        if (store.Provider == StoreProvider.Sqlite)
        {
            await using var pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA synchronous = FULL;";
            await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var transaction = await store.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var result = store.Provider == StoreProvider.Postgres
            ? await WritePostgresAsync((NpgsqlConnection)connection, (NpgsqlTransaction)transaction, events, receivedAt, cancellationToken).ConfigureAwait(false)
            : WriteSqlite((SqliteConnection)connection, (SqliteTransaction)transaction, events, receivedAt);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    private static (long, bool, string)[] WriteSqlite(SqliteConnection connection, SqliteTransaction transaction, List<PlatformEvent> events, long receivedAt)
    {
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText =
            "INSERT INTO events (event_id, type, occurred_at, actor, body, body_sha256, received_at) " +
            "VALUES ($id, $type, $occurred, $actor, $body, $sha, $received) ON CONFLICT (event_id) DO NOTHING RETURNING seq";
        var id = insert.Parameters.Add("$id", SqliteType.Text);
        var type = insert.Parameters.Add("$type", SqliteType.Text);
        var occurred = insert.Parameters.Add("$occurred", SqliteType.Integer);
        var actor = insert.Parameters.Add("$actor", SqliteType.Text);
        var body = insert.Parameters.Add("$body", SqliteType.Text);
        var sha = insert.Parameters.Add("$sha", SqliteType.Text);
        insert.Parameters.AddWithValue("$received", receivedAt);
        insert.Prepare();

        using var existing = connection.CreateCommand();
        existing.Transaction = transaction;
        existing.CommandText = "SELECT seq, body_sha256 FROM events WHERE event_id = $id";
        var existingId = existing.Parameters.Add("$id", SqliteType.Text);
        existing.Prepare();

        var result = new (long, bool, string)[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            (id.Value, type.Value, occurred.Value, actor.Value, body.Value, sha.Value) = (e.Id, e.Type, e.OccurredAt.ToUnixTimeMilliseconds(), e.Actor, e.Json, e.BodySha256);
            if (insert.ExecuteScalar() is long seq)
            {
                result[i] = (seq, true, e.BodySha256);
                continue;
            }

            existingId.Value = e.Id;
            using var reader = existing.ExecuteReader();
            reader.Read();
            result[i] = (reader.GetInt64(0), false, reader.GetString(1));
        }

        return result;
    }

    private static async Task<(long, bool, string)[]> WritePostgresAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<PlatformEvent> events, long receivedAt, CancellationToken cancellationToken)
    {
        // Writers take turns, so sequence numbers become visible in order: a reader that sees seq N has seen every
        // committed seq below N, and the signal processor's checkpoint never skips an event committed late.
        await using (var turn = new NpgsqlCommand(AdvisoryLocks.XactLockSql, connection, transaction))
        {
            turn.Parameters.AddWithValue("key", AdvisoryLocks.EventIngest);
            await turn.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // One round trip for the whole batch: unnest parallel arrays; conflicting ids are skipped and looked up after.
        await using var insert = new NpgsqlCommand(
            "INSERT INTO events (event_id, type, occurred_at, actor, body, body_sha256, received_at) " +
            "SELECT i, t, o, a, b, s, @received FROM unnest(@ids, @types, @occurred, @actors, @bodies, @shas) AS x(i, t, o, a, b, s) " +
            "ON CONFLICT (event_id) DO NOTHING RETURNING event_id, seq",
            connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = events.Select(e => e.Id).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter("types", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = events.Select(e => e.Type).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter("occurred", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = events.Select(e => e.OccurredAt.ToUnixTimeMilliseconds()).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter("actors", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = events.Select(e => e.Actor).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter("bodies", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = events.Select(e => e.Json).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter("shas", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = events.Select(e => e.BodySha256).ToArray() });
        insert.Parameters.AddWithValue("received", receivedAt);
        var inserted = new Dictionary<string, long>(StringComparer.Ordinal);
        await using (var reader = await insert.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                inserted[reader.GetString(0)] = reader.GetInt64(1);
            }
        }

        var existing = new Dictionary<string, (long Seq, string Sha)>(StringComparer.Ordinal);
        var missing = events.Where(e => !inserted.ContainsKey(e.Id)).Select(e => e.Id).ToArray();
        if (missing.Length > 0)
        {
            await using var select = new NpgsqlCommand("SELECT event_id, seq, body_sha256 FROM events WHERE event_id = ANY(@ids)", connection, transaction);
            select.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = missing });
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                existing[reader.GetString(0)] = (reader.GetInt64(1), reader.GetString(2));
            }
        }

        return [.. events.Select(e => inserted.TryGetValue(e.Id, out var seq) ? (seq, true, e.BodySha256) : (existing[e.Id].Seq, false, existing[e.Id].Sha))];
    }
}

/// <summary>What became of one stored media item of an event: its error code when it could not be hashed or matched.</summary>
internal sealed record EventMediaRecord(int Index, string? MediaId, string Source, string? Error, bool PdqComputed, int? Quality, long BankMatches);

/// <summary>An event's own record: where it sits in the log, whether the signals stage has processed it, and its media outcomes (ids and codes only, never content).</summary>
internal sealed record EventRecord(string Id, long Seq, string Type, DateTimeOffset OccurredAt, DateTimeOffset ReceivedAt, string Actor, bool Processed, IReadOnlyList<EventMediaRecord> Media);

/// <summary>Where a consumer stands in the log (<see cref="EventRecords.ReadLagAsync"/>); times in Unix milliseconds.</summary>
internal readonly record struct LogLag(long Last, long Processed, long? OldestWaitingReceivedAt, long CheckpointUpdatedAt)
{
    /// <summary>Events stored and not yet processed.</summary>
    public long Waiting => Math.Max(0, Last - Processed);

    /// <summary>How long the oldest waiting event has waited (zero when none waits).</summary>
    public TimeSpan OldestWait(long nowUnixMilliseconds) =>
        OldestWaitingReceivedAt is { } received ? TimeSpan.FromMilliseconds(Math.Max(0, nowUnixMilliseconds - received)) : TimeSpan.Zero;
}

/// <summary>Reads event records and where consumers of the log stand.</summary>
internal static class EventRecords
{
    /// <summary>The signals stage's checkpoint name.</summary>
    public const string SignalsCheckpoint = "signals";

    /// <summary>Where the consumer <paramref name="name"/> stands in the log and when it last moved; null before its first batch.</summary>
    public static Task<(long Seq, long UpdatedAt)?> ReadCheckpointAsync(System.Data.Common.DbConnection connection, string name, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<(long Seq, long UpdatedAt)?>(new CommandDefinition(
            "SELECT last_seq, updated_at FROM processor_checkpoints WHERE name = @name", new { name }, cancellationToken: cancellationToken));

    /// <summary>
    /// How far the consumer <paramref name="name"/> is behind the log: the last stored event, the checkpoint, when the oldest
    /// waiting event was received (null when none waits) and when the checkpoint last moved (0 before its first batch).
    /// Read by the readiness check and the telemetry sampler.
    /// </summary>
    public static async Task<LogLag> ReadLagAsync(System.Data.Common.DbConnection connection, string name, CancellationToken cancellationToken)
    {
        var last = await connection.ExecuteScalarAsync<long?>(new CommandDefinition("SELECT MAX(seq) FROM events", cancellationToken: cancellationToken)).ConfigureAwait(false) ?? 0;
        var checkpoint = await ReadCheckpointAsync(connection, name, cancellationToken).ConfigureAwait(false);
        var processed = checkpoint?.Seq ?? 0;
        long? oldestWaiting = last > processed
            ? await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
                "SELECT received_at FROM events WHERE seq > @processed ORDER BY seq LIMIT 1", new { processed }, cancellationToken: cancellationToken)).ConfigureAwait(false)
            : null;
        return new LogLag(last, processed, oldestWaiting, checkpoint?.UpdatedAt ?? 0);
    }

    /// <summary>The record of event <paramref name="eventId"/>, or null when no such event is stored.</summary>
    public static async Task<EventRecord?> FindAsync(HavenStore store, string eventId, string checkpointName = SignalsCheckpoint, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<(long Seq, string Type, long OccurredAt, long ReceivedAt, string Actor, string Body)?>(new CommandDefinition(
            "SELECT seq, type, occurred_at, received_at, actor, body FROM events WHERE event_id = @eventId", new { eventId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (row is not { } e)
        {
            return null;
        }

        var checkpoint = (await ReadCheckpointAsync(connection, checkpointName, cancellationToken).ConfigureAwait(false))?.Seq ?? 0;
        var media = await connection.QueryAsync<(long Index, string? MediaId, string Source, string? Error, string? Pdq, long? Quality, long Matches)>(new CommandDefinition(
            "SELECT m.media_index, m.media_id, m.source, m.error, m.pdq, m.quality, " +
            "(SELECT COUNT(*) FROM media_matches x WHERE x.post_id = m.post_id AND x.media_index = m.media_index) " +
            "FROM media_items m WHERE m.post_id = @postId AND m.seq = @seq ORDER BY m.media_index", new { postId = PostId(e.Type, e.Body), seq = e.Seq }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new EventRecord(
            eventId, e.Seq, e.Type, DateTimeOffset.FromUnixTimeMilliseconds(e.OccurredAt), DateTimeOffset.FromUnixTimeMilliseconds(e.ReceivedAt), e.Actor, e.Seq <= checkpoint,
            [.. media.Select(m => new EventMediaRecord((int)m.Index, m.MediaId, m.Source, m.Error, m.Pdq is not null, m.Quality is { } q ? (int)q : null, m.Matches))]);
    }

    private static string? PostId(string type, string body)
    {
        if (type != EventTypes.PostCreated)
        {
            return null;
        }

        using var document = System.Text.Json.JsonDocument.Parse(body);
        return document.RootElement.TryGetProperty("post", out var post) && post.TryGetProperty("id", out var id) ? id.GetString() : null;
    }

    /// <summary>Media errors by reason over every processed media item (an item may fail for several reasons).</summary>
    public static async Task<IReadOnlyList<(string Reason, long Count)>> MediaErrorsAsync(HavenStore store, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(string Error, long Count)>(new CommandDefinition(
            "SELECT error, COUNT(*) FROM media_items WHERE error IS NOT NULL GROUP BY error", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.SelectMany(r => r.Error.Split(',').Select(reason => (Reason: reason, r.Count)))
            .GroupBy(r => r.Reason, StringComparer.Ordinal).Select(g => (g.Key, g.Sum(r => r.Count))).OrderByDescending(r => r.Item2).ThenBy(r => r.Key, StringComparer.Ordinal)];
    }
}
