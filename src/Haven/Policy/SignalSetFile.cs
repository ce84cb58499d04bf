using System.Text.Json;
using System.Text.Json.Serialization;
using Haven.Banks;
using Haven.Storage;

namespace Haven.Policy;

/// <summary>
/// Reads hand-written signal sets for <c>haven policy test</c> (docs/policy.md): one JSON object or an array of them.
/// Until stored events are turned into signals, this is how a policy is tried.
/// </summary>
internal static class SignalSetFile
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
    };

    /// <summary>Parses the file's text; a malformed file is an error message, with line when the JSON is broken.</summary>
    public static Result<IReadOnlyList<SignalSet>, string> Parse(string json)
    {
        List<SignalSetDto?> items;
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
            items = document.RootElement.ValueKind == JsonValueKind.Array
                ? document.RootElement.Deserialize<List<SignalSetDto?>>(Options) ?? []
                : [document.RootElement.Deserialize<SignalSetDto>(Options)];
        }
        catch (JsonException malformed)
        {
            var where = malformed.LineNumber is { } line ? $" (line {line + 1})" : string.Empty;
            var path = malformed.Path is { Length: > 0 } p ? $" at {p}" : string.Empty;
            var reason = malformed.Message;
            var cut = reason.IndexOf(" Path:", StringComparison.Ordinal);
            return $"signals are not valid{where}{path}: {(cut > 0 ? reason[..cut] : reason)}";
        }

        var sets = new List<SignalSet>();
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            if (item?.Subject is not { Id: { Length: > 0 } id } subject)
            {
                return $"signal set {i}: needs \"subject\": {{\"kind\": \"content\"|\"account\", \"id\": \"...\"}}";
            }

            SubjectKind kind;
            switch (subject.Kind)
            {
                case "content":
                    kind = SubjectKind.Content;
                    break;
                case "account":
                    kind = SubjectKind.Account;
                    break;
                default:
                    return $"signal set {i}: subject.kind must be \"content\" or \"account\"";
            }

            var matches = new List<BankMatchSignal>();
            foreach (var match in item.BankMatches ?? [])
            {
                if (match.Bank is not { Length: > 0 } || !SignalTypes.TryParse(match.SignalType ?? string.Empty, out var type) || match.Distance is < 0 or > 256)
                {
                    return $"signal set {i}: a bank match needs bank, signalType (pdq, md5, sha256) and distance ≥ 0";
                }

                matches.Add(new BankMatchSignal(match.Bank, match.Category, type, match.Distance));
            }

            var hits = new List<TextHitSignal>();
            foreach (var hit in item.TextHits ?? [])
            {
                if (hit.Category is not { Length: > 0 } || !double.IsFinite(hit.Weight) || hit.Weight < 0)
                {
                    return $"signal set {i}: a text hit needs category and a weight ≥ 0";
                }

                hits.Add(new TextHitSignal(hit.Category, hit.Weight, hit.EntryId));
            }

            var reports = new List<ReportSignal>();
            foreach (var report in item.Reports ?? [])
            {
                if (report.Reason is not { Length: > 0 })
                {
                    return $"signal set {i}: a report needs a reason";
                }

                reports.Add(new ReportSignal(report.Reason));
            }

            sets.Add(new SignalSet(kind, id, matches, hits, item.Counters ?? new Dictionary<string, long>(), reports));
        }

        return sets;
    }

    /// <summary>
    /// Writes one signal set in the file format <see cref="Parse"/> reads, on one line, so stored signal sets replay
    /// through the same reader as hand-written ones (<c>haven policy backtest</c>).
    /// </summary>
    public static string Serialize(SignalSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        var dto = new SignalSetDto(
            new SubjectDto(set.SubjectKind == SubjectKind.Account ? "account" : "content", set.SubjectId),
            set.BankMatches.Count == 0 ? null : [.. set.BankMatches.Select(m => new BankMatchDto(m.Bank, m.Category, SignalTypes.Name(m.SignalType), m.Distance))],
            set.TextHits.Count == 0 ? null : [.. set.TextHits.Select(h => new TextHitDto(h.Category, h.Weight, h.EntryId))],
            set.Counters.Count == 0 ? null : new Dictionary<string, long>(set.Counters.OrderBy(c => c.Key, StringComparer.Ordinal)),
            set.Reports.Count == 0 ? null : [.. set.Reports.Select(r => new ReportDto(r.Reason))]);
        return JsonSerializer.Serialize(dto, WriteOptions);
    }

    private static readonly JsonSerializerOptions WriteOptions = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private sealed record SubjectDto(string? Kind, string? Id);

    private sealed record BankMatchDto(string? Bank, string? Category, string? SignalType, int Distance);

    private sealed record TextHitDto(string? Category, double Weight, long EntryId);

    private sealed record ReportDto(string? Reason);

    private sealed record SignalSetDto(
        SubjectDto? Subject,
        List<BankMatchDto>? BankMatches,
        List<TextHitDto>? TextHits,
        Dictionary<string, long>? Counters,
        List<ReportDto>? Reports);
}
