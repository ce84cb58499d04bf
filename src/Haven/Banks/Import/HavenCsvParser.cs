using System.Globalization;
using System.Runtime.CompilerServices;
using Haven.Csv;

namespace Haven.Banks.Import;

/// <summary>
/// Haven CSV (also what <c>bank export</c> writes): a header row naming <c>hash</c> and any of <c>signal_type</c>,
/// <c>quality</c>, <c>category</c>, <c>source</c>, <c>external_id</c>, in any order; RFC 4180 quoting. Other columns are
/// refused (see <see cref="CsvHeader.TryCreate"/>). Without a <c>signal_type</c> value a row takes
/// <see cref="ImportOptions.SignalType"/> or the length rule. Empty fields mean "none"; blank lines are skipped.
/// </summary>
internal sealed class HavenCsvParser(ImportOptions options) : IEntryParser
{
    /// <summary>Columns, in the order export writes them.</summary>
    public static IReadOnlyList<string> Columns { get; } = ["hash", "signal_type", "quality", "category", "source", "external_id"];

    /// <summary>Columns a header must name.</summary>
    internal static IReadOnlyList<string> Required { get; } = ["hash"];

    private CsvRecordReader? _csv;

    /// <inheritdoc />
    public long LinesRead => _csv?.LinesConsumed ?? 0;

    /// <inheritdoc />
    public async IAsyncEnumerable<ParsedLine> ParseAsync(TextReader reader, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        _csv = new CsvRecordReader(reader);
        await foreach (var row in CsvRows.ReadAsync(_csv, Columns, Required, "the input is empty: expected a header row naming at least 'hash'", cancellationToken))
        {
            yield return row.Error is { } error ? ParsedLine.Bad(row.Line, error) : ParseRow(row.Line, row.Fields!, row.Header!);
        }
    }

    private ParsedLine ParseRow(long line, List<string> fields, CsvHeader header)
    {
        var hash = header.Get(fields, "hash");
        if (hash is null)
        {
            return ParsedLine.Bad(line, "the hash field is empty");
        }

        SignalType? type;
        if (header.Get(fields, "signal_type") is { } typeName)
        {
            if (!SignalTypes.TryParse(typeName, out var named))
            {
                return ParsedLine.Bad(line, $"unknown signal_type '{InputText.Printable(typeName)}' (expected pdq, md5 or sha256)");
            }

            type = named;
        }
        else
        {
            type = EntryParsers.ResolveType(options.SignalType, hash.Length, out var inferError);
            if (type is null)
            {
                return ParsedLine.Bad(line, inferError);
            }
        }

        int? quality = null;
        if (header.Get(fields, "quality") is { } qualityText)
        {
            if (!int.TryParse(qualityText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
            {
                return ParsedLine.Bad(line, $"quality '{InputText.Printable(qualityText)}' is not a whole number");
            }

            quality = parsed;
        }

        return NewBankEntry.TryCreate(
            type.Value,
            hash,
            quality,
            header.Get(fields, "category") ?? options.Category,
            header.Get(fields, "source") ?? options.Source,
            header.Get(fields, "external_id"),
            out var entry,
            out var error)
            ? ParsedLine.Ok(line, entry)
            : ParsedLine.Bad(line, error);
    }
}
