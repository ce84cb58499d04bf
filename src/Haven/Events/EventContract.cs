using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace Haven.Events;

/// <summary>The event types of the contract (docs/events.md, docs/events.schema.json).</summary>
internal static class EventTypes
{
    public const string AccountCreated = "account.created";
    public const string AccountUpdated = "account.updated";
    public const string PostCreated = "post.created";
    public const string PostDeleted = "post.deleted";
    public const string FollowCreated = "follow.created";
    public const string FollowDeleted = "follow.deleted";
    public const string CommunityCreated = "community.created";
    public const string ReportCreated = "report.created";

    /// <summary>Every known type.</summary>
    public static IReadOnlySet<string> All { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        AccountCreated, AccountUpdated, PostCreated, PostDeleted, FollowCreated, FollowDeleted, CommunityCreated, ReportCreated,
    };
}

/// <summary>A validated event: the envelope fields Haven indexes, and the canonical JSON it stores.</summary>
/// <param name="Id">The platform's unique id: the idempotency key.</param>
/// <param name="Json">The event as received (one line, validated).</param>
/// <param name="BodySha256">SHA-256 of <paramref name="Json"/>, to tell a true re-send from a different event reusing an id.</param>
internal sealed record PlatformEvent(string Id, string Type, DateTimeOffset OccurredAt, string Actor, string Json, string BodySha256);

/// <summary>Parses and validates one NDJSON line of the event contract. Expected failures are messages, not exceptions.</summary>
internal static class EventParser
{
    /// <summary>Longest id, actor or other identifier accepted.</summary>
    public const int MaxIdLength = 256;

    /// <summary>Longest text field (post text, report text, bio).</summary>
    public const int MaxTextLength = 100_000;

    /// <summary>Most media items on one post.</summary>
    public const int MaxMediaPerPost = 32;

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 16 };

    /// <summary>Parses <paramref name="line"/>; on failure <paramref name="error"/> says what is wrong and <paramref name="id"/> holds the id when one could be read.</summary>
    public static bool TryParse(string line, out PlatformEvent? parsed, out string? id, out string error)
    {
        parsed = null;
        id = null;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line, DocumentOptions);
        }
        catch (JsonException e)
        {
            error = $"malformed JSON: {e.Message}";
            return false;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = "an event is a JSON object";
                return false;
            }

            if (!TryString(root, "id", required: true, out id, out error) ||
                !TryString(root, "type", required: true, out var type, out error) ||
                !TryString(root, "actor", required: true, out var actor, out error) ||
                !TryString(root, "occurredAt", required: true, out var occurred, out error))
            {
                return false;
            }

            if (!EventTypes.All.Contains(type!))
            {
                error = $"unknown event type '{Truncate(type!)}'; known types: {string.Join(", ", EventTypes.All)}";
                return false;
            }

            if (!DateTimeOffset.TryParse(occurred, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var occurredAt) || !occurred!.Contains('T', StringComparison.Ordinal))
            {
                error = "occurredAt must be an RFC 3339 date-time such as 2026-11-25T10:00:00Z";
                return false;
            }

            if (!ValidateBody(type!, root, out error))
            {
                return false;
            }

            var sha = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(line)));
            parsed = new PlatformEvent(id!, type!, occurredAt, actor!, line, sha);
            error = string.Empty;
            return true;
        }
    }

    private static bool ValidateBody(string type, JsonElement root, out string error)
    {
        switch (type)
        {
            case EventTypes.AccountCreated or EventTypes.AccountUpdated:
                return Optional(root, "account", JsonValueKind.Object, out error) &&
                       (!root.TryGetProperty("account", out var account) ||
                        (TryString(account, "handle", false, out _, out error) && TryString(account, "displayName", false, out _, out error) &&
                         TryText(account, "bio", out error)));
            case EventTypes.PostCreated:
                if (!Required(root, "post", JsonValueKind.Object, out error))
                {
                    return false;
                }

                var post = root.GetProperty("post");
                return TryString(post, "id", true, out _, out error) &&
                       TryText(post, "text", out error) &&
                       TryString(post, "replyTo", false, out _, out error) &&
                       TryString(post, "repostOf", false, out _, out error) &&
                       TryString(post, "quoteOf", false, out _, out error) &&
                       TryString(post, "community", false, out _, out error) &&
                       TryStringArray(post, "hashtags", 256, out error) &&
                       TryStringArray(post, "mentions", 256, out error) &&
                       TryMedia(post, out error);
            case EventTypes.PostDeleted:
                return Required(root, "post", JsonValueKind.Object, out error) && TryString(root.GetProperty("post"), "id", true, out _, out error);
            case EventTypes.FollowCreated or EventTypes.FollowDeleted:
                return TryString(root, "target", true, out _, out error);
            case EventTypes.CommunityCreated:
                return Required(root, "community", JsonValueKind.Object, out error) &&
                       TryString(root.GetProperty("community"), "id", true, out _, out error) &&
                       TryString(root.GetProperty("community"), "name", false, out _, out error);
            case EventTypes.ReportCreated:
                if (!Required(root, "report", JsonValueKind.Object, out error))
                {
                    return false;
                }

                var report = root.GetProperty("report");
                if (!Required(report, "subject", JsonValueKind.Object, out error))
                {
                    return false;
                }

                var subject = report.GetProperty("subject");
                if (!TryString(subject, "type", true, out var subjectType, out error) || !TryString(subject, "id", true, out _, out error))
                {
                    return false;
                }

                if (subjectType is not ("account" or "post" or "community" or "media"))
                {
                    error = "report.subject.type must be account, post, community or media";
                    return false;
                }

                return TryString(report, "reason", true, out _, out error) && TryText(report, "text", out error) && TryString(report, "id", false, out _, out error);
            default:
                error = "unknown event type";
                return false;
        }
    }

    private static bool TryMedia(JsonElement post, out string error)
    {
        if (!post.TryGetProperty("media", out var media))
        {
            error = string.Empty;
            return true;
        }

        if (media.ValueKind != JsonValueKind.Array)
        {
            error = "post.media must be an array";
            return false;
        }

        if (media.GetArrayLength() > MaxMediaPerPost)
        {
            error = $"post.media has {media.GetArrayLength()} items; at most {MaxMediaPerPost}";
            return false;
        }

        var index = 0;
        foreach (var item in media.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                error = $"post.media[{index}] must be an object";
                return false;
            }

            if (item.TryGetProperty("part", out var part))
            {
                error = $"post.media[{index}].part '{(part.ValueKind == JsonValueKind.String ? Truncate(part.GetString()!) : "?")}' does not name a part of this request (parts are only for multipart/form-data batches, and each part can be used once)";
                return false;
            }

            var kinds = (item.TryGetProperty("bytes", out _) ? 1 : 0) + (item.TryGetProperty("url", out _) ? 1 : 0) + (item.TryGetProperty("hashes", out _) ? 1 : 0);
            if (kinds != 1)
            {
                error = $"post.media[{index}] needs exactly one of bytes (base64), url or hashes";
                return false;
            }

            if (item.TryGetProperty("bytes", out var bytes) && (bytes.ValueKind != JsonValueKind.String || !IsBase64(bytes.GetString()!)))
            {
                error = $"post.media[{index}].bytes must be base64";
                return false;
            }

            if (item.TryGetProperty("url", out var url) && (url.ValueKind != JsonValueKind.String || !Uri.TryCreate(url.GetString(), UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http")))
            {
                error = $"post.media[{index}].url must be an absolute http(s) URL";
                return false;
            }

            if (item.TryGetProperty("hashes", out var hashes) && hashes.ValueKind != JsonValueKind.Object)
            {
                error = $"post.media[{index}].hashes must be an object such as {{\"pdq\": \"…\", \"md5\": \"…\"}}";
                return false;
            }

            if (item.TryGetProperty("hashes", out var given) && given.TryGetProperty("quality", out var quality) &&
                (quality.ValueKind != JsonValueKind.Number || !quality.TryGetInt32(out var q) || q is < 0 or > 100))
            {
                error = $"post.media[{index}].hashes.quality must be a whole number 0–100 (PDQ quality)";
                return false;
            }

            foreach (var name in new[] { "pdq", "md5", "sha256" })
            {
                if (item.TryGetProperty("hashes", out var h) && h.TryGetProperty(name, out var v) && (v.ValueKind != JsonValueKind.String || v.GetString()!.Length > 128))
                {
                    error = $"post.media[{index}].hashes.{name} must be a hex string";
                    return false;
                }
            }

            if (!TryString(item, "id", false, out _, out error))
            {
                error = $"post.media[{index}]: {error}";
                return false;
            }

            index++;
        }

        error = string.Empty;
        return true;
    }

    private static bool IsBase64(string text)
    {
        var buffer = new byte[(text.Length * 3 / 4) + 3];
        return Convert.TryFromBase64String(text, buffer, out _);
    }

    private static bool Required(JsonElement parent, string name, JsonValueKind kind, out string error)
    {
        if (!parent.TryGetProperty(name, out var value))
        {
            error = $"'{name}' is required";
            return false;
        }

        error = value.ValueKind == kind ? string.Empty : $"'{name}' must be a JSON {kind.ToString().ToLowerInvariant()}";
        return error.Length == 0;
    }

    private static bool Optional(JsonElement parent, string name, JsonValueKind kind, out string error)
    {
        error = string.Empty;
        return !parent.TryGetProperty(name, out var value) || value.ValueKind == kind || Fail(out error, $"'{name}' must be a JSON {kind.ToString().ToLowerInvariant()}");
    }

    private static bool TryString(JsonElement parent, string name, bool required, out string? value, out string error)
    {
        value = null;
        if (!parent.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            error = required ? $"'{name}' is required" : string.Empty;
            return !required;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            error = $"'{name}' must be a string";
            return false;
        }

        value = element.GetString()!;
        if (value.Length is 0 or > MaxIdLength)
        {
            error = $"'{name}' must be 1–{MaxIdLength} characters";
            return false;
        }

        if (value.Contains('\0', StringComparison.Ordinal))
        {
            error = $"'{name}' must not contain NUL characters";
            return false;
        }

        error = string.Empty;
        return true;
    }

    private static bool TryText(JsonElement parent, string name, out string error)
    {
        error = string.Empty;
        if (!parent.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        return element.ValueKind != JsonValueKind.String
            ? Fail(out error, $"'{name}' must be a string")
            : element.GetString()!.Length > MaxTextLength ? Fail(out error, $"'{name}' is longer than {MaxTextLength:N0} characters")
            : !element.GetString()!.Contains('\0', StringComparison.Ordinal) || Fail(out error, $"'{name}' must not contain NUL characters");
    }

    private static bool TryStringArray(JsonElement parent, string name, int maxItems, out string error)
    {
        error = string.Empty;
        if (!parent.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() > maxItems)
        {
            return Fail(out error, $"'{name}' must be an array of at most {maxItems} strings");
        }

        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || item.GetString()!.Length is 0 or > MaxIdLength || item.GetString()!.Contains('\0', StringComparison.Ordinal))
            {
                return Fail(out error, $"'{name}' must hold strings of 1–{MaxIdLength} characters (no NUL)");
            }
        }

        return true;
    }

    private static bool Fail(out string error, string message)
    {
        error = message;
        return false;
    }

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
