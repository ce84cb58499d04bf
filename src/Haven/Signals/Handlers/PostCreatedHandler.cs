using Haven.Banks;
using Haven.Events;
using Haven.Matching;
using Haven.Policy;

namespace Haven.Signals.Handlers;

/// <summary>
/// <c>post.created</c>, replies, reposts and quotes included: the post, its media items and bank matches, its edges
/// (to the parent's author, to mentions) and hashtag uses; lexicon hits of its text and, separately, of its hashtags;
/// its context signals (<see cref="ContextSignals"/>). The post is evaluated when it has a signal, and its author
/// when it made a new engagement.
/// </summary>
internal sealed class PostCreatedHandler : IEventHandler
{
    public static PostCreatedHandler Instance { get; } = new();

    public Work Read(StoredEvent e) => new(e, this) { Post = EventFields.ReadPost(e) };

    public string? ReferencedPost(Work work) => work.Post!.ParentId;

    /// <summary>
    /// Which known item a hit stands for: a bank lists one image under several entries (PDQ, MD5, SHA-256) sharing
    /// its external id, so hits on any of them are the same media; without an external id, the entry itself.
    /// </summary>
    internal static string MediaKey(MatchHit hit) => hit.ExternalId is { Length: > 0 } external ? $"{hit.Bank}/{external}" : $"{hit.Bank}#{hit.EntryId}";

    public async Task HandleAsync(BatchState state, Work work, CancellationToken cancellationToken)
    {
        var e = work.Event;
        var post = work.Post!;
        var at = e.OccurredAt.ToUnixTimeMilliseconds();
        state.Stats = state.Stats with { Posts = state.Stats.Posts + 1, Media = state.Stats.Media + post.Media.Count };

        var matches = new List<BankMatchSignal>();
        foreach (var media in work.Media)
        {
            state.Rows.AddMediaItem(new MediaItemRow(post.Id, media.Field.Index, media.Field.Id, e.Actor, at, e.Seq, media.Field.Source, media.Pdq, media.Quality, media.Md5, media.Sha256, media.Error));
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
                state.Rows.AddMediaMatch(new MediaMatchRow(post.Id, media.Field.Index, e.Actor, at, e.Seq, hit.Bank, hit.EntryId, hit.SignalType.Name(), hit.Category, hit.Distance, MediaKey(hit)));
                matches.Add(new BankMatchSignal(hit.Bank, hit.Category, hit.SignalType, hit.Distance));
            }
        }

        state.Stats = state.Stats with { MediaMatches = state.Stats.MediaMatches + matches.Count };
        var textHits = state.Scan(post.Text);
        var tagHits = post.Hashtags.Count == 0 ? [] : state.Scan(string.Join(' ', post.Hashtags.Select(t => "#" + t.TrimStart('#'))));
        state.Stats = state.Stats with { TextHits = state.Stats.TextHits + textHits.Count + tagHits.Count };

        var parent = post.ParentId is { } parentId ? state.Find(parentId) : null;
        if (parent is not null && parent.Author != e.Actor)
        {
            state.Rows.AddEdge(new EdgeRow(e.Actor, parent.Author, post.Kind, at, e.Seq, post.Id));
        }

        foreach (var mention in post.Mentions.Distinct(StringComparer.Ordinal))
        {
            if (mention != e.Actor)
            {
                state.Rows.AddEdge(new EdgeRow(e.Actor, mention, EdgeKinds.Mention, at, e.Seq, post.Id));
            }
        }

        var (counters, engaged) = await ContextSignals.RecordAsync(state, e, post, parent, textHits, cancellationToken).ConfigureAwait(false);

        var flagged = matches.Count > 0 || textHits.Count > 0;
        state.AddPost(new PostRow(post.Id, e.Actor, e.Seq, at, post.Kind, post.ParentId, post.Community, post.Media.Count, matches.Count > 0, flagged, Deleted: false));
        foreach (var tag in post.Hashtags.Select(EventFields.NormalizeHashtag).Where(t => t.Length > 0).Distinct(StringComparer.Ordinal))
        {
            state.Rows.AddHashtagUse(new HashtagUseRow(tag, e.Actor, post.Id, at, e.Seq, flagged));
        }

        if (matches.Count > 0 || textHits.Count > 0 || tagHits.Count > 0)
        {
            var set = new SignalSet(SubjectKind.Content, post.Id, matches, [.. textHits, .. tagHits], counters);
            await state.Decisions.DecideAsync(state, set, new DecisionContext(e.Seq, e.OccurredAt, e.Actor, post.Community), cancellationToken).ConfigureAwait(false);
        }

        if (engaged)
        {
            await state.Decisions.DecideAccountAsync(state, e, e.Actor, [], cancellationToken).ConfigureAwait(false);
        }
    }
}
