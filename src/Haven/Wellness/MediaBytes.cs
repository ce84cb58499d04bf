using System.Text.Json;
using Dapper;
using Haven.Events;
using Haven.Media;
using Haven.Storage;

namespace Haven.Wellness;

/// <summary>The bytes of one media item, as the platform sent them and the event log stored them.</summary>
/// <param name="PostId">The post the item belongs to.</param>
/// <param name="MediaIndex">The item's position in the post's media list.</param>
/// <param name="EventSeq">The log position of the <c>post.created</c> event that carried the bytes.</param>
/// <param name="Bytes">The item's bytes, at most the decoder's byte limit.</param>
internal sealed record HeldMedia(string PostId, int MediaIndex, long EventSeq, byte[] Bytes);

/// <summary>
/// Where the bytes of a media item are. Haven holds bytes only for items that arrived as <c>bytes</c> (base64 inside the
/// stored event, at log position <c>media_items.seq</c>); for hashes and URLs it says why there is nothing to show, and it
/// never fetches a URL: a reviewer's click must not reach out to the platform or anywhere else.
/// </summary>
internal sealed class MediaBytes(HavenStore store, MediaLimits? limits = null)
{
    private readonly MediaLimits _limits = limits ?? MediaLimits.Default;

    /// <summary>The byte limit applied to held media (the pipeline's decoding limit).</summary>
    public MediaLimits Limits => _limits;

    /// <summary>The item's bytes, or why Haven holds none it may show.</summary>
    public async Task<Result<HeldMedia, MediaNotHeld>> LocateAsync(string postId, int mediaIndex, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(postId);
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var item = await connection.QuerySingleOrDefaultAsync<(string Source, long Seq)?>(new CommandDefinition(
            "SELECT source, seq FROM media_items WHERE post_id = @postId AND media_index = @mediaIndex",
            new { postId, mediaIndex }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (item is not { } found)
        {
            return new MediaNotHeld(postId, mediaIndex, MediaNotHeldReason.UnknownItem);
        }

        switch (found.Source)
        {
            case "hashes":
                return new MediaNotHeld(postId, mediaIndex, MediaNotHeldReason.HashesOnly);
            case "url":
                return new MediaNotHeld(postId, mediaIndex, MediaNotHeldReason.UrlNotKept);
        }

        var events = await EventLog.ReadAfterAsync(connection, found.Seq - 1, 1, cancellationToken).ConfigureAwait(false);
        if (events.Count == 0 || events[0].Seq != found.Seq)
        {
            return new MediaNotHeld(postId, mediaIndex, MediaNotHeldReason.EventMissing);
        }

        return Extract(events[0], postId, mediaIndex, _limits.MaxBytes);
    }

    /// <summary>Takes item <paramref name="mediaIndex"/>'s base64 bytes out of a stored <c>post.created</c> event of post <paramref name="postId"/>.</summary>
    internal static Result<HeldMedia, MediaNotHeld> Extract(StoredEvent stored, string postId, int mediaIndex, long maxBytes)
    {
        var unreadable = new MediaNotHeld(postId, mediaIndex, MediaNotHeldReason.EventUnreadable);
        if (stored.Type != EventTypes.PostCreated)
        {
            return unreadable;
        }

        try
        {
            using var document = JsonDocument.Parse(stored.Body);
            if (!document.RootElement.TryGetProperty("post", out var post) || post.ValueKind != JsonValueKind.Object
                || !post.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String || id.GetString() != postId
                || !post.TryGetProperty("media", out var media) || media.ValueKind != JsonValueKind.Array
                || mediaIndex < 0 || mediaIndex >= media.GetArrayLength()
                || media[mediaIndex] is not { ValueKind: JsonValueKind.Object } entry
                || !entry.TryGetProperty("bytes", out var base64) || base64.ValueKind != JsonValueKind.String)
            {
                return unreadable;
            }

            // The decoded length is known before decoding: refuse an oversize item before allocating for it.
            var text = base64.GetString()!;
            if (!System.Buffers.Text.Base64.IsValid(text.AsSpan(), out var length))
            {
                return unreadable;
            }

            if (length > maxBytes)
            {
                return new MediaNotHeld(postId, mediaIndex, MediaNotHeldReason.TooManyBytes);
            }

            var buffer = new byte[length];
            if (!Convert.TryFromBase64String(text, buffer, out var written) || written != length)
            {
                return unreadable;
            }

            return new HeldMedia(postId, mediaIndex, stored.Seq, buffer);
        }
        catch (JsonException)
        {
            return unreadable;
        }
    }
}
