using System.Text.Json;
using System.Text.Json.Nodes;

namespace Haven.Events;

/// <summary>
/// Media sent as parts of a <c>multipart/form-data</c> batch: a media item <c>{"part": "NAME"}</c> names a part of the
/// request, and is stored as <c>{"bytes": base64}</c>, so the stored event is whole on its own and a re-sent request
/// stores (and deduplicates) the same line. A name that is not among the parts is left in place, and the parser then
/// refuses that line, not the batch.
/// </summary>
internal static class MultipartMedia
{
    // Stored, not embedded in HTML: keep base64 '+' and non-ASCII text as they are instead of \uXXXX escapes.
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Replaces every resolvable <c>part</c> reference of <paramref name="line"/>; returns the line unchanged when it has
    /// none or is not an event object. Each part can be used once per request (<paramref name="used"/>), so one large
    /// part cannot be multiplied into every media item of every line; a second reference stays unresolved and the
    /// parser refuses that line.
    /// </summary>
    public static string Inline(string line, IReadOnlyDictionary<string, byte[]> parts, ISet<string> used)
    {
        if (parts.Count == 0 || !line.Contains("\"part\"", StringComparison.Ordinal))
        {
            return line;
        }

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(line, documentOptions: new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            // Malformed JSON or duplicate keys: the parser gives that line its own error.
            return line;
        }

        try
        {
            return InlineParsed(root, parts, used) ?? line;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // Duplicate keys surface only when the object is first read.
            return line;
        }
    }

    private static string? InlineParsed(JsonNode? root, IReadOnlyDictionary<string, byte[]> parts, ISet<string> used)
    {
        if (root is not JsonObject rootObject || rootObject["post"] is not JsonObject post || post["media"] is not JsonArray media)
        {
            return null;
        }

        // A part counts as used only once its line has been written with it: a line that cannot be re-serialised
        // (it is then refused by the parser) leaves its parts to the lines after it.
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in media.OfType<JsonObject>())
        {
            if (item["part"] is JsonValue value && value.TryGetValue<string>(out var name) && parts.TryGetValue(name, out var bytes) && !used.Contains(name) && taken.Add(name))
            {
                item.Remove("part");
                item["bytes"] = Convert.ToBase64String(bytes);
            }
        }

        if (taken.Count == 0)
        {
            return null;
        }

        var inlined = root.ToJsonString(Relaxed);
        used.UnionWith(taken);
        return inlined;
    }
}
