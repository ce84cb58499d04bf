using Haven.Audit;
using Haven.Kernels.Text;
using Haven.Storage;
using Haven.Tests.Storage;
using Haven.Text;

namespace Haven.Tests.Text;

public sealed class LexiconFileTests
{
    [Fact]
    public async Task A_good_file_reads_every_column()
    {
        const string file = "pattern,category,weight,mode,source\nbluefinch,cse_term,0.9,,placeholder list\n#lanternclub,trade_request,,,\n\"trade, pics\",trade_request,1,word,\nfinch,custom_cat,0.5,substring,\n";
        var (entries, errors) = await LexiconFile.ReadAsync(new StringReader(file));
        Assert.Empty(errors);
        Assert.Equal(4, entries.Count);
        Assert.Equal(("bluefinch", "cse_term", 0.9f, LexiconMatchMode.WholeWord, "placeholder list"), (entries[0].Pattern, entries[0].Category, entries[0].Weight, entries[0].Mode, entries[0].Source));
        Assert.Equal(1f, entries[1].Weight);
        Assert.Equal(LexiconMatchMode.Substring, entries[3].Mode);
        Assert.Equal([2L, 3, 4, 5], entries.Select(e => e.Line));
    }

    [Fact]
    public async Task A_broken_file_reports_every_bad_line()
    {
        const string file = "pattern,category,weight,mode\n" + // 1
            ",cse_term,,\n" +                              // 2 empty pattern
            "bluefinch,Bad Category,,\n" +                 // 3
            "bluefinch,cse_term,2,\n" +                    // 4 weight
            "bluefinch,cse_term,,fuzzy\n" +                // 5 mode
            "\u200b . _,cse_term,,\n" +                    // 6 only separators
            "bluefinch,cse_term\n" +                       // 7 field count
            "bluefinch,cse_term,0.5,word\n";               // 8 fine
        var (entries, errors) = await LexiconFile.ReadAsync(new StringReader(file));
        Assert.Equal([2L, 3, 4, 5, 6, 7], errors.Select(e => e.Line));
        Assert.Contains("pattern is empty", errors[0].Message);
        Assert.Contains("category", errors[1].Message);
        Assert.Contains("weight", errors[2].Message);
        Assert.Contains("mode", errors[3].Message);
        Assert.Contains("separators or invisible", errors[4].Message);
        Assert.Contains("fields", errors[5].Message);
        Assert.Single(entries);
    }

    [Fact]
    public async Task Quoting_follows_rfc_4180_as_bank_imports_do_and_lines_stay_physical()
    {
        const string file = "pattern,category,source\r\n" +     // 1
            "\"say \"\"bluefinch\"\"\",cse_term,\"listed\r\nthere\"\r\n" + // 2-3: doubled quotes, a line break inside quotes
            ",cse_term,\r\n" +                                          // 4 empty pattern
            "finch,cse_term,\"a, b\"\r\n";                               // 5
        var (entries, errors) = await LexiconFile.ReadAsync(new StringReader(file));
        Assert.Equal([(2L, "say \"bluefinch\"", "listed\r\nthere"), (5L, "finch", "a, b")], entries.Select(e => (e.Line, e.Pattern, e.Source)));
        Assert.Equal("line 4: pattern is empty", Assert.Single(errors).ToString());
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("term,kind\nx,cse_term\n", "bad header")]
    [InlineData("pattern\nx\n", "missing required column 'category'")]
    [InlineData("pattern,category\n\"unterminated,cse_term\n", "quote")]
    public async Task Broken_headers_and_quoting_say_what_is_wrong(string file, string expected)
    {
        var (_, errors) = await LexiconFile.ReadAsync(new StringReader(file));
        Assert.Contains(expected, Assert.Single(errors).Message, StringComparison.OrdinalIgnoreCase);
    }
}

public abstract class LexiconServiceTests : StoreSuite
{
    private const string Lexicon = "pattern,category,weight,mode,source\nbluefinch,cse_term,0.9,,placeholder\n#lanternclub,trade_request,,,\ntrade pics,trade_request,,,\n";

    private LexiconService Lexicons => new(Store);

    [StoreFact]
    public async Task Imported_entries_catch_obfuscated_text_with_original_spans()
    {
        Assert.True((await Lexicons.CreateAsync("placeholders")).IsSuccess);
        var imported = (await Lexicons.ImportAsync("placeholders", new StringReader(Lexicon))).Value;
        Assert.Equal((3L, 3L, 0L), (imported.Entries, imported.Added, imported.AlreadyPresent));
        Assert.Equal(3, (await Lexicons.ImportAsync("placeholders", new StringReader(Lexicon))).Value.AlreadyPresent);

        var snapshot = (await Lexicons.LoadAsync()).Value;
        const string text = "look: B1uef\u200binch and #Lantern_Club, also tr4de   p.i.c.s please";
        var hits = new List<LexiconHit>();
        snapshot.Matcher.Scan(text, hits);
        var found = hits.Select(h => (h.Category, Matched: text.Substring(h.Start, h.Length))).OrderBy(h => h.Matched, StringComparer.Ordinal).ToList();
        Assert.Contains(("cse_term", "B1uef\u200binch"), found);
        Assert.Contains(("trade_request", "#Lantern_Club"), found);
        Assert.Contains(found, h => h.Category == "trade_request" && h.Matched.StartsWith("tr4de", StringComparison.Ordinal));
        Assert.All(hits, h => Assert.Equal("placeholders", snapshot.Entries[h.EntryId].Lexicon));

        var summary = Assert.Single(await Lexicons.ListAsync());
        Assert.Equal(2, summary.CountsByCategory["trade_request"]);
    }

    [StoreFact]
    public async Task Broken_files_write_nothing_and_changes_are_audited()
    {
        await Lexicons.CreateAsync("broken");
        var refused = await Lexicons.ImportAsync("broken", new StringReader("pattern,category\nok,cse_term\n,cse_term\n"));
        Assert.Equal(3, Assert.IsType<LexiconImportFailed>(refused.Error).Errors.Single().Line);
        Assert.Equal(0, Assert.Single(await Lexicons.ListAsync()).TotalCount);
        Assert.IsType<LexiconNotFound>((await Lexicons.ImportAsync("missing", new StringReader(Lexicon))).Error);
        Assert.IsType<LexiconAlreadyExists>((await Lexicons.CreateAsync("broken")).Error);
        Assert.IsType<LexiconNameInvalid>((await Lexicons.CreateAsync("Bad Name")).Error);
        await Lexicons.ImportAsync("broken", new StringReader(Lexicon));
        Assert.Equal(3, (await Lexicons.DeleteAsync("broken")).Value);

        var actions = (await new AuditLog(Store).ReadAsync()).Select(e => e.Action).ToArray();
        Assert.Equal(["lexicon.created", "lexicon.entries_added", "lexicon.deleted"], actions);
        Assert.True((await new AuditLog(Store).VerifyAsync()).Intact);
    }
}

public sealed class SqliteLexiconServiceTests : LexiconServiceTests
{
    internal override StoreProvider Provider => StoreProvider.Sqlite;
}

[PostgresSuite]
public sealed class PostgresLexiconServiceTests : LexiconServiceTests
{
    internal override StoreProvider Provider => StoreProvider.Postgres;
}
