using System.Runtime.CompilerServices;
using Haven.Csv;

namespace Haven.Banks.Import;

/// <summary>
/// The ThreatExchange / HMA signal CSV, as written by python-threatexchange's <c>threatexchange dataset -P --csv</c>
/// (facebook/ThreatExchange python-threatexchange/threatexchange/cli/dataset_cmd.py, <c>_print_csv</c>): a header row
/// <c>collab,signal_type,signal_str,category,tags</c> (csv.DictWriter, RFC 4180 quoting), one row per signal and
/// collaboration. <c>signal_type</c> is the SignalType name (<c>pdq</c>, <c>video_md5</c>, …); <c>category</c> is the
/// aggregate opinion (<c>POSITIVE_CLASS</c>, <c>NEGATIVE_CLASS</c>, <c>INVESTIGATION_SEED</c>); <c>tags</c> are space-separated.
/// Mapping into a Haven bank:
/// <list type="bullet">
/// <item><c>pdq</c> → pdq; <c>md5</c>, <c>video_md5</c>, <c>photo_md5</c> → md5 (MD5 of the media bytes); <c>sha256</c> → sha256.
/// Other types (url, raw_text, vpdq, tmk, …) are refused as line errors: filter the export (<c>--only-signals pdq</c>).</item>
/// <item><c>NEGATIVE_CLASS</c> rows say "this is not a match" and are skipped (counted in <see cref="ImportSummary.Skipped"/>).</item>
/// <item><c>tags</c> → category (the place exchanges put labels such as classification codes); <c>collab</c> → source
/// (else <see cref="ImportOptions.Source"/>). There is no quality or external id in this format.</item>
/// </list>
/// Columns may come in any order; only <c>signal_type</c> and <c>signal_str</c> are required; unknown columns are refused.
/// </summary>
internal sealed class HmaCsvParser(ImportOptions options) : IEntryParser
{
    /// <summary>The columns python-threatexchange writes.</summary>
    public static IReadOnlyList<string> Columns { get; } = ["collab", "signal_type", "signal_str", "category", "tags"];

    /// <summary>Columns a header must name.</summary>
    internal static IReadOnlyList<string> Required { get; } = ["signal_type", "signal_str"];

    private CsvRecordReader? _csv;

    /// <inheritdoc />
    public long LinesRead => _csv?.LinesConsumed ?? 0;

    /// <summary>Maps a ThreatExchange SignalType name (or a Haven name) onto a Haven signal type.</summary>
    public static bool TryMapSignalType(ReadOnlySpan<char> name, out SignalType type)
    {
        if (SignalTypes.TryParse(name, out type))
        {
            return true;
        }

        var trimmed = name.Trim();
        if (trimmed.Equals("video_md5", StringComparison.OrdinalIgnoreCase) || trimmed.Equals("photo_md5", StringComparison.OrdinalIgnoreCase))
        {
            type = SignalType.Md5;
            return true;
        }

        return false;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ParsedLine> ParseAsync(TextReader reader, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        _csv = new CsvRecordReader(reader);
        await foreach (var row in CsvRows.ReadAsync(_csv, Columns, Required, "the input is empty: expected the header collab,signal_type,signal_str,category,tags", cancellationToken))
        {
            yield return row.Error is { } error ? ParsedLine.Bad(row.Line, error) : ParseRow(row.Line, row.Fields!, row.Header!);
        }
    }

    private ParsedLine ParseRow(long line, List<string> fields, CsvHeader header)
    {
        var typeName = header.Get(fields, "signal_type");
        if (typeName is null)
        {
            return ParsedLine.Bad(line, "the signal_type field is empty");
        }

        if (!TryMapSignalType(typeName, out var type))
        {
            return ParsedLine.Bad(line, $"signal type '{InputText.Printable(typeName)}' is not supported (pdq, md5, video_md5, sha256); filter the export to those types");
        }

        var value = header.Get(fields, "signal_str");
        if (value is null)
        {
            return ParsedLine.Bad(line, "the signal_str field is empty");
        }

        var validated = NewBankEntry.TryCreate(
            type,
            value,
            null,
            header.Get(fields, "tags") ?? options.Category,
            header.Get(fields, "collab") ?? options.Source,
            null,
            out var entry,
            out var error);
        if (!validated)
        {
            return ParsedLine.Bad(line, error);
        }

        // Validate before skipping so a malformed negative row is still reported: the file as a whole is suspect.
        return string.Equals(header.Get(fields, "category"), "NEGATIVE_CLASS", StringComparison.OrdinalIgnoreCase)
            ? ParsedLine.Skip(line)
            : ParsedLine.Ok(line, entry);
    }
}
