namespace Haven.Csv;

/// <summary>Maps a CSV header row onto known column names (case-insensitive, surrounding spaces and a BOM ignored).</summary>
internal sealed class CsvHeader
{
    private readonly Dictionary<string, int> _indexes;

    private CsvHeader(Dictionary<string, int> indexes, int columnCount)
    {
        _indexes = indexes;
        ColumnCount = columnCount;
    }

    /// <summary>Number of columns every record must have.</summary>
    public int ColumnCount { get; }

    /// <summary>
    /// Reads the header; unknown, duplicate or missing required columns produce one error listing all of them.
    /// Unknown columns are refused rather than ignored: a misspelt <c>quality</c> would otherwise drop data silently.
    /// </summary>
    public static CsvHeader? TryCreate(List<string> fields, IReadOnlyList<string> known, IReadOnlyList<string> required, out string error)
    {
        var indexes = new Dictionary<string, int>(StringComparer.Ordinal);
        var problems = new List<string>();
        for (var i = 0; i < fields.Count; i++)
        {
            var name = ColumnName(fields[i]);
            if (!known.Contains(name))
            {
                problems.Add($"unknown column '{InputText.Printable(name)}'");
            }
            else if (!indexes.TryAdd(name, i))
            {
                problems.Add($"column '{name}' appears twice");
            }
        }

        foreach (var name in required)
        {
            if (!indexes.ContainsKey(name))
            {
                problems.Add($"missing required column '{name}'");
            }
        }

        if (problems.Count > 0)
        {
            error = "bad header: " + string.Join("; ", problems) + $" (allowed columns: {string.Join(", ", known)}; required: {string.Join(", ", required)})";
            return null;
        }

        error = string.Empty;
        return new CsvHeader(indexes, fields.Count);
    }

    /// <summary>A header field as a column name: trimmed, without a byte-order mark, lower case.</summary>
    public static string ColumnName(string field) => field.Trim().TrimStart('\uFEFF').Trim().ToLowerInvariant();

    /// <summary>The trimmed field for <paramref name="column"/>, or null when the column is absent or the field empty.</summary>
    public string? Get(List<string> fields, string column) =>
        _indexes.TryGetValue(column, out var index) && fields[index].Trim() is { Length: > 0 } value ? value : null;

    /// <summary>True when the header has <paramref name="column"/>.</summary>
    public bool Has(string column) => _indexes.ContainsKey(column);
}
