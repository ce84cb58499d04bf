using System.CommandLine;
using System.Text;
using System.Text.Json;
using Haven.Kernels.Text;
using Haven.Text;
using Spectre.Console;

namespace Haven.Cli.Commands;

/// <summary><c>haven lexicon create|import|install-default|list|delete|test</c>.</summary>
internal static class LexiconCommands
{
    public static Command Create()
    {
        var lexicon = new Command("lexicon", "Manage lexicons of terms, hashtags and phrases (docs/lexicon.md) and test text against them.");
        var name = new Argument<string>("NAME") { Description = "Lexicon name: 1–64 of a-z 0-9 . _ -, starting with a letter or digit" };

        var description = new Option<string?>("--description") { Description = "Free text for operators." };
        var create = new Command("create", "Create an empty lexicon.") { name, description };
        create.SetAction((parse, ct) => CliContext.GuardAsync("lexicon create", () => WithLexiconsAsync(parse, ct, async lexicons =>
        {
            var result = await lexicons.CreateAsync(parse.GetValue(name)!, parse.GetValue(description), ct);
            if (!result.TryGetValue(out var created, out var error))
            {
                return Fail("lexicon create", error!);
            }

            Console.Out.WriteLine($"created lexicon '{created.Name}' (id {created.Id})");
            return ExitCodes.Ok;
        })));
        lexicon.Add(create);

        var file = new Argument<string>("FILE") { Description = "Lexicon CSV: header pattern,category[,weight,mode,source]; '-' reads standard input." };
        var import = new Command("import", "Import entries, all or nothing: any bad line refuses the file and every error is listed with its line number.") { name, file };
        import.SetAction((parse, ct) => CliContext.GuardAsync("lexicon import", () => WithLexiconsAsync(parse, ct, async lexicons =>
        {
            var path = parse.GetValue(file)!;
            if (path != "-" && !File.Exists(path))
            {
                Console.Error.WriteLine($"haven lexicon import: {path}: no such file.");
                return ExitCodes.InputError;
            }

            using var reader = path == "-" ? new StreamReader(Console.OpenStandardInput(), Encoding.UTF8) : new StreamReader(path, Encoding.UTF8);
            var result = await lexicons.ImportAsync(parse.GetValue(name)!, reader, ct);
            if (!result.TryGetValue(out var summary, out var error))
            {
                return Fail("lexicon import", error!);
            }

            Console.Out.WriteLine($"{summary.Entries} entries read: {summary.Added} added, {summary.AlreadyPresent} already present (not duplicated).");
            return ExitCodes.Ok;
        })));
        lexicon.Add(import);

        var defaultName = new Option<string>("--name") { Description = "Install under this lexicon name.", DefaultValueFactory = _ => DefaultLexicon.Name };
        var installDefault = new Command("install-default", "Install the default lexicon that ships with Haven (publicly documented terms, each with its source; docs/lexicon.md). Creates the lexicon if missing; running it again adds only new entries.") { defaultName };
        installDefault.SetAction((parse, ct) => CliContext.GuardAsync("lexicon install-default", () => WithLexiconsAsync(parse, ct, async lexicons =>
        {
            var result = await lexicons.InstallDefaultAsync(parse.GetValue(defaultName)!, ct);
            if (!result.TryGetValue(out var summary, out var error))
            {
                return Fail("lexicon install-default", error!);
            }

            Console.Out.WriteLine($"default lexicon '{parse.GetValue(defaultName)}': {summary.Entries} entries, {summary.Added} added, {summary.AlreadyPresent} already present.");
            return ExitCodes.Ok;
        })));
        lexicon.Add(installDefault);

        var json = new Option<bool>("--json") { Description = "JSON instead of a table." };
        var list = new Command("list", "List lexicons with entry counts per category.") { json };
        list.SetAction((parse, ct) => CliContext.GuardAsync("lexicon list", () => WithLexiconsAsync(parse, ct, async lexicons =>
        {
            var all = await lexicons.ListAsync(ct);
            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(all, CliJson.Options));
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("lexicon", "enabled", "entries", "by category", "description");
            foreach (var l in all)
            {
                table.AddRow(Markup.Escape(l.Name), l.Enabled ? "yes" : "no", $"{l.TotalCount:N0}", Markup.Escape(string.Join(", ", l.CountsByCategory.OrderBy(c => c.Key).Select(c => $"{c.Key} {c.Value:N0}"))), Markup.Escape(l.Description));
            }

            AnsiConsole.Write(table);
            return ExitCodes.Ok;
        })));
        lexicon.Add(list);

        var delete = new Command("delete", "Delete a lexicon and its entries.") { name };
        delete.SetAction((parse, ct) => CliContext.GuardAsync("lexicon delete", () => WithLexiconsAsync(parse, ct, async lexicons =>
        {
            var result = await lexicons.DeleteAsync(parse.GetValue(name)!, ct);
            if (!result.TryGetValue(out var removed, out var error))
            {
                return Fail("lexicon delete", error!);
            }

            Console.Out.WriteLine($"deleted lexicon '{parse.GetValue(name)}' and {removed:N0} entries");
            return ExitCodes.Ok;
        })));
        lexicon.Add(delete);

        var only = new Option<string?>("--lexicon") { Description = "Only this lexicon (default: every enabled one)." };
        var texts = new Argument<string[]>("TEXT") { Description = "Texts to scan; none: one per line from standard input.", Arity = ArgumentArity.ZeroOrMore };
        var test = new Command("test", "Scan text and show every hit: category, entry, pattern, and the span of the original text it matched. Exit 0 with hits, 1 without.") { texts, only, json };
        test.SetAction((parse, ct) => CliContext.GuardAsync("lexicon test", () => WithLexiconsAsync(parse, ct, async lexicons =>
        {
            var loaded = await lexicons.LoadAsync(parse.GetValue(only), ct);
            if (!loaded.TryGetValue(out var snapshot, out var error))
            {
                return Fail("lexicon test", error!);
            }

            var given = parse.GetValue(texts) ?? [];
            var inputs = given.Length > 0 ? given : ReadLines(Console.In);
            var any = false;
            var hits = new List<LexiconHit>();
            foreach (var text in inputs)
            {
                hits.Clear();
                snapshot.Matcher.Scan(text, hits);
                any |= hits.Count > 0;
                foreach (var hit in hits)
                {
                    var (lexiconName, pattern, _) = snapshot.Entries[hit.EntryId];
                    var matched = text.Substring(hit.Start, hit.Length);
                    Console.Out.WriteLine(parse.GetValue(json)
                        ? JsonSerializer.Serialize(new { lexicon = lexiconName, entry = hit.EntryId, category = hit.Category, pattern, weight = hit.Weight, start = hit.Start, length = hit.Length, matched }, CliJson.Options)
                        : $"{hit.Category}\t{lexiconName}\t{hit.EntryId}\t{pattern}\t{hit.Start}..{hit.End}\t{matched}");
                }
            }

            return any ? ExitCodes.Ok : ExitCodes.NoMatch;
        })));
        lexicon.Add(test);
        return lexicon;
    }

    private static IEnumerable<string> ReadLines(TextReader reader)
    {
        while (reader.ReadLine() is { } line)
        {
            yield return line;
        }
    }

    private static async Task<int> WithLexiconsAsync(ParseResult parse, CancellationToken ct, Func<LexiconService, Task<int>> body)
    {
        await using var store = await CliContext.OpenStoreAsync(parse, ct);
        return store is null ? ExitCodes.StoreError : await body(new LexiconService(store));
    }

    private static int Fail(string command, LexiconError error)
    {
        Console.Error.WriteLine($"haven {command}: {error.Message}");
        if (error is LexiconImportFailed failed)
        {
            foreach (var line in failed.Errors)
            {
                Console.Error.WriteLine($"  {line}");
            }

            return ExitCodes.ImportRefused;
        }

        return error switch
        {
            LexiconNotFound => ExitCodes.NotFound,
            _ => ExitCodes.Usage,
        };
    }
}
