using System.Globalization;
using Haven.Benchmarks.Text;
using Haven.Kernels.Text;
using Haven.Storage;
using Haven.Tests.Storage;
using Haven.Text;
using Xunit.Abstractions;

namespace Haven.Tests.Text;

/// <summary>The shipped default lexicon (lexicons/default.csv): it loads, every entry is sourced, and it sees through obfuscation.</summary>
public sealed class DefaultLexiconTests(ITestOutputHelper output)
{
    private static readonly Lazy<IReadOnlyList<LexiconFileEntry>> Entries = new(() =>
    {
        var (entries, errors) = DefaultLexicon.ReadAsync().GetAwaiter().GetResult();
        Assert.Empty(errors);
        return entries;
    });

    private static readonly Lazy<LexiconMatcher> Matcher = new(() => LexiconMatcher.Build(DefaultLexicon.ToMatcherEntries(Entries.Value)));

    public static TheoryData<int> EntryLines => [.. Entries.Value.Select(e => checked((int)e.Line))];

    [Fact]
    public async Task Every_entry_loads_with_the_real_parser_and_carries_a_public_source()
    {
        var (entries, errors) = await DefaultLexicon.ReadAsync();
        Assert.Empty(errors);
        Assert.InRange(entries.Count, 20, 40);
        Assert.All(entries, e =>
        {
            Assert.True(e.Source is { } s && (s.StartsWith("https://", StringComparison.Ordinal) || s.StartsWith("http://", StringComparison.Ordinal)), $"line {e.Line}: source must start with a URL");
            Assert.InRange(e.Weight, 0.1f, 0.6f);
            Assert.Equal(LexiconMatchMode.WholeWord, e.Mode);
        });
        Assert.Equal(LexiconCategories.Standard.Order(StringComparer.Ordinal), entries.Select(e => e.Category).Distinct().Order(StringComparer.Ordinal));
        Assert.Contains(entries, e => e.Pattern.StartsWith('#'));
        Assert.Contains(entries, e => e.Pattern.Contains(' ', StringComparison.Ordinal));
        Assert.Equal(entries.Count, entries.Select(e => e.Normalized).Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [MemberData(nameof(EntryLines))]
    public void Every_obfuscation_family_of_every_entry_is_caught_with_its_exact_span(int line)
    {
        var entry = Entries.Value.Single(e => e.Line == line);
        var hits = new List<LexiconHit>();
        foreach (var (family, obfuscated) in ObfuscationFamilies.Of(entry.Pattern))
        {
            var text = "first, " + obfuscated + " then";
            hits.Clear();
            Matcher.Value.Scan(text, hits);
            var spans = hits.Where(h => h.EntryId == line).Select(h => text.Substring(h.Start, h.Length)).ToList();
            Assert.True(spans.Contains(obfuscated), $"line {line}, {ObfuscationFamilies.Describe(family, obfuscated)}: got [{string.Join(", ", hits.Select(h => $"{h.EntryId}:\"{text.Substring(h.Start, h.Length)}\""))}]");
        }
    }

    /// <summary>
    /// False hits on ≈ 1 MB of benign English (the text benchmark's corpus: prose of the .NET reference docs). The figure
    /// and the entries that hit are recorded in bench/RESULTS.md; the bound keeps a new entry from flooding review.
    /// </summary>
    [Fact]
    public void False_hit_rate_on_benign_prose_stays_low()
    {
        var corpus = TextCorpus.Load(1_000_000);
        var hits = new List<LexiconHit>();
        Matcher.Value.Scan(corpus, hits);
        var perMegabyte = hits.Count / (corpus.Length / 1e6);
        var byEntry = hits.GroupBy(h => h.EntryId).OrderByDescending(g => g.Count()).Select(g => $"line {g.Key} ×{g.Count()}");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"default lexicon: {hits.Count} hits on {corpus.Length:N0} chars of benign prose ({perMegabyte:F2} per MB): {string.Join(", ", byEntry)}"));
        Assert.True(perMegabyte <= 10, $"{perMegabyte:F2} false hits per MB: {string.Join(", ", byEntry)}");
    }
}

public abstract class DefaultLexiconInstallTests : StoreSuite
{
    [StoreFact]
    public async Task Install_default_creates_the_lexicon_once_and_its_entries_match()
    {
        var lexicons = new LexiconService(Store);
        var first = (await lexicons.InstallDefaultAsync()).Value;
        Assert.Equal(first.Entries, first.Added);
        var again = (await lexicons.InstallDefaultAsync()).Value;
        Assert.Equal((0L, first.Entries), (again.Added, again.AlreadyPresent));

        var summary = Assert.Single(await lexicons.ListAsync());
        Assert.Equal((DefaultLexicon.Name, DefaultLexicon.Description, first.Entries), (summary.Name, summary.Description, summary.TotalCount));

        var snapshot = (await lexicons.LoadAsync(DefaultLexicon.Name)).Value;
        const string text = "anyone want to tr4de p.i.c.s?";
        var hits = new List<LexiconHit>();
        snapshot.Matcher.Scan(text, hits);
        var hit = Assert.Single(hits, h => h.Category == LexiconCategories.TradeRequest);
        Assert.Equal("tr4de p.i.c.s", text.Substring(hit.Start, hit.Length));
        Assert.StartsWith("https://", snapshot.Entries[hit.EntryId].Source, StringComparison.Ordinal);
    }
}

public sealed class SqliteDefaultLexiconInstallTests : DefaultLexiconInstallTests
{
    internal override StoreProvider Provider => StoreProvider.Sqlite;
}

[PostgresSuite]
public sealed class PostgresDefaultLexiconInstallTests : DefaultLexiconInstallTests
{
    internal override StoreProvider Provider => StoreProvider.Postgres;
}
