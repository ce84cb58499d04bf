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
    public const string AppealCreated = "appeal.created";

    /// <summary>Every known type.</summary>
    public static IReadOnlySet<string> All { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        AccountCreated, AccountUpdated, PostCreated, PostDeleted, FollowCreated, FollowDeleted, CommunityCreated, ReportCreated, AppealCreated,
    };
}

/// <summary>What a <c>report.created</c> event may report (<c>report.subject.type</c>).</summary>
internal static class ReportSubjects
{
    public const string Account = "account";
    public const string Post = "post";
    public const string Community = "community";
    public const string Media = "media";
}

/// <summary>A validated event: the envelope fields Haven indexes, and the canonical JSON it stores.</summary>
/// <param name="Id">The platform's unique id: the idempotency key.</param>
/// <param name="Json">The event as received (one line, validated).</param>
/// <param name="BodySha256">SHA-256 of <paramref name="Json"/>, to tell a true re-send from a different event reusing an id.</param>
internal sealed record PlatformEvent(string Id, string Type, DateTimeOffset OccurredAt, string Actor, string Json, string BodySha256);

/// <summary>Parses and validates one NDJSON line of the event contract. Expected failures are messages, not exceptions.</summary>
internal static partial class EventParser
{
    /// <summary>Longest id, actor or other identifier accepted.</summary>
    public const int MaxIdLength = 256;

    /// <summary>Longest text field (post text, report text, bio).</summary>
    public const int MaxTextLength = 100_000;

    /// <summary>Most media items on one post.</summary>
    public const int MaxMediaPerPost = 32;

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 16 };

    /// <summary>
    /// Parses <paramref name="line"/> with the default limits against the current clock; on failure
    /// <paramref name="error"/> is <c>code: message</c>. For tests and tools; ingest passes its own limits.
    /// </summary>
    public static bool TryParse(string line, out PlatformEvent? parsed, out string? id, out string error)
    {
        var ok = TryParse(line, EventLimits.Default, TimeProvider.System.GetUtcNow(), out parsed, out id, out var lineError);
        error = lineError?.ToString() ?? string.Empty;
        return ok;
    }

    /// <summary>
    /// Parses <paramref name="line"/>; on failure <paramref name="error"/> says what is wrong (a stable code and a
    /// message) and <paramref name="id"/> holds the id when one could be read. Every string of the line, unknown fields
    /// and property names included, must be valid Unicode without NUL (the line is stored whole and read again later),
    /// and no object may repeat a key (readers disagree on which one wins).
    /// </summary>
    public static bool TryParse(string line, EventLimits limits, DateTimeOffset now, out PlatformEvent? parsed, out string? id, out LineError? error)
    {
        parsed = null;
        id = null;
        var utf8 = System.Text.Encoding.UTF8.GetBytes(line);
        if (!ValidateTokens(utf8, out error))
        {
            id = ReadableId(utf8);
            return false;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8, DocumentOptions);
        }
        catch (JsonException e)
        {
            error = new LineError("malformed_json", $"malformed JSON: {e.Message}");
            return false;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = new LineError("not_an_object", "an event is a JSON object");
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
                error = new LineError("unknown_type", $"unknown event type '{Truncate(type!)}'; known types: {string.Join(", ", EventTypes.All)}");
                return false;
            }

            if (!TryTime(occurred!, limits, now, out var occurredAt, out error) || !ValidateBody(type!, root, limits, out error))
            {
                return false;
            }

            var sha = Convert.ToHexStringLower(SHA256.HashData(utf8));
            parsed = new PlatformEvent(id!, type!, occurredAt, actor!, line, sha);
            error = null;
            return true;
        }
    }

    /// <summary>
    /// One pass over every token: strings and property names must unescape to valid UTF-16 (no lone surrogate such as
    /// <c>\ud800</c>) without NUL, and no object repeats a key. Only escaped strings can break either rule (raw UTF-8
    /// was validated when the line was read), so plain ones are not copied.
    /// </summary>
    private static bool ValidateTokens(ReadOnlySpan<byte> utf8, out LineError? error)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = DocumentOptions.MaxDepth });
        var keys = new List<HashSet<string>?>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        // The object's keys are read one level deeper than its opening brace.
                        var depth = reader.CurrentDepth + 1;
                        while (keys.Count <= depth)
                        {
                            keys.Add(null);
                        }

                        keys[depth]?.Clear();
                        break;
                    case JsonTokenType.PropertyName:
                        {
                            if (!TryReadString(ref reader, "a property name", out var name, out error))
                            {
                                return false;
                            }

                            var set = keys[reader.CurrentDepth] ??= new HashSet<string>(StringComparer.Ordinal);
                            if (!set.Add(name))
                            {
                                error = new LineError("duplicate_key", $"the key '{Truncate(name)}' appears twice in one object; send each key once");
                                return false;
                            }

                            break;
                        }

                    case JsonTokenType.String when reader.ValueIsEscaped:
                        if (!TryReadString(ref reader, "a string", out _, out error))
                        {
                            return false;
                        }

                        break;
                }
            }
        }
        catch (JsonException e)
        {
            error = new LineError("malformed_json", $"malformed JSON: {e.Message}");
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>The line's top-level id when it can be read despite the line's fault, so the answer can name the event.</summary>
    private static string? ReadableId(byte[] utf8)
    {
        try
        {
            using var document = JsonDocument.Parse(utf8, DocumentOptions);
            return document.RootElement is { ValueKind: JsonValueKind.Object } root && root.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String
                ? id.GetString() is { Length: > 0 and <= MaxIdLength } text && !text.Contains('\0', StringComparison.Ordinal) ? text : null
                : null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    private static bool TryReadString(ref Utf8JsonReader reader, string what, out string value, out LineError? error)
    {
        try
        {
            value = reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            value = string.Empty;
            error = new LineError("invalid_text", $"{what} ending at byte {reader.BytesConsumed} is not valid Unicode (a lone UTF-16 surrogate escape such as \\ud800); send valid UTF-8 or escape surrogate pairs whole");
            return false;
        }

        if (value.Contains('\0', StringComparison.Ordinal))
        {
            error = new LineError("invalid_text", $"{what} ending at byte {reader.BytesConsumed} contains a NUL character; no string may");
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>RFC 3339 date-time with a required offset: 2026-11-25T10:00:00Z, 2026-11-25T10:00:00.123+01:00.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"\A[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})\z", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex Rfc3339();

    private static bool TryTime(string text, EventLimits limits, DateTimeOffset now, out DateTimeOffset value, out LineError? error)
    {
        if (!Rfc3339().IsMatch(text) || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out value))
        {
            value = default;
            error = new LineError("invalid_time", $"occurredAt '{Truncate(text)}' is not an RFC 3339 date-time with an offset, such as 2026-11-25T10:00:00Z or 2026-11-25T10:00:00+01:00");
            return false;
        }

        var latest = DateTimeOffset.MaxValue - now > limits.MaxFutureSkew ? now + limits.MaxFutureSkew : DateTimeOffset.MaxValue;
        error = value > latest
            ? new LineError("time_out_of_range", $"occurredAt {value.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'} is more than {limits.MaxFutureSkew.TotalHours:0.##} h ahead of the server's clock ({now.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}); check the platform's clock and time zone")
            : value < limits.Oldest
                ? new LineError("time_out_of_range", $"occurredAt {value.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'} is before the earliest accepted time {limits.Oldest.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}")
                : null;
        return error is null;
    }

    private static bool ValidateBody(string type, JsonElement root, EventLimits limits, out LineError? error)
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
                       TryMedia(post, limits, out error);
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

                if (subjectType is not (ReportSubjects.Account or ReportSubjects.Post or ReportSubjects.Community or ReportSubjects.Media))
                {
                    return Invalid(out error, "report.subject.type must be account, post, community or media");
                }

                return TryString(report, "reason", true, out _, out error) && TryText(report, "text", out error) && TryString(report, "id", false, out _, out error);
            case EventTypes.AppealCreated:
                if (!Required(root, "appeal", JsonValueKind.Object, out error))
                {
                    return false;
                }

                var appeal = root.GetProperty("appeal");
                if (!TryString(appeal, "id", true, out _, out error) ||
                    !TryString(appeal, "decisionId", false, out var decisionId, out error) ||
                    !TryString(appeal, "actionId", false, out var actionId, out error))
                {
                    return false;
                }

                // An appeal contests one thing: a decision, or one action the outbox carried out for it.
                return (decisionId is null) == (actionId is null)
                    ? Invalid(out error, "appeal needs exactly one of decisionId (a decision) or actionId (an outbox action)")
                    : TryString(appeal, "reason", false, out _, out error) && TryText(appeal, "text", out error);
            default:
                error = new LineError("unknown_type", "unknown event type");
                return false;
        }
    }

    private static bool TryMedia(JsonElement post, EventLimits limits, out LineError? error)
    {
        error = null;
        if (!post.TryGetProperty("media", out var media))
        {
            return true;
        }

        if (media.ValueKind != JsonValueKind.Array)
        {
            return Invalid(out error, "post.media must be an array");
        }

        if (media.GetArrayLength() > MaxMediaPerPost)
        {
            return Invalid(out error, $"post.media has {media.GetArrayLength()} items; at most {MaxMediaPerPost}");
        }

        var index = 0;
        foreach (var item in media.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                return Invalid(out error, $"post.media[{index}] must be an object");
            }

            if (item.TryGetProperty("part", out var part))
            {
                error = new LineError("unknown_part", $"post.media[{index}].part '{(part.ValueKind == JsonValueKind.String ? Truncate(part.GetString()!) : "?")}' does not name a part of this request (parts are only for multipart/form-data batches, and each part can be used once)");
                return false;
            }

            var kinds = (item.TryGetProperty("bytes", out _) ? 1 : 0) + (item.TryGetProperty("url", out _) ? 1 : 0) + (item.TryGetProperty("hashes", out _) ? 1 : 0);
            if (kinds != 1)
            {
                return Invalid(out error, $"post.media[{index}] needs exactly one of bytes (base64), url or hashes");
            }

            if (item.TryGetProperty("bytes", out var bytes))
            {
                if (bytes.ValueKind != JsonValueKind.String || !System.Buffers.Text.Base64.IsValid(bytes.GetString()!.AsSpan(), out var decodedLength))
                {
                    return Invalid(out error, $"post.media[{index}].bytes must be base64");
                }

                if (decodedLength > limits.MaxMediaBytes)
                {
                    error = new LineError("too_many_bytes", $"post.media[{index}] is {decodedLength:N0} bytes; the limit is {limits.MaxMediaBytes:N0}. Send a smaller file; nothing of this event was stored");
                    return false;
                }
            }

            if (item.TryGetProperty("url", out var url) && (url.ValueKind != JsonValueKind.String || !Uri.TryCreate(url.GetString(), UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http")))
            {
                return Invalid(out error, $"post.media[{index}].url must be an absolute http(s) URL");
            }

            if (item.TryGetProperty("hashes", out var hashes) && !TryHashes(hashes, index, out error))
            {
                return false;
            }

            if (!TryString(item, "id", false, out _, out error))
            {
                error = error! with { Message = $"post.media[{index}]: {error.Message}" };
                return false;
            }

            index++;
        }

        return true;
    }

    private static bool TryHashes(JsonElement hashes, int index, out LineError? error)
    {
        error = null;
        if (hashes.ValueKind != JsonValueKind.Object)
        {
            return Invalid(out error, $"post.media[{index}].hashes must be an object such as {{\"pdq\": \"…\", \"quality\": 100, \"md5\": \"…\"}}");
        }

        if (hashes.TryGetProperty("quality", out var quality) &&
            (quality.ValueKind != JsonValueKind.Number || !quality.TryGetInt32(out var q) || q is < 0 or > 100))
        {
            return Invalid(out error, $"post.media[{index}].hashes.quality must be a whole number 0–100 (PDQ quality)");
        }

        foreach (var name in new[] { "pdq", "md5", "sha256" })
        {
            if (hashes.TryGetProperty(name, out var v) && (v.ValueKind != JsonValueKind.String || v.GetString()!.Length > 128))
            {
                return Invalid(out error, $"post.media[{index}].hashes.{name} must be a hex string");
            }
        }

        return true;
    }

    private static bool Required(JsonElement parent, string name, JsonValueKind kind, out LineError? error)
    {
        if (!parent.TryGetProperty(name, out var value))
        {
            error = new LineError("missing_field", $"'{name}' is required");
            return false;
        }

        error = value.ValueKind == kind ? null : new LineError("invalid_field", $"'{name}' must be a JSON {kind.ToString().ToLowerInvariant()}");
        return error is null;
    }

    private static bool Optional(JsonElement parent, string name, JsonValueKind kind, out LineError? error)
    {
        error = null;
        return !parent.TryGetProperty(name, out var value) || value.ValueKind == kind || Invalid(out error, $"'{name}' must be a JSON {kind.ToString().ToLowerInvariant()}");
    }

    private static bool TryString(JsonElement parent, string name, bool required, out string? value, out LineError? error)
    {
        value = null;
        error = null;
        if (!parent.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            error = required ? new LineError("missing_field", $"'{name}' is required") : null;
            return !required;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            return Invalid(out error, $"'{name}' must be a string");
        }

        value = element.GetString()!;
        return value.Length is > 0 and <= MaxIdLength || Invalid(out error, $"'{name}' must be 1–{MaxIdLength} characters");
    }

    private static bool TryText(JsonElement parent, string name, out LineError? error)
    {
        error = null;
        if (!parent.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        return element.ValueKind != JsonValueKind.String
            ? Invalid(out error, $"'{name}' must be a string")
            : element.GetString()!.Length <= MaxTextLength || Invalid(out error, $"'{name}' is longer than {MaxTextLength:N0} characters");
    }

    private static bool TryStringArray(JsonElement parent, string name, int maxItems, out LineError? error)
    {
        error = null;
        if (!parent.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() > maxItems)
        {
            return Invalid(out error, $"'{name}' must be an array of at most {maxItems} strings");
        }

        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || item.GetString()!.Length is 0 or > MaxIdLength)
            {
                return Invalid(out error, $"'{name}' must hold strings of 1–{MaxIdLength} characters");
            }
        }

        return true;
    }

    private static bool Invalid(out LineError? error, string message)
    {
        error = new LineError("invalid_field", message);
        return false;
    }

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
