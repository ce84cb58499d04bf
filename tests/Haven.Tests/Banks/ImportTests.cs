using System.Text;
using Haven.Banks;
using Haven.Banks.Import;
using Haven.Storage;
using Haven.Tests.Storage;

namespace Haven.Tests.Banks;

public abstract class ImportTests : StoreSuite
{
    private static readonly string Zero64 = new('0', 64);

    private BankService Banks => new(Store);

    public override async Task InitializeAsyncCore()
    {
        Assert.True((await Banks.CreateAsync("target")).IsSuccess);
    }

    [StoreFact]
    public async Task Plain_hex_skips_blanks_and_comments_and_infers_types()
    {
        var pdq = TestHashes.Many(1, 2, 64);
        var md5 = TestHashes.Many(2, 1, 32)[0];
        var sha = TestHashes.Many(3, 1, 64)[0];
        var text = $"# list header\n\n  {pdq[0].ToUpperInvariant()}  \n{md5}\r\n# comment\n{pdq[1]}\nsha256 {sha}\nvideo_md5 {TestHashes.Many(4, 1, 32)[0]}\n";

        var summary = await ImportOkAsync(text, new ImportOptions { Source = "unit-test", Category = "A1" });

        Assert.Equal((8L, 5L, 5L, 0L), (summary.LinesRead, summary.EntriesRead, summary.Added, summary.AlreadyPresent));
        var entries = await ReadAllAsync();
        Assert.Equal([pdq[0], md5, pdq[1], sha], entries.Take(4).Select(e => e.Value));
        Assert.Equal([SignalType.Pdq, SignalType.Md5, SignalType.Pdq, SignalType.Sha256, SignalType.Md5], entries.Select(e => e.SignalType));
        Assert.All(entries, e => Assert.Equal(("unit-test", "A1"), (e.Source, e.Category)));
    }

    [StoreFact]
    public async Task Plain_hex_with_sha256_option_reads_64_digits_as_sha256_and_demands_that_length()
    {
        var values = TestHashes.Many(5, 3, 64);
        var text = TestHashes.Lines([.. values, TestHashes.Many(6, 1, 32)[0]]);

        var failed = await ImportFailAsync(text, new ImportOptions { SignalType = SignalType.Sha256 });
        var error = Assert.Single(failed.Errors);
        Assert.Equal(4, error.Line);
        Assert.Contains("wrong length for sha256", error.Message);

        await ImportOkAsync(TestHashes.Lines(values), new ImportOptions { SignalType = SignalType.Sha256 });
        Assert.All(await ReadAllAsync(), e => Assert.Equal(SignalType.Sha256, e.SignalType));
    }

    [StoreFact]
    public async Task Plain_hex_refuses_the_whole_file_and_lists_every_bad_line()
    {
        var good = TestHashes.Many(7, 3, 64);
        var lines = new[]
        {
            good[0],                               // 1
            good[1][..63] + "g",                  // 2 malformed
            "abc123",                             // 3 length fits nothing
            Zero64,                               // 4 all-zero
            good[2],                              // 5
            "# fine",                             // 6
            "tmk " + good[0],                     // 7 unknown type
            new string('0', 32),                  // 8 all-zero md5
            "pdq " + good[0] + " extra",          // 9 two values
        };

        var failed = await ImportFailAsync(TestHashes.Lines(lines), new ImportOptions());

        Assert.Equal([2L, 3L, 4L, 7L, 8L, 9L], failed.Errors.Select(e => e.Line));
        Assert.Equal(6, failed.ErrorCount);
        Assert.Equal(9, failed.LinesRead);
        Assert.Contains("malformed pdq", failed.Errors[0].Message);
        Assert.Contains("cannot infer the signal type from 6 characters", failed.Errors[1].Message);
        Assert.Contains("all-zero pdq", failed.Errors[2].Message);
        Assert.Contains("unknown signal type 'tmk'", failed.Errors[3].Message);
        Assert.Contains("all-zero md5", failed.Errors[4].Message);
        Assert.Contains("more than one value", failed.Errors[5].Message);
        Assert.All(failed.Errors, e => Assert.DoesNotContain(good[0], e.Message, StringComparison.Ordinal));
        await AssertNothingWrittenAsync();
    }

    [StoreFact]
    public async Task Error_list_is_bounded_but_the_count_is_exact()
    {
        // Fifty different errors (each length gives its own message): the bound applies to distinct errors.
        var text = TestHashes.Lines(Enumerable.Range(1, 50).Select(length => new string('g', length)));

        var failed = await ImportFailAsync(text, new ImportOptions { MaxReportedErrors = 10 });

        Assert.Equal(10, failed.Errors.Count);
        Assert.Equal(50, failed.ErrorCount);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), failed.Errors.Select(e => e.Line));
    }

    [StoreFact]
    public async Task Repeated_errors_are_listed_a_few_times_then_counted()
    {
        var text = string.Concat(Enumerable.Repeat("nothex\n", 2_000)) + "g\n" + string.Concat(Enumerable.Repeat("nothex\n", 5));

        var failed = await ImportFailAsync(text, new ImportOptions());

        Assert.Equal(2_006, failed.ErrorCount);
        Assert.Equal([1L, 2L, 3L, 2_001L], failed.Errors.Select(e => e.Line));
        Assert.EndsWith("(and 2,002 more lines with the same error)", failed.Errors[2].Message);
        Assert.Equal(failed.Errors[0].Message, failed.Errors[1].Message);
        Assert.DoesNotContain("more lines", failed.Errors[3].Message);
    }

    [StoreFact]
    public async Task Without_a_format_a_headed_csv_is_read_as_haven_csv()
    {
        var pdq = TestHashes.Many(41, 2, 64);
        var csv = $"\uFEFFHash,\"quality\", Category \r\n{pdq[0]},90,A1\r\n\r\n{pdq[1]},80,B2\r\n";

        var summary = await ImportOkAsync(csv, new ImportOptions());

        Assert.Equal((4L, 2L), (summary.LinesRead, summary.Added));
        var entries = await ReadAllAsync();
        Assert.Equal([(pdq[0], (int?)90, "A1"), (pdq[1], 80, "B2")], entries.Select(e => (e.Value, e.Quality, e.Category)));
    }

    [StoreFact]
    public async Task Without_a_format_the_threatexchange_columns_are_read_as_hma()
    {
        var pdq = TestHashes.Many(42, 2, 64);
        var csv = $"collab,signal_type,signal_str,category,tags\n,pdq,{pdq[0]},POSITIVE_CLASS,t1\n,pdq,{pdq[1]},NEGATIVE_CLASS,\n";
        var minimal = $"signal_str,signal_type\n{TestHashes.Many(43, 1, 32)[0]},video_md5\n";

        var summary = await ImportOkAsync(csv, new ImportOptions());
        var second = await ImportOkAsync(minimal, new ImportOptions());

        Assert.Equal((1L, 1L), (summary.Added, summary.Skipped));
        Assert.Equal(1, second.Added);
        Assert.Equal([SignalType.Pdq, SignalType.Md5], (await ReadAllAsync()).Select(e => e.SignalType));
    }

    [StoreFact]
    public async Task Without_a_format_a_hash_list_is_read_as_hex_and_line_numbers_are_kept()
    {
        var pdq = TestHashes.Many(44, 2, 64);

        var commented = await ImportOkAsync($"# hash,quality\n{pdq[0]}\n", new ImportOptions());
        var typed = await ImportOkAsync($"\n\npdq {pdq[1]}\n", new ImportOptions());
        var failed = await ImportFailAsync($"\n{pdq[0]}\nzz\n", new ImportOptions());

        Assert.Equal((2L, 1L), (commented.LinesRead, commented.Added));
        Assert.Equal((3L, 1L), (typed.LinesRead, typed.Added));
        Assert.Equal(3, Assert.Single(failed.Errors).Line);
    }

    [StoreFact]
    public async Task An_explicit_format_overrides_detection()
    {
        var pdq = TestHashes.Many(45, 3, 64);
        var csv = "hash,quality\n" + string.Concat(pdq.Select(p => p + ",100\n"));

        var asHex = await ImportFailAsync(csv, new ImportOptions { Format = ImportFormat.PlainHex });
        var asHma = await ImportFailAsync(csv, new ImportOptions { Format = ImportFormat.HmaCsv });
        var hexAsCsv = await ImportFailAsync(TestHashes.Lines(pdq), new ImportOptions { Format = ImportFormat.Csv });

        Assert.Equal(4, asHex.ErrorCount);
        Assert.All(asHex.Errors, e => Assert.Contains("looks like CSV", e.Message));
        Assert.Contains("--format csv", asHex.Errors[0].Message);
        Assert.Contains("--format hma", asHex.Errors[0].Message);
        Assert.Contains("missing required column 'signal_str'", Assert.Single(asHma.Errors).Message);
        Assert.Contains("bad header", Assert.Single(hexAsCsv.Errors).Message);
        await AssertNothingWrittenAsync();
    }

    [StoreFact]
    public async Task Csv_reads_columns_in_any_order_with_rfc4180_quoting()
    {
        var pdq = TestHashes.Many(8, 2, 64);
        var md5 = TestHashes.Many(9, 1, 32)[0];
        var csv =
            "External_ID, category ,hash,quality\r\n" +                         // 1
            $"\"ext,1\",\"NCMEC A1\",{pdq[0]},100\r\n" +                       // 2
            $"ext-2,\"says \"\"hi\"\"\nover two lines\",{pdq[1]},0\r\n" +   // 3-4
            "\r\n" +                                                            // 5
            $",,{md5},\r\n";                                                    // 6

        // QualityGate = 0: this test is about parsing every column, quality 0 included; the gate has its own test.
        var summary = await ImportOkAsync(csv, new ImportOptions { Format = ImportFormat.Csv, Source = "csv-test", QualityGate = 0 });

        Assert.Equal(3, summary.Added);
        var entries = await ReadAllAsync();
        Assert.Equal(("ext,1", "NCMEC A1", (int?)100, SignalType.Pdq), (entries[0].ExternalId, entries[0].Category, entries[0].Quality, entries[0].SignalType));
        Assert.Equal(("ext-2", "says \"hi\"\nover two lines", (int?)0), (entries[1].ExternalId, entries[1].Category, entries[1].Quality));
        Assert.Equal((md5, SignalType.Md5, (string?)null, (string?)null, (int?)null), (entries[2].Value, entries[2].SignalType, entries[2].ExternalId, entries[2].Category, entries[2].Quality));
        Assert.All(entries, e => Assert.Equal("csv-test", e.Source));
    }

    [StoreFact]
    public async Task Csv_lists_every_bad_row_with_its_line_and_writes_nothing()
    {
        var pdq = TestHashes.Many(10, 6, 64);
        var md5 = TestHashes.Many(11, 1, 32)[0];
        var csv =
            "hash,quality,category,signal_type\n" +     // 1
            $"{pdq[0]},50,A1,\n" +                      // 2 good
            $"{pdq[1]},101,A1,\n" +                     // 3 quality out of range
            $"{md5},10,B1,\n" +                         // 4 quality on md5
            ",10,B1,\n" +                               // 5 empty hash
            $"{pdq[2]},5\n" +                           // 6 too few fields
            $"{pdq[3]},\"multi\nline\",A2,\n" +         // 7-8 quality not a number
            $"{pdq[4]},-1,A1,\n" +                      // 9 negative quality
            $"{pdq[5]},,A1,tlsh\n" +                    // 10 unknown type
            $"{Zero64},,A1,sha256\n" +                  // 11 all-zero
            $"{pdq[0]}x,,A1,\n" +                       // 12 wrong length
            $"{pdq[1]},1,\"open\n";                     // 13-14 unterminated quote

        var failed = await ImportFailAsync(csv, new ImportOptions { Format = ImportFormat.Csv });

        Assert.Equal([3L, 4L, 5L, 6L, 7L, 9L, 10L, 11L, 12L, 13L], failed.Errors.Select(e => e.Line));
        string[] expected =
        [
            "quality 101 is outside 0..100", "quality applies to pdq only", "hash field is empty", "2 fields but the header has 4",
            "is not a whole number", "quality -1 is outside", "unknown signal_type 'tlsh'", "all-zero sha256", "cannot infer the signal type from 65",
            "unterminated quoted field",
        ];
        foreach (var (error, text) in failed.Errors.Zip(expected))
        {
            Assert.Contains(text, error.Message);
        }

        await AssertNothingWrittenAsync();
    }

    [StoreFact]
    public async Task Csv_header_problems_are_one_clear_error()
    {
        var unknown = await ImportFailAsync("hash,qualty,notes\nab\n", new ImportOptions { Format = ImportFormat.Csv });
        var missing = await ImportFailAsync("quality,category\n50,A1\n", new ImportOptions { Format = ImportFormat.Csv });
        var empty = await ImportFailAsync("", new ImportOptions { Format = ImportFormat.Csv });

        var error = Assert.Single(unknown.Errors);
        Assert.Equal(1, error.Line);
        Assert.Contains("unknown column 'qualty'", error.Message);
        Assert.Contains("unknown column 'notes'", error.Message);
        Assert.Contains("allowed columns: hash, signal_type, quality, category, source, external_id", error.Message);
        Assert.Contains("missing required column 'hash'", Assert.Single(missing.Errors).Message);
        Assert.Contains("empty", Assert.Single(empty.Errors).Message);
        await AssertNothingWrittenAsync();
    }

    [StoreFact]
    public async Task Hma_csv_maps_types_tags_and_collab_and_skips_negative_class()
    {
        var pdq = TestHashes.Many(12, 3, 64);
        var md5 = TestHashes.Many(13, 1, 32)[0];
        var csv =
            "collab,signal_type,signal_str,category,tags\r\n" +
            $"Sample Collab,pdq,{pdq[0]},POSITIVE_CLASS,tag_a tag_b\r\n" +
            $"Sample Collab,video_md5,{md5},POSITIVE_CLASS,\r\n" +
            $"\"Other, Inc\",pdq,{pdq[1]},NEGATIVE_CLASS,\r\n" +
            $",pdq,{pdq[2]},INVESTIGATION_SEED,seed\r\n";

        var summary = await ImportOkAsync(csv, new ImportOptions { Format = ImportFormat.HmaCsv, Source = "fallback" });

        Assert.Equal((3L, 1L), (summary.Added, summary.Skipped));
        Assert.Contains("1 skipped", summary.ToString());
        var entries = await ReadAllAsync();
        Assert.Equal([pdq[0], md5, pdq[2]], entries.Select(e => e.Value));
        Assert.Equal((SignalType.Pdq, "Sample Collab", "tag_a tag_b"), (entries[0].SignalType, entries[0].Source, entries[0].Category));
        Assert.Equal((SignalType.Md5, "Sample Collab", (string?)null), (entries[1].SignalType, entries[1].Source, entries[1].Category));
        Assert.Equal(("fallback", "seed"), (entries[2].Source, entries[2].Category));
    }

    [StoreFact]
    public async Task Hma_csv_refuses_unsupported_types_and_bad_values_with_line_numbers()
    {
        var pdq = TestHashes.Many(14, 1, 64)[0];
        var csv =
            "signal_type,signal_str\n" +
            $"pdq,{pdq}\n" +
            "url,https://example.invalid/x\n" +
            $"pdq,{Zero64}\n" +
            "pdq,\n";

        var failed = await ImportFailAsync(csv, new ImportOptions { Format = ImportFormat.HmaCsv });

        Assert.Equal([3L, 4L, 5L], failed.Errors.Select(e => e.Line));
        Assert.Contains("signal type 'url' is not supported", failed.Errors[0].Message);
        Assert.Contains("all-zero pdq", failed.Errors[1].Message);
        Assert.Contains("signal_str field is empty", failed.Errors[2].Message);
        await AssertNothingWrittenAsync();
    }

    [StoreFact]
    public async Task Reimport_counts_already_present_and_does_not_duplicate()
    {
        var first = TestHashes.Many(15, 10, 64);
        var second = first.Take(4).Concat(TestHashes.Many(16, 3, 64)).Append(first[0]).ToList();

        var one = await ImportOkAsync(TestHashes.Lines(first), new ImportOptions());
        var two = await ImportOkAsync(TestHashes.Lines(second), new ImportOptions());

        Assert.Equal((10L, 0L), (one.Added, one.AlreadyPresent));
        Assert.Equal((3L, 5L), (two.Added, two.AlreadyPresent)); // 4 from the bank + 1 repeated within the file
        Assert.Contains("5 already present (not duplicated)", two.ToString());
        Assert.Equal(13, (await Banks.GetAsync("target")).Value.PdqCount);
    }

    [StoreFact]
    public async Task Same_value_as_pdq_and_sha256_are_distinct_entries()
    {
        var value = TestHashes.Many(17, 1, 64);

        await ImportOkAsync(TestHashes.Lines(value), new ImportOptions { SignalType = SignalType.Pdq });
        var sha = await ImportOkAsync(TestHashes.Lines(value), new ImportOptions { SignalType = SignalType.Sha256 });

        Assert.Equal(1, sha.Added);
        var summary = (await Banks.GetAsync("target")).Value;
        Assert.Equal((1L, 1L), (summary.PdqCount, summary.Sha256Count));
    }

    [StoreFact]
    public async Task Export_round_trips_through_import()
    {
        var pdq = TestHashes.Many(18, 3, 64);
        var md5 = TestHashes.Many(19, 1, 32)[0];
        var sha = TestHashes.Many(20, 1, 64)[0];
        var csv =
            "hash,signal_type,quality,category,source,external_id\n" +
            $"{pdq[0]},pdq,77,\"A1, first\",ncmec,x-1\n" +
            $"{pdq[1]},,,\" padded \",,\n" +
            $"{pdq[2]},pdq,0,\"quote \"\" and\nnewline\",src,\n" +
            $"{md5},md5,,B2,,x-4\n" +
            $"{sha},sha256,,,iwf,\n";
        // QualityGate = 0 on both sides: the round trip must carry every field, quality 0 included.
        await ImportOkAsync(csv, new ImportOptions { Format = ImportFormat.Csv, QualityGate = 0 });
        Assert.True((await Banks.CreateAsync("copy")).IsSuccess);

        var exported = new StringWriter();
        var count = await Banks.ExportCsvAsync("target", exported);
        var reimported = await Banks.ImportAsync("copy", new StringReader(exported.ToString()), new ImportOptions { Format = ImportFormat.Csv, QualityGate = 0 });

        Assert.Equal(5, count.Value);
        Assert.True(reimported.IsSuccess, reimported.ToString());
        Assert.Equal(5, reimported.Value.Added);
        var original = await ReadAllAsync("target");
        var copy = await ReadAllAsync("copy");
        Assert.Equal(
            original.Select(e => (e.SignalType, e.Value, e.Quality, e.Category, e.Source, e.ExternalId)),
            copy.Select(e => (e.SignalType, e.Value, e.Quality, e.Category, e.Source, e.ExternalId)));
        Assert.Equal(" padded ".Trim(), original[1].Category); // fields are trimmed on import
    }

    [StoreFact]
    public async Task Import_of_100k_entries_streams_in_batches_and_reports_progress()
    {
        const int count = 100_000;
        var random = new Random(2026);
        var builder = new StringBuilder(count * 70);
        builder.Append("hash,quality\n");
        var values = new HashSet<string>(count);
        while (values.Count < count)
        {
            var value = TestHashes.Hex(random, 64);
            if (values.Add(value))
            {
                builder.Append(value).Append(',').Append(random.Next(0, 101)).Append('\n');
            }
        }

        var progress = new List<ImportProgress>();
        var result = await Banks.ImportAsync(
            "target",
            new StringReader(builder.ToString()),
            new ImportOptions { Format = ImportFormat.Csv, BatchSize = 7_000, QualityGate = 0 }, // random qualities 0..100, all stored
            new SyncProgress(progress));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal((count + 1L, (long)count, (long)count), (result.Value.LinesRead, result.Value.EntriesRead, result.Value.Added));
        Assert.Equal(count, (await Banks.GetAsync("target")).Value.PdqCount);
        Assert.True(progress.Count >= count / 7_000, $"{progress.Count} progress reports");
        Assert.Equal(count, progress[^1].EntriesWritten);
        Assert.Equal(progress.Select(p => p.EntriesWritten).Order(), progress.Select(p => p.EntriesWritten));
        var read = 0;
        await Banks.ReadEnabledEntriesAsync(e => read += values.Contains(e.Value) ? 1 : 0);
        Assert.Equal(count, read);
    }

    [StoreFact]
    public async Task Pdq_hashes_below_the_quality_gate_are_never_banked()
    {
        var pdq = TestHashes.Many(31, 4, 64);
        var csv = $"hash,quality\n{pdq[0]},49\n{pdq[1]},50\n{pdq[2]},\n{pdq[3]},0\n";

        var summary = await ImportOkAsync(csv, new ImportOptions { Format = ImportFormat.Csv });

        Assert.Equal((2L, 2L), (summary.Added, summary.BelowQualityGate));
        Assert.Contains("2 PDQ hashes not banked (quality below the gate)", summary.ToString());
        Assert.Equal([pdq[1], pdq[2]], (await ReadAllAsync()).Select(e => e.Value).Order().ToArray().Intersect([pdq[1], pdq[2]]).Order());
        Assert.DoesNotContain(await ReadAllAsync(), e => e.Value == pdq[0] || e.Value == pdq[3]);

        var kept = await ImportOkAsync(csv, new ImportOptions { Format = ImportFormat.Csv, QualityGate = 0 });
        Assert.Equal(2, kept.Added);
    }

    private async Task<ImportSummary> ImportOkAsync(string text, ImportOptions options)
    {
        var result = await Banks.ImportAsync("target", new StringReader(text), options);
        Assert.True(result.IsSuccess, result.IsSuccess ? string.Empty : string.Join("\n", ((ImportFailed)result.Error).Errors));
        return result.Value;
    }

    private async Task<ImportFailed> ImportFailAsync(string text, ImportOptions options)
    {
        var result = await Banks.ImportAsync("target", new StringReader(text), options);
        Assert.False(result.IsSuccess, "the import was expected to fail");
        return Assert.IsType<ImportFailed>(result.Error);
    }

    private async Task AssertNothingWrittenAsync()
    {
        Assert.Equal(0, (await Banks.GetAsync("target")).Value.TotalCount);
    }

    private async Task<List<BankEntry>> ReadAllAsync(string bank = "target")
    {
        var id = (await Banks.FindAsync(bank))!.Id;
        var list = new List<BankEntry>();
        await foreach (var entry in Banks.ReadEntriesAsync(id))
        {
            list.Add(entry);
        }

        return list;
    }

    // Progress<T> posts to the thread pool; the test wants every report, in order, before the call returns.
    private sealed class SyncProgress(List<ImportProgress> sink) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value) => sink.Add(value);
    }
}

public sealed class SqliteImportTests : ImportTests
{
    internal override StoreProvider Provider => StoreProvider.Sqlite;
}

[PostgresSuite]
public sealed class PostgresImportTests : ImportTests
{
    internal override StoreProvider Provider => StoreProvider.Postgres;
}
