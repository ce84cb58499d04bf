using System.Text.Json;
using System.Text.Json.Serialization;

namespace Haven.Cli;

/// <summary>JSON settings for --json output: camelCase, nulls omitted, one object per line.</summary>
internal static class CliJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };
}
