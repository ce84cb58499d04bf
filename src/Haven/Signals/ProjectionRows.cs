using System.Data.Common;
using Dapper;
using Haven.Policy;
using Haven.Storage;

namespace Haven.Signals;

/// <summary>A row of <c>posts</c>.</summary>
internal readonly record struct PostRow(
    string PostId, string Author, long Seq, long OccurredAt, string Kind, string? ParentId, string? Community, long MediaCount, bool Matched, bool Flagged, bool Deleted);

/// <summary>A row of <c>media_items</c>: the hashes computed for one media item, or the error codes of what failed.</summary>
internal readonly record struct MediaItemRow(
    string PostId, long MediaIndex, string? MediaId, string Account, long OccurredAt, long Seq, string Source, string? Pdq, long? Quality, string? Md5, string? Sha256, string? Error);

/// <summary>A row of <c>media_matches</c>: one bank entry a media item matched.</summary>
internal readonly record struct MediaMatchRow(
    string PostId, long MediaIndex, string Account, long OccurredAt, long Seq, string Bank, long EntryId, string SignalType, string? Category, long Distance, string MediaKey);

/// <summary>A row of <c>edges</c>: an interaction between two accounts (kinds in <see cref="EdgeKinds"/>).</summary>
internal readonly record struct EdgeRow(string Src, string Dst, string Kind, long OccurredAt, long Seq, string? PostId);

/// <summary>A row of <c>hashtag_uses</c>.</summary>
internal readonly record struct HashtagUseRow(string Tag, string Account, string PostId, long OccurredAt, long Seq, bool Flagged);

/// <summary>The kinds of <c>edges</c>; a reply, repost or quote edge carries its post's kind (<see cref="PostFields.Kind"/>).</summary>
internal static class EdgeKinds
{
    /// <summary>The account follows the other (removed by <c>follow.deleted</c>).</summary>
    public const string Follow = "follow";

    /// <summary>The account's post mentions the other.</summary>
    public const string Mention = "mention";
}

/// <summary>
/// The tables the signals stage writes (<c>posts</c>, <c>media_items</c>, <c>media_matches</c>, <c>edges</c>,
/// <c>hashtag_uses</c>, <c>reports</c>, <c>engagements</c>, <c>signal_sets</c>) and their SQL, for one batch
/// transaction: typed rows buffered for the bulk writer (<see cref="BulkRows{TRow}"/>: SQLite or PostgreSQL), and the
/// statements that cannot wait for the flush because a later event of the batch reads what they write.
/// </summary>
internal sealed class ProjectionRows(DbConnection connection, DbTransaction transaction)
{
    private static readonly BulkColumn<PostRow>[] PostColumns =
    [
        BulkColumn.Text<PostRow>("post_id", r => r.PostId), BulkColumn.Text<PostRow>("author", r => r.Author), BulkColumn.BigInt<PostRow>("seq", r => r.Seq),
        BulkColumn.BigInt<PostRow>("occurred_at", r => r.OccurredAt), BulkColumn.Text<PostRow>("kind", r => r.Kind), BulkColumn.Text<PostRow>("parent_id", r => r.ParentId),
        BulkColumn.Text<PostRow>("community", r => r.Community), BulkColumn.BigInt<PostRow>("media_count", r => r.MediaCount), BulkColumn.Bool<PostRow>("matched", r => r.Matched),
        BulkColumn.Bool<PostRow>("flagged", r => r.Flagged), BulkColumn.Bool<PostRow>("deleted", r => r.Deleted),
    ];

    private static readonly BulkColumn<MediaItemRow>[] MediaItemColumns =
    [
        BulkColumn.Text<MediaItemRow>("post_id", r => r.PostId), BulkColumn.BigInt<MediaItemRow>("media_index", r => r.MediaIndex), BulkColumn.Text<MediaItemRow>("media_id", r => r.MediaId),
        BulkColumn.Text<MediaItemRow>("account", r => r.Account), BulkColumn.BigInt<MediaItemRow>("occurred_at", r => r.OccurredAt), BulkColumn.BigInt<MediaItemRow>("seq", r => r.Seq),
        BulkColumn.Text<MediaItemRow>("source", r => r.Source), BulkColumn.Text<MediaItemRow>("pdq", r => r.Pdq), BulkColumn.BigInt<MediaItemRow>("quality", r => r.Quality),
        BulkColumn.Text<MediaItemRow>("md5", r => r.Md5), BulkColumn.Text<MediaItemRow>("sha256", r => r.Sha256), BulkColumn.Text<MediaItemRow>("error", r => r.Error),
    ];

    private static readonly BulkColumn<MediaMatchRow>[] MediaMatchColumns =
    [
        BulkColumn.Text<MediaMatchRow>("post_id", r => r.PostId), BulkColumn.BigInt<MediaMatchRow>("media_index", r => r.MediaIndex), BulkColumn.Text<MediaMatchRow>("account", r => r.Account),
        BulkColumn.BigInt<MediaMatchRow>("occurred_at", r => r.OccurredAt), BulkColumn.BigInt<MediaMatchRow>("seq", r => r.Seq), BulkColumn.Text<MediaMatchRow>("bank", r => r.Bank),
        BulkColumn.BigInt<MediaMatchRow>("entry_id", r => r.EntryId), BulkColumn.Text<MediaMatchRow>("signal_type", r => r.SignalType), BulkColumn.Text<MediaMatchRow>("category", r => r.Category),
        BulkColumn.BigInt<MediaMatchRow>("distance", r => r.Distance), BulkColumn.Text<MediaMatchRow>("media_key", r => r.MediaKey),
    ];

    private static readonly BulkColumn<EdgeRow>[] EdgeColumns =
    [
        BulkColumn.Text<EdgeRow>("src", r => r.Src), BulkColumn.Text<EdgeRow>("dst", r => r.Dst), BulkColumn.Text<EdgeRow>("kind", r => r.Kind),
        BulkColumn.BigInt<EdgeRow>("occurred_at", r => r.OccurredAt), BulkColumn.BigInt<EdgeRow>("seq", r => r.Seq), BulkColumn.Text<EdgeRow>("post_id", r => r.PostId),
    ];

    private static readonly BulkColumn<HashtagUseRow>[] HashtagUseColumns =
    [
        BulkColumn.Text<HashtagUseRow>("tag", r => r.Tag), BulkColumn.Text<HashtagUseRow>("account", r => r.Account), BulkColumn.Text<HashtagUseRow>("post_id", r => r.PostId),
        BulkColumn.BigInt<HashtagUseRow>("occurred_at", r => r.OccurredAt), BulkColumn.BigInt<HashtagUseRow>("seq", r => r.Seq), BulkColumn.Bool<HashtagUseRow>("flagged", r => r.Flagged),
    ];

    private readonly BulkRows<PostRow> _posts = new("posts", PostColumns, "ON CONFLICT (post_id) DO NOTHING");
    private readonly BulkRows<MediaItemRow> _mediaItems = new("media_items", MediaItemColumns, "ON CONFLICT (post_id, media_index) DO NOTHING");
    private readonly BulkRows<MediaMatchRow> _mediaMatches = new("media_matches", MediaMatchColumns, "ON CONFLICT (post_id, media_index, bank, entry_id, signal_type) DO NOTHING");
    private readonly BulkRows<EdgeRow> _edges = new("edges", EdgeColumns, "ON CONFLICT (seq, kind, dst) DO NOTHING");
    private readonly BulkRows<HashtagUseRow> _hashtagUses = new("hashtag_uses", HashtagUseColumns, "ON CONFLICT (tag, post_id) DO NOTHING");

    /// <summary>The batch's connection.</summary>
    public DbConnection Connection { get; } = connection;

    /// <summary>The batch's write transaction.</summary>
    public DbTransaction Transaction { get; } = transaction;

    /// <summary>Buffers a post; returns its index, for <see cref="MarkPendingDeleted"/> while it is still buffered.</summary>
    public int AddPost(in PostRow row) => _posts.Add(row);

    /// <summary>Marks a post of this batch, still buffered at <paramref name="index"/>, as deleted.</summary>
    public void MarkPendingDeleted(int index) => _posts[index] = _posts[index] with { Deleted = true };

    /// <summary>Marks a post written by an earlier batch as deleted.</summary>
    public Task MarkDeletedAsync(string postId, CancellationToken cancellationToken) => Connection.ExecuteAsync(new CommandDefinition(
        "UPDATE posts SET deleted = @deleted WHERE post_id = @id", new { deleted = true, id = postId }, Transaction, cancellationToken: cancellationToken));

    /// <summary>Buffers one media item.</summary>
    public void AddMediaItem(in MediaItemRow row) => _mediaItems.Add(row);

    /// <summary>Buffers one bank match.</summary>
    public void AddMediaMatch(in MediaMatchRow row) => _mediaMatches.Add(row);

    /// <summary>Buffers one edge.</summary>
    public void AddEdge(in EdgeRow row) => _edges.Add(row);

    /// <summary>Buffers one hashtag use.</summary>
    public void AddHashtagUse(in HashtagUseRow row) => _hashtagUses.Add(row);

    /// <summary>Removes the follow edge <paramref name="src"/> → <paramref name="dst"/>, buffered in this batch or stored.</summary>
    public async Task RemoveFollowAsync(string src, string dst, CancellationToken cancellationToken)
    {
        _edges.RemoveWhere(r => r.Kind == EdgeKinds.Follow && r.Src == src && r.Dst == dst);
        await Connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM edges WHERE kind = @kind AND src = @src AND dst = @dst", new { kind = EdgeKinds.Follow, src, dst }, Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Records a report (subject and reason only), once per event.</summary>
    public Task InsertReportAsync(long seq, ReportFields report, long at, CancellationToken cancellationToken) => Connection.ExecuteAsync(new CommandDefinition(
        "INSERT INTO reports (event_seq, subject_kind, subject_id, reason, occurred_at) VALUES (@seq, @kind, @id, @reason, @at) ON CONFLICT (event_seq) DO NOTHING",
        new { seq, kind = report.SubjectKind, id = report.SubjectId, reason = report.Reason, at },
        Transaction, cancellationToken: cancellationToken));

    /// <summary>Every report on the subject so far (this batch's included), oldest first.</summary>
    public async Task<IReadOnlyList<ReportSignal>> ReportsAsync(string kind, string id, CancellationToken cancellationToken)
    {
        var reasons = await Connection.QueryAsync<string>(new CommandDefinition(
            "SELECT reason FROM reports WHERE subject_kind = @kind AND subject_id = @id ORDER BY event_seq",
            new { kind, id }, Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. reasons.Select(r => new ReportSignal(r))];
    }

    /// <summary>Records an engagement (kinds in <see cref="EngagementKinds"/>), once per post and kind; returns whether it is new.</summary>
    public async Task<bool> InsertEngagementAsync(string account, string postId, string? parentId, string? owner, long at, string kind, CancellationToken cancellationToken) =>
        await Connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO engagements (account, post_id, parent_id, owner, occurred_at, kind) VALUES (@account, @postId, @parentId, @owner, @at, @kind) ON CONFLICT (post_id, kind) DO NOTHING",
            new { account, postId, parentId, owner, at, kind },
            Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false) > 0;

    /// <summary>The latest signal set stored for a post, or null.</summary>
    public async Task<SignalSet?> LatestContentSignalsAsync(string postId, CancellationToken cancellationToken)
    {
        var body = await Connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT body FROM signal_sets WHERE subject_kind = @kind AND subject_id = @id ORDER BY id DESC LIMIT 1",
            new { kind = DecisionLog.KindName(SubjectKind.Content), id = postId }, Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return body is null ? null : SignalSetFile.Parse(body) is { IsSuccess: true } parsed ? parsed.Value[0] : null;
    }

    /// <summary>Stores a signal set as the policy saw it (ids, categories and numbers only), once per event and subject.</summary>
    public Task InsertSignalSetAsync(SignalSet set, DecisionContext context, CancellationToken cancellationToken) => Connection.ExecuteAsync(new CommandDefinition(
        "INSERT INTO signal_sets (event_seq, subject_kind, subject_id, account, occurred_at, body) VALUES (@seq, @kind, @id, @account, @at, @body) ON CONFLICT (event_seq, subject_kind, subject_id) DO NOTHING",
        new { seq = context.EventSeq, kind = DecisionLog.KindName(set.SubjectKind), id = set.SubjectId, account = context.Account, at = context.OccurredAt.ToUnixTimeMilliseconds(), body = SignalSetFile.Serialize(set) },
        Transaction, cancellationToken: cancellationToken));

    /// <summary>Writes the buffered rows in the batch transaction.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _posts.FlushAsync(Connection, Transaction, cancellationToken).ConfigureAwait(false);
        await _mediaItems.FlushAsync(Connection, Transaction, cancellationToken).ConfigureAwait(false);
        await _mediaMatches.FlushAsync(Connection, Transaction, cancellationToken).ConfigureAwait(false);
        await _edges.FlushAsync(Connection, Transaction, cancellationToken).ConfigureAwait(false);
        await _hashtagUses.FlushAsync(Connection, Transaction, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>What earlier batches stored of <paramref name="ids"/> (outside any transaction: read before the batch's one).</summary>
    public static async Task<Dictionary<string, PostInfo>> ReadPostsAsync(StoreProvider provider, DbConnection connection, IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        var known = new Dictionary<string, PostInfo>(StringComparer.Ordinal);
        if (ids.Count == 0)
        {
            return known;
        }

        var parameters = new DynamicParameters();
        parameters.Add("ids", SqlDialect.TextList(provider, [.. ids]));
        var rows = await connection.QueryAsync<(string PostId, string Author, long MediaCount, string? Community)>(new CommandDefinition(
            "SELECT post_id AS PostId, author AS Author, media_count AS MediaCount, community AS Community FROM posts WHERE " + SqlDialect.InTextList(provider, "post_id", "ids"),
            parameters, cancellationToken: cancellationToken)).ConfigureAwait(false);
        foreach (var row in rows)
        {
            known[row.PostId] = new PostInfo(row.Author, (int)row.MediaCount, row.Community);
        }

        return known;
    }
}
