using System.Runtime.CompilerServices;
using System.Text;
using Haven.Csv;

namespace Haven.Banks.Import;

/// <summary>
/// Parses an import whose format was not given: the first line that is not blank decides. A CSV header naming every
/// required column of Haven CSV (<c>hash</c>) is <see cref="ImportFormat.Csv"/>; one naming every required column of the
/// ThreatExchange / HMA CSV (<c>signal_type</c>, <c>signal_str</c>) is <see cref="ImportFormat.HmaCsv"/>; anything else
/// (a hash, <c>TYPE VALUE</c>, a <c>#</c> comment) is <see cref="ImportFormat.PlainHex"/>. The lines read to decide are
/// replayed to the chosen parser, so line numbers and blank-line handling are those of the format itself.
/// </summary>
internal sealed class FormatDetector(ImportOptions options) : IEntryParser
{
    // A file that opens with more blank lines than this is not worth holding in memory to look further: plain hex.
    private const int MaxBlankLines = 1_000;

    private IEntryParser? _parser;
    private long _linesLookedAt;

    /// <inheritdoc />
    public long LinesRead => _parser?.LinesRead ?? _linesLookedAt;

    /// <summary>The format a first non-blank line announces.</summary>
    public static async ValueTask<ImportFormat> DetectAsync(string line, CancellationToken cancellationToken)
    {
        var fields = new List<string>(8);
        var csv = new CsvRecordReader(new StringReader(line));
        if (!await csv.ReadRecordAsync(fields, cancellationToken).ConfigureAwait(false) || csv.RecordError is not null)
        {
            return ImportFormat.PlainHex;
        }

        var names = fields.Select(CsvHeader.ColumnName).ToHashSet(StringComparer.Ordinal);
        return HavenCsvParser.Required.All(names.Contains) ? ImportFormat.Csv
            : HmaCsvParser.Required.All(names.Contains) ? ImportFormat.HmaCsv
            : ImportFormat.PlainHex;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ParsedLine> ParseAsync(TextReader reader, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var lookedAt = new StringBuilder();
        string? first = null;
        while (_linesLookedAt <= MaxBlankLines && await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            _linesLookedAt++;
            lookedAt.Append(line).Append('\n');
            if (!line.AsSpan().Trim().TrimStart('\uFEFF').IsEmpty)
            {
                first = line;
                break;
            }
        }

        var format = first is null ? ImportFormat.PlainHex : await DetectAsync(first, cancellationToken).ConfigureAwait(false);
        _parser = EntryParsers.Create(options with { Format = format });
        await foreach (var parsed in _parser.ParseAsync(new ReplayReader(lookedAt.ToString(), reader), cancellationToken).ConfigureAwait(false))
        {
            yield return parsed;
        }
    }

    /// <summary>Reads <c>prefix</c> (whole lines, each ending in <c>\n</c>), then the rest of the input.</summary>
    private sealed class ReplayReader(string prefix, TextReader rest) : TextReader
    {
        private int _position;

        public override int Peek() => _position < prefix.Length ? prefix[_position] : rest.Peek();

        public override int Read() => _position < prefix.Length ? prefix[_position++] : rest.Read();

        public override int Read(Span<char> buffer) => _position < prefix.Length ? FromPrefix(buffer) : rest.Read(buffer);

        public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

        public override ValueTask<int> ReadAsync(Memory<char> buffer, CancellationToken cancellationToken = default) =>
            _position < prefix.Length ? ValueTask.FromResult(FromPrefix(buffer.Span)) : rest.ReadAsync(buffer, cancellationToken);

        public override string? ReadLine() => _position < prefix.Length ? LineFromPrefix() : rest.ReadLine();

        public override ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken) =>
            _position < prefix.Length ? ValueTask.FromResult<string?>(LineFromPrefix()) : rest.ReadLineAsync(cancellationToken);

        private int FromPrefix(Span<char> buffer)
        {
            var count = Math.Min(buffer.Length, prefix.Length - _position);
            prefix.AsSpan(_position, count).CopyTo(buffer);
            _position += count;
            return count;
        }

        private string LineFromPrefix()
        {
            var end = prefix.IndexOf('\n', _position);
            var line = prefix[_position..end];
            _position = end + 1;
            return line;
        }
    }
}
