using Haven.Events;
using Haven.Policy;

namespace Haven.Signals;

/// <summary>The kinds of <c>engagements</c> rows (the table's CHECK constraint, migration 7, lists the same two).</summary>
internal static class EngagementKinds
{
    /// <summary>A reply or quote on someone else's photo with language of <see cref="SignalVocabulary.EngagementCategories"/>.</summary>
    public const string Sexualising = "sexualising";

    /// <summary>A post with language of <see cref="SignalVocabulary.TradeCategories"/>, wherever it appears.</summary>
    public const string Trade = "trade";
}

/// <summary>
/// Context signals of a post (docs/pipeline.md, "Context signals and account counters"): what its language means given
/// where it appears. Each is an <c>engagements</c> row (read back by <see cref="AccountCounters"/>) and a counter on the
/// post's own signal set.
/// </summary>
internal static class ContextSignals
{
    /// <summary>
    /// Records the engagements <paramref name="post"/> makes, from its text hits and the post it answers
    /// (<paramref name="parent"/>, null when unknown); returns the post's content counters and whether an engagement was
    /// new (the account is then re-evaluated).
    /// </summary>
    public static async Task<(Dictionary<string, long> Counters, bool Engaged)> RecordAsync(
        BatchState state, StoredEvent e, PostFields post, PostInfo? parent, List<TextHitSignal> textHits, CancellationToken cancellationToken)
    {
        var counters = new Dictionary<string, long>(StringComparer.Ordinal);
        var otherOwner = parent is not null && parent.Author != e.Actor ? parent.Author : null;
        var onPhoto = (post.ReplyTo ?? post.QuoteOf) is not null && parent is { MediaCount: > 0 } && otherOwner is not null;
        var engaged = false;
        if (onPhoto && textHits.Exists(h => SignalVocabulary.EngagementCategories.Contains(h.Category)))
        {
            engaged |= await AddAsync(state, e, post, otherOwner, EngagementKinds.Sexualising, cancellationToken).ConfigureAwait(false);
            counters[SignalVocabulary.SexualisingEngagement] = 1;
        }

        if (textHits.Exists(h => SignalVocabulary.TradeCategories.Contains(h.Category)))
        {
            engaged |= await AddAsync(state, e, post, otherOwner, EngagementKinds.Trade, cancellationToken).ConfigureAwait(false);
            counters[SignalVocabulary.TradeRequest] = 1;
        }

        return (counters, engaged);
    }

    private static async Task<bool> AddAsync(BatchState state, StoredEvent e, PostFields post, string? owner, string kind, CancellationToken cancellationToken)
    {
        var added = await state.Rows.InsertEngagementAsync(e.Actor, post.Id, post.ParentId, owner, e.OccurredAt.ToUnixTimeMilliseconds(), kind, cancellationToken).ConfigureAwait(false);
        if (added)
        {
            state.Stats = state.Stats with { Engagements = state.Stats.Engagements + 1 };
        }

        return added;
    }
}
