using System.CommandLine;
using System.Diagnostics;
using Haven.Kernels.Hamming;
using Haven.Kernels.Pdq;
using Haven.Media;
using Haven.Simulation;
using SkiaSharp;
using Spectre.Console;

namespace Haven.Cli.Commands;

/// <summary>
/// <c>haven bench media</c>: the media benchmark figures in under a minute, single core, each beside an in-run naive
/// baseline so every figure is also a ratio. The BenchmarkDotNet suite in bench/ measures the same with more rigour.
/// </summary>
internal static partial class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Quick benchmarks with in-run baselines (see bench/ for the BenchmarkDotNet suite).");
        var entries = new Option<int>("--entries") { Description = "PDQ index size for the lookup figures.", DefaultValueFactory = _ => 1_000_000 };
        var seconds = new Option<double>("--seconds") { Description = "Length of one measuring window; each figure repeats windows until two in a row agree within 3 % (at most 12).", DefaultValueFactory = _ => 0.5 };
        var media = new Command("media", "PDQ from pixels, decode + PDQ, index lookups and build, on one core.") { entries, seconds };
        media.SetAction((parse, ct) => CliContext.GuardAsync("bench media", () => Task.FromResult(RunMedia(parse.GetValue(entries), TimeSpan.FromSeconds(parse.GetValue(seconds)), ct))));
        bench.Add(media);

        var events = new Option<int>("--events") { Description = "Text events to ingest.", DefaultValueFactory = _ => 100_000 };
        var ingest = new Command("ingest", "Event ingest throughput into a fresh store (SQLite in a temp folder, or --postgres), batched vs one event per commit.") { events };
        ingest.SetAction((parse, ct) => CliContext.GuardAsync("bench ingest", () => RunIngestAsync(parse, parse.GetValue(events), ct)));
        bench.Add(ingest);
        bench.Add(MemoryCommand());
        bench.Add(MemoryChildCommand());
        return bench;
    }

    private static async Task<int> RunIngestAsync(System.CommandLine.ParseResult parse, int count, CancellationToken ct)
    {
        if (count is < 1_000 or > 10_000_000)
        {
            Console.Error.WriteLine("haven bench ingest: --events must be 1000..10000000");
            return ExitCodes.Usage;
        }

        var options = CliContext.StoreOptions(parse);
        var temp = Path.Combine(Path.GetTempPath(), "haven-bench-ingest-" + Guid.NewGuid().ToString("N"));
        if (options.Provider == "sqlite")
        {
            options = new Storage.StoreOptions { Provider = "sqlite", DataFolder = temp };
        }

        var opened = await Storage.HavenStore.OpenAsync(options, cancellationToken: ct);
        if (!opened.TryGetValue(out var store, out var error))
        {
            Console.Error.WriteLine("haven bench ingest: " + error);
            return ExitCodes.StoreError;
        }

        try
        {
            await using (store)
            {
                var log = new Events.EventLog(store);
                var run = Guid.NewGuid().ToString("N")[..8];
                var lines = Enumerable.Range(0, count).Select(i => TextEvent(run, i)).ToList();
                var batched = System.Diagnostics.Stopwatch.StartNew();
                for (var offset = 0; offset < lines.Count; offset += 5_000)
                {
                    await log.IngestAsync(lines.GetRange(offset, Math.Min(5_000, lines.Count - offset)), offset + 1, ct);
                }

                batched.Stop();
                var naiveCount = Math.Min(2_000, count);
                var naiveLines = Enumerable.Range(count, naiveCount).Select(i => TextEvent(run, i)).ToList();
                var naive = System.Diagnostics.Stopwatch.StartNew();
                foreach (var line in naiveLines)
                {
                    await log.IngestAsync([line], 1, ct);
                }

                naive.Stop();
                var ours = count / batched.Elapsed.TotalSeconds;
                var baseline = naiveCount / naive.Elapsed.TotalSeconds;
                var table = new Table().Title($"haven bench ingest — {(options.Provider == "sqlite" ? "SQLite" : "PostgreSQL")}, {count:N0} text events; {BenchSteady.MachineLine()}; load {BenchSteady.LoadAverage()}")
                    .AddColumn("figure").AddColumn(new TableColumn("Haven").RightAligned()).AddColumn(new TableColumn("baseline").RightAligned())
                    .AddColumn(new TableColumn("speed-up").RightAligned()).AddColumn("baseline is").AddColumn("target");
                table.AddRow("ingest, durable per batch of 5,000", $"{ours:N0} events/s", $"{baseline:N0} events/s", $"{ours / baseline:N1}×", "one event per commit", options.Provider == "sqlite" ? "≥ 50,000/s" : "-");
                AnsiConsole.Write(table);
            }
        }
        finally
        {
            if (Directory.Exists(temp))
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                Directory.Delete(temp, recursive: true);
            }
        }

        return ExitCodes.Ok;
    }

    private static string TextEvent(string run, int i) =>
        $"{{\"id\":\"bench-{run}-{i}\",\"type\":\"post.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"acct-{i % 20_000}\",\"post\":{{\"id\":\"p-{run}-{i}\",\"text\":\"lantern club meets tonight by the harbour, bring a friend\",\"hashtags\":[\"lanternclub\"]}}}}";

    private static int RunMedia(int entryCount, TimeSpan budget, CancellationToken ct)
    {
        if (entryCount is < 1 or > 50_000_000)
        {
            Console.Error.WriteLine("haven bench media: --entries must be 1..50000000");
            return ExitCodes.Usage;
        }

        var table = new Table().Title($"haven bench media — {BenchSteady.MachineLine()}; single-threaded figures")
            .AddColumn("figure").AddColumn(new TableColumn("Haven").RightAligned()).AddColumn(new TableColumn("baseline").RightAligned())
            .AddColumn(new TableColumn("speed-up").RightAligned()).AddColumn("baseline is").AddColumn("target").AddColumn("windows (Haven / baseline)").AddColumn("load");
        var console = CliContext.Stderr;

        // 1. PDQ from a decoded 512×512 RGB buffer, 8 dihedral hashes.
        using var photo = SyntheticImages.Generate(1, 512, 512);
        var rgb = ToRgb24(photo);
        var dihedral = new PdqHash[8];
        console.MarkupLine("[grey]measuring PDQ from pixels …[/]");
        var fast = Measure(() => PdqHasher.HashReference(rgb, 512, 512, 512 * 3, PdqPixelFormat.Rgb24, dihedral), budget, ct);
        var slow = Measure(() => PdqReferenceScalar.HashReference(rgb, 512, 512, 512 * 3, PdqPixelFormat.Rgb24, dihedral), budget, ct);
        table.AddRow("PDQ, 512×512 pixels, 8 dihedral", Ms(fast), Ms(slow), Ratio(slow, fast), "literal scalar port of the spec", "≤ 0.4 ms", Windows(fast, slow), BenchSteady.LoadAverage());

        // 2. Decode + PDQ of JPEGs.
        var hasher = new MediaHasher();
        foreach (var (w, h, target) in new[] { (1024, 1024, "≤ 8 ms"), (4000, 3000, "-") })
        {
            console.MarkupLine($"[grey]measuring decode + PDQ of a {w}×{h} JPEG …[/]");
            using var big = SyntheticImages.Generate(2, w, h);
            var jpeg = SyntheticImages.Encode(big, SKEncodedImageFormat.Jpeg, 90);
            var decoder = new ImageDecoder();
            var ours = Measure(() => MediaHasher.HashPixels(decoder.Decode(jpeg).Image!), budget, ct);
            var naive = Measure(() =>
            {
                using var full = SKBitmap.Decode(jpeg);
                PdqReferenceScalar.HashReference(full.GetPixelSpan(), full.Width, full.Height, full.RowBytes, PdqPixelFormat.Rgba32, dihedral);
            }, budget, ct);
            table.AddRow($"decode + PDQ, {w}×{h} JPEG", Ms(ours), Ms(naive), Ratio(naive, ours), "full decode, then scalar PDQ with resize", target, Windows(ours, naive), BenchSteady.LoadAverage());
            if (w > 1024 && h > 1024)
            {
                var scaledDecoder = new ImageDecoder(scaledJpegDecode: true);
                var scaled = Measure(() => MediaHasher.HashPixels(scaledDecoder.Decode(jpeg).Image!), budget, ct);
                table.AddRow($"  same, --scaled-decode (off by default)", Ms(scaled), Ms(naive), Ratio(naive, scaled), "full decode, then scalar PDQ with resize", "-", Windows(scaled, naive), BenchSteady.LoadAverage());
            }
        }

        // 3. Index: build, bytes per entry, lookups.
        console.MarkupLine($"[grey]building a {entryCount:N0}-entry PDQ index …[/]");
        var random = new Random(20261125);
        var bank = new PdqHash[entryCount];
        for (var i = 0; i < bank.Length; i++)
        {
            bank[i] = new PdqHash((ulong)random.NextInt64() ^ ((ulong)random.Next() << 40), (ulong)random.NextInt64() ^ ((ulong)random.Next() << 41), (ulong)random.NextInt64() ^ ((ulong)random.Next() << 42), (ulong)random.NextInt64() ^ ((ulong)random.Next() << 43));
        }

        var built = Stopwatch.StartNew();
        var index = PdqIndex.Build(bank);
        built.Stop();
        table.AddRow($"index build, {entryCount:N0} entries", $"{built.Elapsed.TotalSeconds:N2} s", "-", "-", "-", "-", "1 (cold)", BenchSteady.LoadAverage());
        table.AddRow("index bytes per entry", $"{(double)index.MemoryBytes / entryCount:N1} B", "32 B hashes alone", "-", "-", "≤ 64 B", "-", "-");

        var queries = new PdqHash[1024];
        for (var i = 0; i < queries.Length; i++)
        {
            // Half near a banked entry (a few bits flipped), half random: both kinds of traffic.
            var q = i % 2 == 0 ? Flip(bank[random.Next(bank.Length)], random, random.Next(32)) : new PdqHash((ulong)random.NextInt64(), (ulong)random.NextInt64(), (ulong)random.NextInt64(), (ulong)random.NextInt64());
            queries[i] = q;
        }

        console.MarkupLine("[grey]measuring lookups …[/]");
        var hits = new List<PdqIndexHit>();
        var next = 0;
        var single = Measure(() => { hits.Clear(); index.Search(queries[next++ & 1023], PdqIndex.DefaultThreshold, hits); }, budget, ct);
        var scan = Measure(() => LinearScan(bank, queries[next++ & 1023], PdqIndex.DefaultThreshold), budget, ct);
        table.AddRow($"lookup, {entryCount:N0} entries, threshold 31", Rate(single), Rate(scan), Ratio(scan, single), "linear scan of every entry", entryCount >= 10_000_000 ? "≥ 5,000/s" : "≥ 20,000/s", Windows(single, scan), BenchSteady.LoadAverage());

        // Eight hashes per query, made before timing: the query itself and seven far-flipped companions.
        var variantSets = new PdqHash[queries.Length][];
        for (var i = 0; i < queries.Length; i++)
        {
            variantSets[i] = [queries[i], .. Enumerable.Range(0, 7).Select(_ => Flip(queries[i], random, 64))];
        }

        var eight = Measure(() => { hits.Clear(); index.SearchDihedral(variantSets[next++ & 1023], PdqIndex.DefaultThreshold, hits); }, budget, ct);
        var eightScan = Measure(() =>
        {
            foreach (var variant in variantSets[next++ & 1023])
            {
                LinearScan(bank, variant, PdqIndex.DefaultThreshold);
            }
        }, budget, ct);
        table.AddRow("lookup, 8 dihedral hashes", Rate(eight), Rate(eightScan), Ratio(eightScan, eight), "8 linear scans", "-", Windows(eight, eightScan), BenchSteady.LoadAverage());

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("[grey]Each figure: the median of ≈ 50 ms batches in its last window, windows repeated until two in a row agree within 3 % (at most 12); load = 1-minute load average after it. The machine is shared, so compare ratios across runs, not absolute times.[/]");
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Median seconds per call over batches sized to about 50 ms, in windows of <paramref name="window"/> repeated until
    /// two in a row agree (<see cref="BenchSteady"/>): a single short window ends before tiered compilation has
    /// produced the optimised code, and reports the warm-up instead of the steady state.
    /// </summary>
    private static SteadyFigure Measure(Action op, TimeSpan window, CancellationToken ct) =>
        BenchSteady.Measure(() => MeasureWindow(op, window, ct));

    private static double MeasureWindow(Action op, TimeSpan budget, CancellationToken ct)
    {
        op();
        var probe = Stopwatch.StartNew();
        var calls = 0;
        while (probe.ElapsedMilliseconds < 20 || calls == 0)
        {
            op();
            calls++;
        }

        var perCall = probe.Elapsed.TotalSeconds / calls;
        var batch = Math.Max(1, (int)(0.05 / perCall));
        var samples = new List<double>();
        var total = Stopwatch.StartNew();
        while (total.Elapsed < budget || samples.Count < 3)
        {
            ct.ThrowIfCancellationRequested();
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < batch; i++)
            {
                op();
            }

            samples.Add(sw.Elapsed.TotalSeconds / batch);
        }

        samples.Sort();
        return samples[samples.Count / 2];
    }

    private static int LinearScan(PdqHash[] bank, PdqHash query, int threshold)
    {
        var found = 0;
        foreach (var entry in bank)
        {
            if (PdqHash.Distance(entry, query) <= threshold)
            {
                found++;
            }
        }

        return found;
    }

    private static PdqHash Flip(PdqHash hash, Random random, int bits)
    {
        Span<ulong> w = [hash.W0, hash.W1, hash.W2, hash.W3];
        for (var i = 0; i < bits; i++)
        {
            var k = random.Next(256);
            w[k >> 6] ^= 1UL << (k & 63);
        }

        return new PdqHash(w[0], w[1], w[2], w[3]);
    }

    private static byte[] ToRgb24(SKBitmap bitmap)
    {
        var rgba = bitmap.GetPixelSpan();
        var rgb = new byte[bitmap.Width * bitmap.Height * 3];
        for (int i = 0, j = 0; i < rgb.Length; i += 3, j += 4)
        {
            rgb[i] = rgba[j];
            rgb[i + 1] = rgba[j + 1];
            rgb[i + 2] = rgba[j + 2];
        }

        return rgb;
    }

    private static string Ms(SteadyFigure seconds) => $"{seconds.Value * 1000:N3} ms";

    private static string Rate(SteadyFigure seconds) => $"{1 / seconds.Value:N0} /s";

    private static string Ratio(SteadyFigure baseline, SteadyFigure ours) => $"{baseline.Value / ours.Value:N1}×";

    private static string Windows(SteadyFigure ours, SteadyFigure baseline) => $"{BenchSteady.Describe(ours)} / {BenchSteady.Describe(baseline)}";
}
