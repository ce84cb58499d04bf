using System.Globalization;
using Dapper;
using Haven.Cases;
using Haven.People;
using Haven.Storage;
using Haven.Wellness;

namespace Haven.Server.Console;

/// <summary>One media item on the case page: never its bytes, only where its preview and reveal are.</summary>
/// <param name="PostId">The post it belongs to.</param>
/// <param name="Index">Its position in the post.</param>
/// <param name="Held">Haven holds its bytes (they arrived inline): a blurred preview can be shown and it can be revealed.</param>
/// <param name="NotHeldReason">Why no preview is possible (hashes only, or a URL whose bytes were not kept), or null.</param>
/// <param name="KnownCategory">The most severe A1–B2 bank category matched, when one exists (hash-only review).</param>
/// <param name="Matches">The item's bank matches in words.</param>
/// <param name="PreviewUrl">The blurred preview, or null when none may be shown (not held, or the person's role sees no media).</param>
/// <param name="RevealedUrl">The revealed image for this person, right after their reveal, or null.</param>
public sealed record MediaView(string PostId, int Index, bool Held, string? NotHeldReason, string? KnownCategory, IReadOnlyList<string> Matches, string? PreviewUrl, string? RevealedUrl);

/// <summary>The media of a case, their previews and reveals (docs/wellness.md).</summary>
internal static class CaseMedia
{
    /// <summary>At most this many media items are listed on a case page.</summary>
    public const int MaxItems = 24;

    /// <summary>
    /// The media of a case: a post's own media for content cases, the matched media of the account for account cases,
    /// and any post named by a bank-match item.
    /// </summary>
    public static async Task<IReadOnlyList<MediaView>> ListAsync(HavenStore store, CaseView view, IReadOnlyList<CaseItem> items, Actor actor, long? revealId, string? revealedPost, int? revealedIndex, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var posts = new List<string>();
        if (view.SubjectKind == CaseSubjects.Content)
        {
            posts.Add(view.SubjectId);
        }

        foreach (var item in items.Where(i => i.Kind == CaseItemKinds.MediaMatch))
        {
            using var body = System.Text.Json.JsonDocument.Parse(item.Body);
            if (body.RootElement.TryGetProperty("post", out var post) && post.ValueKind == System.Text.Json.JsonValueKind.String && !posts.Contains(post.GetString()!))
            {
                posts.Add(post.GetString()!);
            }
        }

        var rows = new List<(string PostId, int Index, string Source)>();
        if (posts.Count > 0)
        {
            rows.AddRange(await connection.QueryAsync<(string, int, string)>(new CommandDefinition(
                "SELECT post_id, media_index, source FROM media_items WHERE post_id IN @posts ORDER BY post_id, media_index LIMIT @max",
                new { posts, max = MaxItems }, cancellationToken: cancellationToken)).ConfigureAwait(false));
        }

        if (view.SubjectKind == CaseSubjects.Account && rows.Count < MaxItems)
        {
            rows.AddRange(await connection.QueryAsync<(string, int, string)>(new CommandDefinition(
                "SELECT DISTINCT i.post_id, i.media_index, i.source FROM media_matches m JOIN media_items i ON i.post_id = m.post_id AND i.media_index = m.media_index " +
                "WHERE m.account = @account ORDER BY i.post_id, i.media_index LIMIT @max",
                new { account = view.SubjectId, max = MaxItems }, cancellationToken: cancellationToken)).ConfigureAwait(false));
        }

        var seeMedia = actor.Role.MaySeePreviews();
        var result = new List<MediaView>();
        foreach (var (postId, index, source) in rows.DistinctBy(r => (r.PostId, r.Index)).Take(MaxItems))
        {
            var evidence = await HashOnlyReview.EvidenceAsync(store, postId, index, cancellationToken).ConfigureAwait(false);
            var held = source == "bytes";
            var reason = source switch
            {
                "bytes" => null,
                "url" => "Haven did not keep this item's bytes (it came as a URL); it is not fetched from the console. Review it on the platform, or confirm by hash.",
                _ => "Haven holds only hashes of this item, no picture.",
            };
            var query = $"post={Uri.EscapeDataString(postId)}&index={index.ToString(CultureInfo.InvariantCulture)}&case={view.CaseId.ToString(CultureInfo.InvariantCulture)}";
            var revealed = revealId is { } r && revealedPost == postId && revealedIndex == index ? $"/console/media/revealed?reveal={r.ToString(CultureInfo.InvariantCulture)}" : null;
            result.Add(new MediaView(
                postId,
                index,
                held,
                reason,
                evidence.KnownCategory,
                [.. evidence.Matches.Select(m => $"{m.Bank}: {m.Category ?? "no category"}, {m.SignalType} distance {m.Distance}")],
                held && seeMedia ? "/console/media/preview?" + query : null,
                revealed));
        }

        return result;
    }
}
