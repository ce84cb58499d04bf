namespace Haven.Banks.Import;

/// <summary>Input formats for bank imports.</summary>
internal enum ImportFormat
{
    /// <summary>One hash per line; blank lines and <c>#</c> comments skipped; optional <c>TYPE VALUE</c> lines. See <see cref="PlainHexParser"/>.</summary>
    PlainHex,

    /// <summary>Haven CSV with a header naming <c>hash</c> and optional metadata columns. See <see cref="HavenCsvParser"/>.</summary>
    Csv,

    /// <summary>The ThreatExchange / HMA signal CSV (<c>collab,signal_type,signal_str,category,tags</c>). See <see cref="HmaCsvParser"/>.</summary>
    HmaCsv,
}

/// <summary>The names operators give formats on the command line and over HTTP.</summary>
internal static class ImportFormats
{
    /// <summary>
    /// <c>hex</c>, <c>csv</c> or <c>hma</c>, with a few aliases; null or blank gives a null format, which means "detect it
    /// from the input" (<see cref="FormatDetector"/>).
    /// </summary>
    public static bool TryParse(string? text, out ImportFormat? format)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case null or "":
                format = null;
                return true;
            case "hex" or "plain" or "txt":
                format = ImportFormat.PlainHex;
                return true;
            case "csv":
                format = ImportFormat.Csv;
                return true;
            case "hma" or "threatexchange" or "te":
                format = ImportFormat.HmaCsv;
                return true;
            default:
                format = default;
                return false;
        }
    }
}

/// <summary>How to read an import.</summary>
internal sealed record ImportOptions
{
    /// <summary>The input format; null detects it from the first line that is not blank (<see cref="FormatDetector"/>).</summary>
    public ImportFormat? Format { get; init; }

    /// <summary>
    /// The signal type of every value that does not name its own (plain hex lines, CSV without a <c>signal_type</c> column).
    /// When null it is inferred from the length: 32 hex digits are md5 and 64 are pdq. SHA-256 and PDQ are both 64 hex
    /// digits and cannot be told apart, so a SHA-256 list must say so here (<c>--signal sha256</c>). When set, every
    /// such value must have that type's length. Ignored by the HMA format, whose rows always name their type.
    /// </summary>
    public SignalType? SignalType { get; init; }

    /// <summary>Source stored on entries that carry none of their own (e.g. "ncmec", "iwf").</summary>
    public string? Source { get; init; }

    /// <summary>Category stored on entries that carry none of their own.</summary>
    public string? Category { get; init; }

    /// <summary>Entries written per batch (one transaction holds them all).</summary>
    public int BatchSize { get; init; } = 10_000;

    /// <summary>
    /// Line errors kept for the report (see <see cref="ImportErrorList"/>: an error repeated on many lines is listed a few
    /// times and then counted). The count in <see cref="ImportFailed.ErrorCount"/> is always exact; only the list is
    /// bounded, so a wrong-format multi-gigabyte file cannot exhaust memory with ten million error records.
    /// </summary>
    public int MaxReportedErrors { get; init; } = 10_000;

    /// <summary>PDQ entries whose quality is below this are not stored (counted in <see cref="ImportSummary.BelowQualityGate"/>); 0 keeps all.</summary>
    public int QualityGate { get; init; } = 50;
}

/// <summary>Progress of an import, reported once per written batch and at the end.</summary>
/// <param name="LinesRead">Physical input lines read so far.</param>
/// <param name="EntriesWritten">Valid entries sent to the database so far (added or already present).</param>
internal readonly record struct ImportProgress(long LinesRead, long EntriesWritten);

/// <summary>One bad input line.</summary>
/// <param name="Line">1-based line number (for a CSV record spanning lines, the line it starts on).</param>
/// <param name="Message">What is wrong; never contains the hash itself.</param>
internal sealed record ImportLineError(long Line, string Message)
{
    public override string ToString() => $"line {Line}: {Message}";
}

/// <summary>What a successful import did.</summary>
/// <param name="LinesRead">Physical input lines read.</param>
/// <param name="EntriesRead">Valid entries found in the input.</param>
/// <param name="Added">Entries newly stored.</param>
/// <param name="AlreadyPresent">Entries whose (signal type, value) the bank already held, or that repeat an earlier line of the same input; not duplicated.</param>
/// <param name="Skipped">Rows deliberately not imported (HMA rows whose category is NEGATIVE_CLASS).</param>
/// <param name="BanksVersion">The banks version after the import.</param>
/// <param name="BelowQualityGate">PDQ entries not stored because their quality is below the gate (default 50).</param>
internal sealed record ImportSummary(long LinesRead, long EntriesRead, long Added, long AlreadyPresent, long Skipped, long BanksVersion, long BelowQualityGate = 0)
{
    /// <summary>One line for people.</summary>
    public override string ToString() =>
        $"{EntriesRead} entries read from {LinesRead} lines: {Added} added, {AlreadyPresent} already present (not duplicated)" +
        (Skipped > 0 ? $", {Skipped} skipped (negative-class rows)" : string.Empty) +
        (BelowQualityGate > 0 ? $", {BelowQualityGate} PDQ hashes not banked (quality below the gate)" : string.Empty) + ".";
}

/// <summary>What the parser made of one input line or record.</summary>
internal enum ParsedLineKind
{
    /// <summary>A valid entry.</summary>
    Entry,

    /// <summary>A bad line.</summary>
    Error,

    /// <summary>A valid row deliberately left out.</summary>
    Skipped,
}

/// <summary>One parser output: an entry, an error, or a skip, with its line number.</summary>
internal readonly record struct ParsedLine(long Line, ParsedLineKind Kind, NewBankEntry Entry, string? Error)
{
    public static ParsedLine Ok(long line, NewBankEntry entry) => new(line, ParsedLineKind.Entry, entry, null);

    public static ParsedLine Bad(long line, string error) => new(line, ParsedLineKind.Error, default, error);

    public static ParsedLine Skip(long line) => new(line, ParsedLineKind.Skipped, default, null);
}

/// <summary>Turns text into entries. Implementations stream: memory does not grow with the input.</summary>
internal interface IEntryParser
{
    /// <summary>Physical lines consumed so far (for progress).</summary>
    long LinesRead { get; }

    /// <summary>Parses <paramref name="reader"/> to the end, yielding entries, errors and skips in input order.</summary>
    IAsyncEnumerable<ParsedLine> ParseAsync(TextReader reader, CancellationToken cancellationToken);
}

/// <summary>Creates the parser for a format.</summary>
internal static class EntryParsers
{
    public static IEntryParser Create(ImportOptions options) => options.Format switch
    {
        null => new FormatDetector(options),
        ImportFormat.PlainHex => new PlainHexParser(options),
        ImportFormat.Csv => new HavenCsvParser(options),
        ImportFormat.HmaCsv => new HmaCsvParser(options),
        _ => throw new ArgumentOutOfRangeException(nameof(options)),
    };

    /// <summary>
    /// Resolves the type of a value that does not name one: the caller's type, else inferred from the length
    /// (32 → md5, 64 → pdq). Returns null and an error when the length fits nothing.
    /// </summary>
    internal static SignalType? ResolveType(SignalType? given, int length, out string error)
    {
        error = string.Empty;
        if (given is not null)
        {
            return given;
        }

        switch (length)
        {
            case 32:
                return SignalType.Md5;
            case 64:
                return SignalType.Pdq;
            default:
                error = $"cannot infer the signal type from {length} characters: expected 32 hex digits (md5) or 64 (pdq, or sha256 when the import says so)";
                return null;
        }
    }
}
