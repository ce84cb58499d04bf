using System.Runtime.CompilerServices;

namespace Haven.Csv;

/// <summary>A data row of a headed CSV file (fields mapped by <see cref="Header"/>), or an error on a line.</summary>
/// <param name="Fields">Valid until the next row is read.</param>
internal readonly record struct CsvRow(long Line, List<string>? Fields, CsvHeader? Header, string? Error);

/// <summary>
/// The record loop every headed CSV format shares (bank imports in Haven and HMA CSV, lexicon files): header first,
/// blank rows skipped, one error per bad record.
/// </summary>
internal static class CsvRows
{
    /// <summary>
    /// Yields every data row with its header, or an error for a malformed record or a row whose field count differs from
    /// the header's. Without a usable header no row can be read: one error says why and reading stops.
    /// </summary>
    public static async IAsyncEnumerable<CsvRow> ReadAsync(
        CsvRecordReader csv, IReadOnlyList<string> columns, IReadOnlyList<string> required, string emptyInputMessage,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var fields = new List<string>(8);
        CsvHeader? header = null;
        while (await csv.ReadRecordAsync(fields, cancellationToken).ConfigureAwait(false))
        {
            var line = csv.RecordLine;
            if (csv.RecordError is { } malformed)
            {
                yield return new CsvRow(line, null, null, malformed);
                if (header is null)
                {
                    yield break;
                }

                continue;
            }

            if (fields is [{ Length: 0 }])
            {
                continue;
            }

            if (header is null)
            {
                header = CsvHeader.TryCreate(fields, columns, required, out var headerError);
                if (header is null)
                {
                    yield return new CsvRow(line, null, null, headerError);
                    yield break;
                }

                continue;
            }

            yield return fields.Count == header.ColumnCount
                ? new CsvRow(line, fields, header, null)
                : new CsvRow(line, null, null, $"{fields.Count} fields but the header has {header.ColumnCount} columns");
        }

        if (header is null)
        {
            yield return new CsvRow(1, null, null, emptyInputMessage);
        }
    }
}
