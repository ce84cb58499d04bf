using Haven.Events;
using Haven.Kernels.Text;
using Haven.Policy;
using Haven.Signals.Handlers;
using Haven.Text;

namespace Haven.Signals;

/// <summary>What is known of a post while processing: its author, media count, community and, for a post of this batch, its buffered row.</summary>
internal sealed record PostInfo(string Author, int MediaCount, string? Community, int PendingRow = -1);

/// <summary>One event of the batch, read by its handler before the transaction (fields, resolved media).</summary>
internal sealed class Work(StoredEvent e, IEventHandler? handler)
{
    public StoredEvent Event { get; } = e;

    /// <summary>The handler of the event's type; null for a type the stage stores but does not project.</summary>
    public IEventHandler? Handler { get; } = handler;

    public PostFields? Post { get; init; }

    public string? PostId { get; init; }

    public string? Target { get; init; }

    public ReportFields? Report { get; init; }

    public AppealFields? Appeal { get; init; }

    public string? AccountText { get; init; }

    public List<ResolvedMedia> Media { get; } = [];
}

/// <summary>
/// The write side of one batch for its handlers: the projection rows (and through them the transaction), the posts
/// seen so far, the lexicon, the decisions and the counts.
/// </summary>
internal sealed class BatchState(ProjectionRows rows, Dictionary<string, PostInfo> known, LexiconSnapshot lexicon, List<LexiconHit> hitBuffer, SubjectDecisions decisions)
{
    public ProjectionRows Rows { get; } = rows;

    public SubjectDecisions Decisions { get; } = decisions;

    public ProcessStats Stats { get; set; } = ProcessStats.Empty;

    /// <summary>New decisions by rule and mode, reported to metrics once the batch has committed.</summary>
    public DecisionTally Decided { get; } = new();

    public Dictionary<string, long> MediaErrorReasons { get; } = new(StringComparer.Ordinal);

    public PostInfo? Find(string postId) => known.GetValueOrDefault(postId);

    /// <summary>Buffers the post and makes it known to the rest of the batch (the first of a repeated id stays).</summary>
    public void AddPost(in PostRow row)
    {
        var index = Rows.AddPost(row);
        known.TryAdd(row.PostId, new PostInfo(row.Author, (int)row.MediaCount, row.Community, index));
    }

    /// <summary>Marks a post of this batch deleted in its buffered row; false when the post is not one of this batch.</summary>
    public bool MarkDeletedIfPending(string postId)
    {
        if (known.GetValueOrDefault(postId) is not { PendingRow: >= 0 and var index })
        {
            return false;
        }

        Rows.MarkPendingDeleted(index);
        return true;
    }

    /// <summary>The lexicon hits in <paramref name="text"/>, as signals.</summary>
    public List<TextHitSignal> Scan(string? text)
    {
        if (string.IsNullOrEmpty(text) || lexicon.Matcher.Entries.Count == 0)
        {
            return [];
        }

        // One hit buffer per processor: batches run one at a time, and a scan per post should not allocate one.
        hitBuffer.Clear();
        lexicon.Matcher.Scan(text, hitBuffer);
        return hitBuffer.Count == 0 ? [] : [.. hitBuffer.Select(h => new TextHitSignal(h.Category, h.Weight, h.EntryId))];
    }
}
