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

    /// <summary>Replaces every resolvable <c>part</c> reference of <paramref name="line"/>; returns the line unchanged when it has none or is not JSON.</summary>
    public static string Inline(string line, IReadOnlyDictionary<string, byte[]> parts)
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
        catch (JsonException)
        {
            return line;
        }

        if (root?["post"]?["media"] is not JsonArray media)
        {
            return line;
        }

        var changed = false;
        foreach (var item in media.OfType<JsonObject>())
        {
            if (item["part"] is JsonValue value && value.TryGetValue<string>(out var name) && parts.TryGetValue(name, out var bytes))
            {
                item.Remove("part");
                item["bytes"] = Convert.ToBase64String(bytes);
                changed = true;
            }
        }

        return changed ? root.ToJsonString(Relaxed) : line;
    }
}
