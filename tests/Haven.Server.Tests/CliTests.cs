using System.Diagnostics;
using Haven.Media;
using Haven.Simulation;
using Haven.Testing;
using SkiaSharp;

namespace Haven.Server.Tests;

/// <summary>The real <c>haven</c> program as a process: output formats and documented exit codes.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "haven-cli-tests-" + Guid.NewGuid().ToString("N"));

    public CliTests() => Directory.CreateDirectory(_folder);

    [Fact]
    public async Task HashPrintsTheReferenceFormatsForTheVectors()
    {
        var expected = File.ReadAllLines(Path.Combine(TestPaths.PdqVectors, "expected.txt")).Take(6).ToArray();
        var paths = expected.Select(l => l.Split(',', 3)[2]).ToArray();
        var result = await Run(TestPaths.PdqVectors, ["hash", .. paths]);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(expected, result.StdoutLines);

        var dihedral = File.ReadAllLines(Path.Combine(TestPaths.PdqVectors, "expected-dihedral.txt")).First(l => l.EndsWith(",misc-images/wee.jpg", StringComparison.Ordinal));
        var d = await Run(TestPaths.PdqVectors, ["hash", "--dihedral", "misc-images/wee.jpg"]);
        Assert.Equal([dihedral], d.StdoutLines);
    }

    [Fact]
    public async Task HashReportsUnreadableInputAndKeepsGoing()
    {
        var bad = Path.Combine(_folder, "not-an-image.jpg");
        await File.WriteAllTextAsync(bad, "plain text");
        var good = Path.Combine(_folder, "good.png");
        await File.WriteAllBytesAsync(good, Png(1));
        var result = await Run(_folder, ["hash", bad, good, "missing.png"]);
        Assert.Equal(3, result.ExitCode);
        Assert.Single(result.StdoutLines);
        Assert.EndsWith(",good.png", result.StdoutLines[0].Replace(_folder + "/", string.Empty, StringComparison.Ordinal));
        Assert.Contains("not an image", result.Stderr);
        Assert.Contains("missing.png: no such file", result.Stderr);
    }

    [Fact]
    public async Task BankImportLookupAndMatchWithExitCodes()
    {
        var data = Path.Combine(_folder, "data");
        var image = Path.Combine(_folder, "known.png");
        await File.WriteAllBytesAsync(image, Png(42));
        var signals = new MediaHasher().Hash(await File.ReadAllBytesAsync(image));

        Assert.Equal(0, (await Run(_folder, ["bank", "create", "cli-known", "--data", data])).ExitCode);
        Assert.Equal(2, (await Run(_folder, ["bank", "create", "cli-known", "--data", data])).ExitCode);

        var list = Path.Combine(_folder, "list.txt");
        await File.WriteAllTextAsync(list, $"# a comment\n{signals.Pdq}\nzz\n{new string('0', 64)}\n");
        var refused = await Run(_folder, ["bank", "import", "cli-known", list, "--data", data]);
        Assert.Equal(4, refused.ExitCode);
        Assert.Contains("line 3:", refused.Stderr);
        Assert.Contains("line 4:", refused.Stderr);

        await File.WriteAllTextAsync(list, $"hash,quality,category,external_id\n{signals.Pdq},{signals.Quality},B1,x-1\n");
        var imported = await Run(_folder, ["bank", "import", "cli-known", list, "--format", "csv", "--data", data]);
        Assert.Equal(0, imported.ExitCode);
        Assert.Contains("1 added", imported.Stdout);

        var match = await Run(_folder, ["match", image, "--data", data]);
        Assert.Equal(0, match.ExitCode);
        var fields = Assert.Single(match.StdoutLines).Split('\t');
        Assert.Equal(["cli-known", "pdq", "B1", "0", "orig"], [fields[1], fields[3], fields[4], fields[5], fields[6]]);

        var other = Path.Combine(_folder, "other.png");
        await File.WriteAllBytesAsync(other, Png(43));
        Assert.Equal(1, (await Run(_folder, ["match", other, "--data", data])).ExitCode);

        var lookup = await Run(_folder, ["lookup", signals.Pdq.ToString()!, "--data", data]);
        Assert.Equal(0, lookup.ExitCode);
        Assert.Equal(1, (await Run(_folder, ["lookup", new string('1', 64), "--data", data])).ExitCode);
        Assert.Equal(3, (await Run(_folder, ["lookup", "nothex", "--data", data])).ExitCode);
        Assert.Equal(2, (await Run(_folder, ["lookup", "--threshold", "64", new string('1', 64), "--data", data])).ExitCode);
        Assert.Equal(5, (await Run(_folder, ["bank", "disable", "no-such-bank", "--data", data])).ExitCode);
        Assert.Equal(2, (await Run(_folder, ["no-such-command"])).ExitCode);
    }

    [Fact]
    public async Task BankImportDetectsCsvAndListsARepeatedErrorOnlyAFewTimes()
    {
        var data = Path.Combine(_folder, "data");
        Assert.Equal(0, (await Run(_folder, ["bank", "create", "cli-detect", "--data", data])).ExitCode);
        var random = new Random(77);
        var rows = Enumerable.Range(0, 2_000).Select(_ => Convert.ToHexStringLower(RandomBytes(random, 32)) + ",100");
        var list = Path.Combine(_folder, "list.csv");
        await File.WriteAllLinesAsync(list, ["hash,quality", .. rows]);

        var forced = await Run(_folder, ["bank", "import", "cli-detect", list, "--format", "hex", "--data", data]);
        Assert.Equal(4, forced.ExitCode);
        Assert.Contains("2001 bad line(s)", forced.Stderr);
        Assert.Contains("line 3: ", forced.Stderr);
        Assert.Contains("(and 1,998 more lines with the same error)", forced.Stderr);
        Assert.Contains("--format csv", forced.Stderr);
        Assert.True(forced.Stderr.Split('\n').Length < 10, forced.Stderr);

        var detected = await Run(_folder, ["bank", "import", "cli-detect", list, "--data", data]);
        Assert.True(detected.ExitCode == 0, detected.Stderr);
        Assert.Contains("2000 added", detected.Stdout);
    }

    [Fact]
    public async Task DemoRunsEndToEndAndPrintsItsTables()
    {
        var data = Path.Combine(_folder, "data");
        var result = await Run(_folder, ["demo", "--accounts", "3000", "--network", "150", "--known", "4", "--unrelated", "4", "--data", data]);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("every algorithm against the truth", result.Stdout);
        Assert.Contains(result.StdoutLines, l => l.Contains("evidence-ppr", StringComparison.Ordinal) && l.Contains("1 creator", StringComparison.Ordinal));
        Assert.Contains("From one seed, evidence-weighted PageRank found", result.Stdout);
        Assert.Contains("Re-uploads of known images: identical 100 %", result.Stdout);
        Assert.Contains("demo: ingesting events", result.Stderr);
        var report = Path.Combine(data, "demo", "report.html");
        Assert.Contains(report, result.Stdout);
        Assert.Contains("<svg", await File.ReadAllTextAsync(report));

        // The demo's store is a real store the other commands open.
        var list = await Run(_folder, ["bank", "list", "--json", "--data", Path.Combine(data, "demo")]);
        Assert.Contains("\"name\":\"simulated-known\"", list.Stdout);
        Assert.Contains("\"name\":\"demo-known\"", list.Stdout);
        var decisions = await Run(_folder, ["decisions", "--last", "5", "--data", Path.Combine(data, "demo")]);
        Assert.Equal(0, decisions.ExitCode);

        // It ends with cases for people in both queues, from the signals stage and from discovery, reported by queue.
        Assert.Contains("Cases opened for people", result.Stdout);
        Assert.Contains("Cases opened for people", await File.ReadAllTextAsync(report));
        await using (var store = (await Haven.Storage.HavenStore.OpenAsync(new Haven.Storage.StoreOptions { Provider = "sqlite", DataFolder = Path.Combine(data, "demo") })).Value)
        {
            var cases = new Haven.Cases.CaseService(store, Haven.Cases.CaseSettings.Default);
            foreach (var queue in new[] { Haven.Cases.CaseQueues.Specialist, Haven.Cases.CaseQueues.Review })
            {
                var open = (await cases.ListAsync(new Haven.Cases.CaseQuery { Queue = queue, Limit = 500 })).Value.Cases;
                Assert.True(open.Count > 0, "no open case in the " + queue + " queue");
            }

            var discovered = (await cases.ListAsync(new Haven.Cases.CaseQuery { SubjectKind = "account", Limit = 500 })).Value.Cases;
            Assert.Contains(discovered, c => c.NetworkId is not null);
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Assert.Equal(2, (await Run(_folder, ["demo", "--known", "-1", "--data", data])).ExitCode);
    }

    [Fact]
    public async Task HashtagSuggestRefusesThresholdsThatMeanNothing()
    {
        var data = Path.Combine(_folder, "data");
        foreach (var bad in new[] { new[] { "--min-rise", "2" }, ["--min-posts", "0"], ["--min-flagged", "-1"], ["--window", "7x"] })
        {
            var result = await Run(_folder, ["hashtags", "suggest", .. bad, "--data", data]);
            Assert.Equal(2, result.ExitCode);
            Assert.Contains("haven hashtags suggest:", result.Stderr);
        }

        Assert.Equal(1, (await Run(_folder, ["hashtags", "suggest", "--data", data])).ExitCode);
    }

    [Fact]
    public async Task AuditVerifyFindsAnEditedEntryInTheDatabaseFile()
    {
        var data = Path.Combine(_folder, "data");
        Assert.Equal(0, (await Run(_folder, ["bank", "create", "audit-a", "--data", data])).ExitCode);
        Assert.Equal(0, (await Run(_folder, ["bank", "create", "audit-b", "--data", data])).ExitCode);
        Assert.Equal(0, (await Run(_folder, ["bank", "disable", "audit-a", "--data", data])).ExitCode);
        var intact = await Run(_folder, ["audit", "verify", "--data", data]);
        Assert.Equal(0, intact.ExitCode);
        Assert.StartsWith("intact: 3 entries, head ", intact.Stdout);
        var head = intact.Stdout.Trim().Split(' ')[^1];
        Assert.Equal(0, (await Run(_folder, ["audit", "verify", "--expect-head", head, "--data", data])).ExitCode);
        var listed = await Run(_folder, ["audit", "list", "--json", "--data", data]);
        Assert.Equal(3, listed.StdoutLines.Length);
        Assert.Contains("\"actor\":\"cli:", listed.Stdout);

        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(data, "haven.db")};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE audit_log SET subject = 'bank:someone-else' WHERE seq = 2";
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        var broken = await Run(_folder, ["audit", "verify", "--data", data]);
        Assert.Equal(7, broken.ExitCode);
        Assert.StartsWith("BROKEN at entry 2:", broken.Stdout);
    }

    [Fact]
    public async Task LexiconImportAndTestShowHitsWithOriginalSpans()
    {
        var data = Path.Combine(_folder, "data");
        var file = Path.Combine(_folder, "placeholders.csv");
        await File.WriteAllTextAsync(file, "pattern,category,source\nbluefinch,cse_term,placeholder\n#lanternclub,trade_request,placeholder\n");
        Assert.Equal(0, (await Run(_folder, ["lexicon", "create", "placeholders", "--data", data])).ExitCode);
        var imported = await Run(_folder, ["lexicon", "import", "placeholders", file, "--data", data]);
        Assert.Equal(0, imported.ExitCode);
        Assert.Contains("2 added", imported.Stdout);

        var test = await Run(_folder, ["lexicon", "test", "see the B.L.U.E.F.I.N.C.H here #Lantern_Club", "--data", data]);
        Assert.Equal(0, test.ExitCode);
        Assert.Contains(test.StdoutLines, l => l.StartsWith("cse_term\tplaceholders\t", StringComparison.Ordinal) && l.EndsWith("\tB.L.U.E.F.I.N.C.H", StringComparison.Ordinal));
        Assert.Contains(test.StdoutLines, l => l.StartsWith("trade_request\t", StringComparison.Ordinal) && l.EndsWith("\t#Lantern_Club", StringComparison.Ordinal));
        Assert.Equal(1, (await Run(_folder, ["lexicon", "test", "a quiet harbour at dawn", "--data", data])).ExitCode);

        await File.WriteAllTextAsync(file, "pattern,category\nok,cse_term\n,cse_term\nbad,Not A Category\n");
        var refused = await Run(_folder, ["lexicon", "import", "placeholders", file, "--data", data]);
        Assert.Equal(4, refused.ExitCode);
        Assert.Contains("line 3: pattern is empty", refused.Stderr);
        Assert.Contains("line 4: category", refused.Stderr);
    }

    [Fact]
    public async Task PolicyValidateAndTestUseTheShippedDefaultAndRefuseTextOnlyBans()
    {
        var policies = Path.Combine(TestPaths.RepoRoot, "policies");
        var valid = await Run(_folder, ["policy", "validate", Path.Combine(policies, "default.policy.json")]);
        Assert.True(valid.ExitCode == 0, valid.Stderr + valid.Stdout);
        var test = await Run(_folder, ["policy", "test", Path.Combine(policies, "default.policy.json"), "--signals", Path.Combine(policies, "examples", "signals.example.json"), "--json"]);
        Assert.Equal(0, test.ExitCode);
        Assert.Contains("suspend_account", test.Stdout);

        var unsafePolicy = Path.Combine(_folder, "unsafe.policy.json");
        await File.WriteAllTextAsync(unsafePolicy, """
            {"version": "t1", "mode": "enforce", "rules": [
              {"id": "ban-on-words", "description": "text alone", "when": {"text": {"categories": ["trade_request"]}}, "actions": ["suspend_account"]}
            ]}
            """);
        var refused = await Run(_folder, ["policy", "validate", unsafePolicy]);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("ban-on-words", refused.Stdout + refused.Stderr);
    }

    [Fact]
    public async Task ApiKeyIsPrintedOnceAndNeverListed()
    {
        var data = Path.Combine(_folder, "data");
        var created = await Run(_folder, ["apikey", "create", "platform-1", "--data", data]);
        Assert.Equal(0, created.ExitCode);
        var key = Assert.Single(created.StdoutLines);
        Assert.StartsWith("hvn_", key);
        var listed = await Run(_folder, ["apikey", "list", "--data", data]);
        Assert.Contains("platform-1", listed.Stdout);
        Assert.DoesNotContain(key, listed.Stdout);
    }

    [Fact]
    public async Task SimulateWritesTheFourFilesTheSameForTheSameSeedAndRefusesBadOptions()
    {
        var first = await Run(_folder, ["simulate", "--out", "a", "--accounts", "1000", "--network", "20", "--images", "1"]);
        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.Contains("events: follow.created", first.Stdout);
        Assert.Contains("offenders: creators", first.Stdout);
        Assert.Contains("simulate: day 30/30", first.Stderr);
        Assert.Equal(0, (await Run(_folder, ["simulate", "--out", "b", "--accounts", "1000", "--network", "20", "--images", "1"])).ExitCode);
        foreach (var file in new[] { "events.ndjson", "bank.csv", "lexicon.csv", "truth.json" })
        {
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(_folder, "a", file)), await File.ReadAllBytesAsync(Path.Combine(_folder, "b", file)));
        }

        var bad = await Run(_folder, ["simulate", "--out", "c", "--accounts", "10"]);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--accounts", bad.Stderr);
        Assert.Equal(2, (await Run(_folder, ["simulate", "--accounts", "1000"])).ExitCode);
        await File.WriteAllTextAsync(Path.Combine(_folder, "a-file"), "x");
        var unwritable = await Run(_folder, ["simulate", "--out", "a-file/sub", "--accounts", "1000", "--network", "20"]);
        Assert.Equal(3, unwritable.ExitCode);
        Assert.Contains("cannot write", unwritable.Stderr);
    }

    [Fact]
    public async Task IngestKeepsTheGoodLinesAroundBadTextAndEventsShowTellsWhatBecameOfMedia()
    {
        var data = Path.Combine(_folder, "ingest-data");
        var file = Path.Combine(_folder, "events.ndjson");
        string Event(string id, string body) => $"{{\"id\":\"{id}\",\"type\":\"post.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"cli-a\",\"post\":{{\"id\":\"{id}-p\"{body}}}}}";
        byte[] content =
        [
            .. System.Text.Encoding.UTF8.GetBytes(Event("ok-1", ",\"text\":\"fine\"") + "\n"),
            .. System.Text.Encoding.UTF8.GetBytes(Event("bad-1", ",\"text\":\"\\ud800\"") + "\n"),
            .. System.Text.Encoding.UTF8.GetBytes(Event("bad-2", ",\"text\":\"")), 0xC3, 0x28, .. "\"}}\n"u8,
            .. System.Text.Encoding.UTF8.GetBytes(Event("ok-2", ",\"media\":[{\"id\":\"m0\",\"hashes\":{\"pdq\":\"" + new string('f', 64) + "\"}},{\"id\":\"m1\",\"bytes\":\"aGVsbG8=\"}]") + "\n"),
        ];
        await File.WriteAllBytesAsync(file, content);

        var ingest = await Run(_folder, ["ingest", file, "--data", data]);
        Assert.Equal(3, ingest.ExitCode);
        Assert.Contains("2 accepted", ingest.Stdout);
        Assert.Contains("line 2: error: invalid_text:", ingest.Stderr);
        Assert.Contains("line 3: error: invalid_utf8:", ingest.Stderr);

        Assert.Equal(0, (await Run(_folder, ["process", "--data", data])).ExitCode);
        var show = await Run(_folder, ["events", "show", "ok-2", "--json", "--data", data]);
        Assert.Equal(0, show.ExitCode);
        using var record = System.Text.Json.JsonDocument.Parse(show.Stdout);
        Assert.True(record.RootElement.GetProperty("processed").GetBoolean());
        var media = record.RootElement.GetProperty("media").EnumerateArray().ToArray();
        Assert.Equal(2, media.Length);
        Assert.False(media[0].TryGetProperty("error", out _));
        Assert.False(media[0].TryGetProperty("quality", out _));
        Assert.True(media[0].GetProperty("pdqComputed").GetBoolean());
        Assert.Equal("not_an_image", media[1].GetProperty("error").GetString());
        Assert.Equal(5, (await Run(_folder, ["events", "show", "bad-1", "--data", data])).ExitCode);

        var status = await Run(_folder, ["status", "--data", data]);
        Assert.Contains("media error: not_an_image", status.Stdout);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Png(int seed)
    {
        using var bitmap = SyntheticImages.Generate(seed, 400, 300);
        return SyntheticImages.Encode(bitmap, SKEncodedImageFormat.Png);
    }

    internal sealed record Outcome(int ExitCode, string Stdout, string Stderr)
    {
        public string[] StdoutLines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    internal static async Task<Outcome> Run(string workingDirectory, string[] args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "Haven.Cli.dll");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        start.ArgumentList.Add(cli);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment.Remove("HAVEN_POSTGRES");
        start.Environment["HAVEN_DATA"] = Path.Combine(workingDirectory, "haven-data-default");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new Outcome(process.ExitCode, await stdout, await stderr);
    }
}
