using System.CommandLine;
using System.Text.Json;
using Haven.Banks;
using Haven.Kernels.Hamming;
using Haven.Matching;
using Haven.Media;
using Haven.Server.Endpoints;

namespace Haven.Cli.Commands;

/// <summary><c>haven lookup</c> and <c>haven match</c>: query the enabled banks.</summary>
internal static class MatchCommands
{
    private static Option<string?> BankOption() => new("--bank") { Description = "Only hits in this bank." };

    private static Option<int> ThresholdOption() => new("--threshold") { Description = "PDQ Hamming distance threshold, 0..63.", DefaultValueFactory = _ => PdqIndex.DefaultThreshold };

    private static Option<bool> JsonOption() => new("--json") { Description = "One JSON object per query (line)." };

    public static Command Lookup()
    {
        var hashes = new Argument<string[]>("HASH") { Description = "Hashes: 64 hex (PDQ, and SHA-256 exactly), 32 hex (MD5), or prefixed pdq:/md5:/sha256:. None: read one per line from standard input.", Arity = ArgumentArity.ZeroOrMore };
        var (bank, threshold, json) = (BankOption(), ThresholdOption(), JsonOption());
        var command = new Command("lookup", "Look hashes up in every enabled bank; prints every hit: query, bank, entry, signal, category, distance, variant. Exit 0 with hits, 1 without.")
        {
            hashes, bank, threshold, json,
        };
        command.SetAction((parse, ct) => CliContext.GuardAsync("lookup", async () =>
        {
            var options = new MatchOptions(parse.GetValue(threshold), false, parse.GetValue(bank));
            if (options.Validate() is { } invalid)
            {
                Console.Error.WriteLine("haven lookup: " + invalid);
                return ExitCodes.Usage;
            }

            var index = await LoadIndexAsync(parse, ct);
            if (index is null)
            {
                return ExitCodes.StoreError;
            }

            var given = parse.GetValue(hashes) ?? [];
            var inputs = given.Length > 0 ? given : ReadLines(Console.In);
            var (anyHit, anyError) = (false, false);
            var lineNumber = 0;
            foreach (var text in inputs)
            {
                lineNumber++;
                if (string.IsNullOrWhiteSpace(text))
                {
                    continue;
                }

                if (!HashQuery.TryParse(text, out var query, out var error))
                {
                    Console.Error.WriteLine(given.Length > 0 ? $"haven lookup: '{text.Trim()}': {error}" : $"haven lookup: line {lineNumber}: {error}");
                    anyError = true;
                    continue;
                }

                var hits = query.Lookup(index, options);
                anyHit |= hits.Count > 0;
                Print(query.Text, hits, parse.GetValue(json));
            }

            return anyError ? ExitCodes.InputError : anyHit ? ExitCodes.Ok : ExitCodes.NoMatch;
        }));
        return command;
    }

    public static Command Match()
    {
        var paths = new Argument<string[]>("PATH") { Description = "Image files or folders.", Arity = ArgumentArity.OneOrMore };
        var (bank, threshold, json) = (BankOption(), ThresholdOption(), JsonOption());
        var dihedral = new Option<bool>("--dihedral") { Description = "Also query the 7 rotated and flipped PDQ hashes (catches 90° rotations and mirrors)." };
        var scaled = MediaFiles.ScaledDecodeOption();
        var command = new Command("match", "Hash images and match them against every enabled bank (MD5, SHA-256 exactly; PDQ within the threshold, quality ≥ 50). Exit 0 with hits, 1 without.")
        {
            paths, bank, threshold, dihedral, json, scaled,
        };
        command.SetAction((parse, ct) => CliContext.GuardAsync("match", async () =>
        {
            var options = new MatchOptions(parse.GetValue(threshold), parse.GetValue(dihedral), parse.GetValue(bank));
            if (options.Validate() is { } invalid)
            {
                Console.Error.WriteLine("haven match: " + invalid);
                return ExitCodes.Usage;
            }

            var index = await LoadIndexAsync(parse, ct);
            if (index is null)
            {
                return ExitCodes.StoreError;
            }

            var files = MediaFiles.Expand(parse.GetValue(paths)!, out var missing);
            foreach (var path in missing)
            {
                Console.Error.WriteLine($"haven match: {path}: no such file or folder");
            }

            var (anyHit, errors) = (false, missing.Count);
            foreach (var (path, signals) in MediaFiles.HashAll(files, new MediaHasher(new ImageDecoder(scaledJpegDecode: parse.GetValue(scaled)))))
            {
                var match = MediaMatcher.Match(index, signals, options);
                if (signals.DecodeError is { } error)
                {
                    Console.Error.WriteLine($"haven match: {path}: {error.Message}" + (match.Hits.Count > 0 ? " (exact hash matched below)" : string.Empty));
                    errors++;
                }
                else if (!match.PdqChecked)
                {
                    Console.Error.WriteLine($"haven match: {path}: PDQ quality {signals.Quality} is below the gate of {options.QualityGate}; matched by MD5/SHA-256 only");
                }

                anyHit |= match.Hits.Count > 0;
                Print(path, match.Hits, parse.GetValue(json));
            }

            Console.Error.WriteLine($"{files.Count} images, index version {index.Version} ({index.PdqCount:N0} PDQ, {index.ExactCount:N0} exact entries)");
            return errors > 0 ? ExitCodes.InputError : anyHit ? ExitCodes.Ok : ExitCodes.NoMatch;
        }));
        return command;
    }

    private static void Print(string query, IReadOnlyList<MatchHit> hits, bool json)
    {
        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(new { query, hits = hits.Select(HitDto.From) }, CliJson.Options));
            return;
        }

        foreach (var hit in hits)
        {
            Console.Out.WriteLine($"{query}\t{hit.Bank}\t{hit.EntryId}\t{hit.SignalType.Name()}\t{hit.Category ?? "-"}\t{hit.Distance}\t{hit.Variant}");
        }
    }

    private static async Task<MatchIndex?> LoadIndexAsync(ParseResult parse, CancellationToken ct)
    {
        await using var store = await CliContext.OpenStoreAsync(parse, ct);
        if (store is null)
        {
            return null;
        }

        var (index, _) = await MatchIndexLoader.LoadAsync(new BankService(store), cancellationToken: ct);
        return index;
    }

    private static IEnumerable<string> ReadLines(TextReader reader)
    {
        while (reader.ReadLine() is { } line)
        {
            yield return line;
        }
    }
}
