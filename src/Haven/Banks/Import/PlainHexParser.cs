using System.Runtime.CompilerServices;
using Haven.Csv;

namespace Haven.Banks.Import;

/// <summary>
/// Plain hex lists: one hash per line; blank lines and lines starting with <c>#</c> are skipped; surrounding whitespace
/// is ignored. A line may also read <c>TYPE VALUE</c> (e.g. <c>pdq 3f…</c>), the line format of python-threatexchange's
/// local-file exchange (facebook/ThreatExchange python-threatexchange/threatexchange/exchanges/impl/file_api.py).
/// Values without a type take <see cref="ImportOptions.SignalType"/> or the length rule of <see cref="EntryParsers.ResolveType"/>.
/// </summary>
internal sealed class PlainHexParser(ImportOptions options) : IEntryParser
{
    /// <inheritdoc />
    public long LinesRead { get; private set; }

    /// <inheritdoc />
    public async IAsyncEnumerable<ParsedLine> ParseAsync(TextReader reader, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            var number = ++LinesRead;
            var text = line.AsSpan().Trim();
            if (text.IsEmpty || text[0] == '#')
            {
                continue;
            }

            yield return ParseLine(number, text);
        }
    }

    /// <summary>The error of a line with a comma: no hash or type name has one, so the file is most likely CSV.</summary>
    internal const string LooksLikeCsv =
        "this line looks like CSV, not a hash list: import the file with --format csv (a header naming 'hash') or " +
        "--format hma (the ThreatExchange/HMA signal CSV); over HTTP, format=csv or format=hma";

    private ParsedLine ParseLine(long number, ReadOnlySpan<char> text)
    {
        if (text.Contains(','))
        {
            return ParsedLine.Bad(number, LooksLikeCsv);
        }

        ReadOnlySpan<char> value = text;
        SignalType? type;
        var space = text.IndexOfAny(' ', '\t');
        if (space >= 0)
        {
            var typeName = text[..space];
            value = text[(space + 1)..].Trim();
            if (!HmaCsvParser.TryMapSignalType(typeName, out var named))
            {
                return ParsedLine.Bad(number, $"unknown signal type '{InputText.Printable(typeName)}' (expected pdq, md5 or sha256, optionally followed by one value)");
            }

            if (value.IndexOfAny(' ', '\t') >= 0)
            {
                return ParsedLine.Bad(number, "more than one value on the line (expected one hash, or a signal type and one hash)");
            }

            if (options.SignalType is { } expected && expected != named)
            {
                return ParsedLine.Bad(number, $"the line says {named.Name()} but the import is for {expected.Name()}");
            }

            type = named;
        }
        else
        {
            type = EntryParsers.ResolveType(options.SignalType, value.Length, out var inferError);
            if (type is null)
            {
                return ParsedLine.Bad(number, inferError);
            }
        }

        return NewBankEntry.TryCreate(type.Value, value, null, options.Category, options.Source, null, out var entry, out var error)
            ? ParsedLine.Ok(number, entry)
            : ParsedLine.Bad(number, error);
    }
}
