using System.Text;
using Haven.Audit;
using Haven.Banks.Import;
using Haven.Storage;

namespace Haven.Banks;

/// <summary>Imports, bulk adds and export.</summary>
internal sealed partial class BankService
{
    /// <summary>
    /// Imports <paramref name="reader"/> into bank <paramref name="bankName"/>, all or nothing. The input is parsed and
    /// written in batches inside one transaction; on the first bad line writing stops, parsing continues so that every
    /// error is reported with its line number, and the transaction is rolled back. Values the bank already holds are
    /// counted as already present, not duplicated. The banks version is bumped in the same transaction when anything was added.
    /// </summary>
    public async Task<Result<ImportSummary, BankError>> ImportAsync(
        string bankName,
        TextReader reader,
        ImportOptions options,
        IProgress<ImportProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(options);
        if (options.BatchSize < 1 || options.MaxReportedErrors < 1)
        {
            return new BankRequestInvalid("BatchSize and MaxReportedErrors must be at least 1.");
        }

        var parser = EntryParsers.Create(options);
        return await WriteAsync(bankName, parser.ParseAsync(reader, cancellationToken), () => parser.LinesRead, options, progress, cancellationToken);
    }

    /// <summary>
    /// Adds already-validated entries (e.g. media a reviewer confirmed) in one transaction; entries the bank already holds
    /// are counted as already present.
    /// </summary>
    public Task<Result<ImportSummary, BankError>> AddEntriesAsync(
        string bankName,
        IEnumerable<NewBankEntry> entries,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        long line = 0;
        return WriteAsync(bankName, AsParsed(entries), () => line, new ImportOptions(), null, cancellationToken);

        async IAsyncEnumerable<ParsedLine> AsParsed(IEnumerable<NewBankEntry> source)
        {
            foreach (var entry in source)
            {
                yield return ParsedLine.Ok(++line, entry);
            }

            await Task.CompletedTask;
        }
    }

    /// <summary>
    /// Writes the bank as Haven CSV (<see cref="HavenCsvParser.Columns"/>, RFC 4180), in entry id order, streaming.
    /// Importing the output into an empty bank reproduces the entries. Returns the number of entries written.
    /// </summary>
    public async Task<Result<long, BankError>> ExportCsvAsync(string bankName, TextWriter writer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (await FindAsync(bankName, cancellationToken) is not { } bank)
        {
            return new BankNotFound(bankName);
        }

        await writer.WriteLineAsync(string.Join(',', HavenCsvParser.Columns).AsMemory(), cancellationToken);
        var line = new StringBuilder(160);
        long count = 0;
        await foreach (var entry in ReadEntriesAsync(bank.Id, cancellationToken))
        {
            line.Clear()
                .Append(entry.Value).Append(',')
                .Append(entry.SignalType.Name()).Append(',')
                .Append(entry.Quality?.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(',');
            AppendCsvField(line, entry.Category).Append(',');
            AppendCsvField(line, entry.Source).Append(',');
            AppendCsvField(line, entry.ExternalId);
            await writer.WriteLineAsync(line, cancellationToken);
            count++;
        }

        await writer.FlushAsync(cancellationToken);
        return count;
    }

    private static StringBuilder AppendCsvField(StringBuilder line, string? value)
    {
        if (value is null)
        {
            return line;
        }

        if (value.AsSpan().IndexOfAny(",\"\r\n") < 0 && value.Trim().Length == value.Length)
        {
            return line.Append(value);
        }

        return line.Append('"').Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
    }

    private async Task<Result<ImportSummary, BankError>> WriteAsync(
        string bankName,
        IAsyncEnumerable<ParsedLine> lines,
        Func<long> linesRead,
        ImportOptions options,
        IProgress<ImportProgress>? progress,
        CancellationToken cancellationToken)
    {
        var started = _store.Time.GetTimestamp();
        await using var connection = await _store.OpenConnectionAsync(cancellationToken);
        await using var transaction = await _store.BeginWriteAsync(connection, cancellationToken);
        if (await FindAsync(connection, transaction, bankName, cancellationToken) is not { } bank)
        {
            return new BankNotFound(bankName);
        }

        await using var writer = BankEntryWriter.Create(_store, connection, transaction, bank.Id, _store.NowUnixMilliseconds);
        var batch = new List<NewBankEntry>(Math.Min(options.BatchSize, 1 << 16));
        var errors = new ImportErrorList(options.MaxReportedErrors);
        long entries = 0, added = 0, written = 0, skipped = 0, belowGate = 0;
        long nextReport = options.BatchSize;

        await foreach (var parsed in lines.WithCancellation(cancellationToken))
        {
            switch (parsed.Kind)
            {
                case ParsedLineKind.Error:
                    errors.Add(parsed.Line, parsed.Error!);

                    // Nothing more will be written; drop what is pending.
                    batch.Clear();
                    break;
                case ParsedLineKind.Skipped:
                    skipped++;
                    break;
                case ParsedLineKind.Entry when parsed.Entry is { SignalType: SignalType.Pdq, Quality: { } quality } && quality < options.QualityGate:
                    // Low-quality PDQ hashes match unrelated images; they are never banked (shared/specs/pdq.md §4).
                    belowGate++;
                    break;
                default:
                    entries++;
                    if (errors.Count == 0)
                    {
                        batch.Add(parsed.Entry);
                        if (batch.Count >= options.BatchSize)
                        {
                            added += await writer.WriteAsync(batch, cancellationToken);
                            written += batch.Count;
                            batch.Clear();
                            progress?.Report(new ImportProgress(linesRead(), written));
                        }
                    }

                    break;
            }

            if (errors.Count > 0 && parsed.Line >= nextReport)
            {
                // While only validating, still show that reading advances.
                nextReport = parsed.Line + options.BatchSize;
                progress?.Report(new ImportProgress(linesRead(), written));
            }
        }

        var totalLines = linesRead();
        if (errors.Count > 0)
        {
            await transaction.RollbackAsync(cancellationToken);
            progress?.Report(new ImportProgress(totalLines, 0));
            BankLog.ImportRefused(_logger, bank.Id, totalLines, errors.Count);
            return new ImportFailed(errors.ToList(), errors.Count, totalLines, errors.NotListed);
        }

        if (batch.Count > 0)
        {
            added += await writer.WriteAsync(batch, cancellationToken);
            written += batch.Count;
        }

        var version = added > 0
            ? await HavenStore.BumpCounterAsync(connection, transaction, BanksVersionCounter, cancellationToken)
            : await HavenStore.ReadCounterAsync(connection, transaction, BanksVersionCounter, cancellationToken);
        if (added > 0)
        {
            await AuditLog.AppendAsync(_store, connection, transaction, "bank.entries_added", $"bank:{bank.Name}", new { id = bank.Id, lines = totalLines, added, alreadyPresent = entries - added, skipped, belowGate }, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        progress?.Report(new ImportProgress(totalLines, written));
        BankLog.ImportCommitted(_logger, bank.Id, totalLines, added, entries - added, skipped, (long)_store.Time.GetElapsedTime(started).TotalMilliseconds);
        return new ImportSummary(totalLines, entries, added, entries - added, skipped, version, belowGate);
    }
}
