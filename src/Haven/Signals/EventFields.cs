using System.Text.Json;
using Haven.Events;

namespace Haven.Signals;

/// <summary>Precomputed hashes a platform sent for one media item; any may be missing or malformed (checked when matched).</summary>
internal sealed record MediaHashesField(string? Pdq, int? Quality, string? Md5, string? Sha256);

/// <summary>One media item of a post: exactly one of bytes, URL or hashes (the ingest contract guarantees it).</summary>
internal sealed record MediaField(int Index, string? Id, byte[]? Bytes, string? Url, MediaHashesField? Hashes)
{
    /// <summary>How the media arrived: <c>bytes</c>, <c>url</c> or <c>hashes</c>.</summary>
    public string Source => Bytes is not null ? "bytes" : Url is not null ? "url" : "hashes";
}

/// <summary>The fields of a <c>post.created</c> event that signals and the graph use.</summary>
internal sealed record PostFields(
    string Id,
    string? Text,
    IReadOnlyList<string> Hashtags,
    IReadOnlyList<string> Mentions,
    string? ReplyTo,
    string? RepostOf,
    string? QuoteOf,
    string? Community,
    IReadOnlyList<MediaField> Media)
{
    /// <summary><c>reply</c>, <c>repost</c>, <c>quote</c> or <c>post</c>.</summary>
    public string Kind => ReplyTo is not null ? "reply" : RepostOf is not null ? "repost" : QuoteOf is not null ? "quote" : "post";

    /// <summary>The post this one answers, reposts or quotes.</summary>
    public string? ParentId => ReplyTo ?? RepostOf ?? QuoteOf;
}

/// <summary>The fields of a <c>report.created</c> event; the reporter and free text are deliberately not read.</summary>
internal sealed record ReportFields(string SubjectKind, string SubjectId, string Reason);

/// <summary>The fields of an <c>appeal.created</c> event; the appellant's text is deliberately not read.</summary>
internal sealed record AppealFields(string Id, string? DecisionId, string? ActionId, string? Reason);

/// <summary>
/// Reads the typed fields out of stored events. Events were validated on ingest, so a shape problem here is a bug or a
/// tampered row; it is reported per event as a value and the event is skipped, never the batch.
/// </summary>
internal static class EventFields
{
    /// <summary>The post of a <c>post.created</c> event.</summary>
    public static PostFields ReadPost(StoredEvent e)
    {
        using var document = JsonDocument.Parse(e.Body);
        var post = document.RootElement.GetProperty("post");
        var media = new List<MediaField>();
        if (post.TryGetProperty("media", out var items) && items.ValueKind == JsonValueKind.Array)
        {
            var index = 0;
            foreach (var item in items.EnumerateArray())
            {
                var id = String(item, "id");
                if (item.TryGetProperty("bytes", out var bytes) && bytes.ValueKind == JsonValueKind.String)
                {
                    media.Add(new MediaField(index, id, Convert.FromBase64String(bytes.GetString()!), null, null));
                }
                else if (String(item, "url") is { } url)
                {
                    media.Add(new MediaField(index, id, null, url, null));
                }
                else if (item.TryGetProperty("hashes", out var hashes) && hashes.ValueKind == JsonValueKind.Object)
                {
                    int? quality = hashes.TryGetProperty("quality", out var q) && q.ValueKind == JsonValueKind.Number && q.TryGetInt32(out var qv) ? qv : null;
                    media.Add(new MediaField(index, id, null, null, new MediaHashesField(String(hashes, "pdq"), quality, String(hashes, "md5"), String(hashes, "sha256"))));
                }

                index++;
            }
        }

        return new PostFields(
            post.GetProperty("id").GetString()!,
            String(post, "text"),
            Strings(post, "hashtags"),
            Strings(post, "mentions"),
            String(post, "replyTo"),
            String(post, "repostOf"),
            String(post, "quoteOf"),
            String(post, "community"),
            media);
    }

    /// <summary>The id in <c>post.id</c> (for <c>post.deleted</c>).</summary>
    public static string ReadPostId(StoredEvent e)
    {
        using var document = JsonDocument.Parse(e.Body);
        return document.RootElement.GetProperty("post").GetProperty("id").GetString()!;
    }

    /// <summary>The <c>target</c> of a follow event.</summary>
    public static string ReadTarget(StoredEvent e)
    {
        using var document = JsonDocument.Parse(e.Body);
        return document.RootElement.GetProperty("target").GetString()!;
    }

    /// <summary>The account's handle, display name and bio joined for scanning (account events), or null.</summary>
    public static string? ReadAccountText(StoredEvent e)
    {
        using var document = JsonDocument.Parse(e.Body);
        if (!document.RootElement.TryGetProperty("account", out var account) || account.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var parts = new[] { String(account, "handle"), String(account, "displayName"), String(account, "bio") }.Where(p => p is not null);
        var text = string.Join('\n', parts);
        return text.Length == 0 ? null : text;
    }

    /// <summary>The subject and reason of a report.</summary>
    public static ReportFields ReadReport(StoredEvent e)
    {
        using var document = JsonDocument.Parse(e.Body);
        var report = document.RootElement.GetProperty("report");
        var subject = report.GetProperty("subject");
        return new ReportFields(subject.GetProperty("type").GetString()!, subject.GetProperty("id").GetString()!, report.GetProperty("reason").GetString()!);
    }

    /// <summary>The appeal of an <c>appeal.created</c> event.</summary>
    public static AppealFields ReadAppeal(StoredEvent e)
    {
        using var document = JsonDocument.Parse(e.Body);
        var appeal = document.RootElement.GetProperty("appeal");
        return new AppealFields(appeal.GetProperty("id").GetString()!, String(appeal, "decisionId"), String(appeal, "actionId"), String(appeal, "reason"));
    }

    /// <summary>A hashtag as counted and watched: without a leading <c>#</c>, lower case (invariant).</summary>
    public static string NormalizeHashtag(string tag) => tag.TrimStart('#').Trim().ToLowerInvariant();

    private static string? String(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static IReadOnlyList<string> Strings(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? [.. value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)]
            : [];
}
