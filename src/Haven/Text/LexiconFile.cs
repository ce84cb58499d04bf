using System.Globalization;
using Haven.Csv;
using Haven.Kernels.Text;

namespace Haven.Text;

/// <summary>The categories every deployment knows (DESIGN §3.3); operators may add their own names.</summary>
internal static class LexiconCategories
{
    public const string CseTerm = "cse_term";
    public const string TradeRequest = "trade_request";
    public const string Sexualising = "sexualising";
    public const string AgeReference = "age_reference";
    public const string Solicitation = "solicitation";
    public const string OffplatformContact = "offplatform_contact";

    public static IReadOnlyList<string> Standard { get; } = [CseTerm, TradeRequest, Sexualising, AgeReference, Solicitation, OffplatformContact];

    /// <summary>A category name: 1–64 of a-z, 0-9 and '_'.</summary>
    public static bool IsValid(string name) => name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_');
}

/// <summary>One lexicon entry read from a file, validated; <see cref="Normalized"/> is what the matcher compares.</summary>
internal sealed record LexiconFileEntry(long Line, string Pattern, string Normalized, string Category, float Weight, LexiconMatchMode Mode, string? Source);

/// <summary>One bad line of a lexicon file.</summary>
internal sealed record LexiconLineError(long Line, string Message)
{
    public override string ToString() => $"line {Line}: {Message}";
}

/// <summary>
/// Reads the lexicon CSV format (docs/lexicon.md): a header with <c>pattern</c> and <c>category</c>, optionally
/// <c>weight</c> (0–1, default 1), <c>mode</c> (<c>word</c>, default, or <c>substring</c>) and <c>source</c> (where the
/// term is publicly documented). All or nothing: every bad line is reported with its number.
/// </summary>
internal static class LexiconFile
{
    private static readonly string[] Columns = ["pattern", "category", "weight", "mode", "source"];
    private static readonly string[] Required = ["pattern", "category"];
    private const string EmptyFile = "the file is empty: a lexicon starts with a header such as 'pattern,category,weight,mode,source'";

    /// <summary>Parses the whole file; returns the entries, or every error.</summary>
    public static async Task<(IReadOnlyList<LexiconFileEntry> Entries, IReadOnlyList<LexiconLineError> Errors)> ReadAsync(TextReader reader, CancellationToken cancellationToken = default)
    {
        var entries = new List<LexiconFileEntry>();
        var errors = new List<LexiconLineError>();
        await foreach (var row in CsvRows.ReadAsync(new CsvRecordReader(reader), Columns, Required, EmptyFile, cancellationToken).ConfigureAwait(false))
        {
            if (row.Error is { } rowError)
            {
                errors.Add(new LexiconLineError(row.Line, rowError));
            }
            else if (TryEntry(row.Header!, row.Fields!, row.Line, out var entry, out var error))
            {
                entries.Add(entry!);
            }
            else
            {
                errors.Add(new LexiconLineError(row.Line, error));
            }
        }

        return (entries, errors);
    }

    private static bool TryEntry(CsvHeader header, List<string> fields, long line, out LexiconFileEntry? entry, out string error)
    {
        entry = null;
        var pattern = header.Get(fields, "pattern");
        var category = header.Get(fields, "category")?.ToLowerInvariant();
        if (pattern is null)
        {
            error = "pattern is empty";
            return false;
        }

        if (pattern.Length > 256)
        {
            error = "pattern is longer than 256 characters";
            return false;
        }

        if (category is null || !LexiconCategories.IsValid(category))
        {
            error = $"category must be 1–64 of a-z, 0-9 and '_' (standard: {string.Join(", ", LexiconCategories.Standard)})";
            return false;
        }

        var weight = 1f;
        if (header.Get(fields, "weight") is { } weightText &&
            (!float.TryParse(weightText, NumberStyles.Float, CultureInfo.InvariantCulture, out weight) || !float.IsFinite(weight) || weight is < 0 or > 1))
        {
            error = "weight must be a number from 0 to 1";
            return false;
        }

        var mode = LexiconMatchMode.WholeWord;
        switch (header.Get(fields, "mode")?.ToLowerInvariant())
        {
            case null or "word":
                break;
            case "substring":
                mode = LexiconMatchMode.Substring;
                break;
            default:
                error = "mode must be 'word' or 'substring'";
                return false;
        }

        var normalized = TextNormalizer.NormalizePattern(pattern);
        if (normalized.Length == 0)
        {
            error = "pattern is only separators or invisible characters after normalisation";
            return false;
        }

        entry = new LexiconFileEntry(line, pattern, normalized, category, weight, mode, header.Get(fields, "source"));
        error = string.Empty;
        return true;
    }
}
