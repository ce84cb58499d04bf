using Haven.Kernels.Text;

namespace Haven.Kernels.Tests.Text;

/// <summary>
/// Obfuscation families crossed with neutral placeholder entries, benign sentences, hashtags, and the automaton
/// against a naive scan of every position on seeded random texts.
/// </summary>
public sealed class LexiconMatcherTests
{
    private const int BlueFinch = 1;
    private const int TradePics = 2;
    private const int LanternClub = 3;
    private const int HashBlueFinch = 4;
    private const int Moonbeam = 5;
    private const int DoubledEntry = 6;

    private static readonly LexiconMatcher Placeholders = LexiconMatcher.Build(
    [
        new LexiconEntry(BlueFinch, "bluefinch", "placeholder_term", 1f),
        new LexiconEntry(TradePics, "trade pics", "placeholder_request", 2f),
        new LexiconEntry(LanternClub, "lantern club", "placeholder_phrase", 0.5f),
        new LexiconEntry(HashBlueFinch, "#bluefinch", "placeholder_hashtag", 1.5f),
        new LexiconEntry(Moonbeam, "Moonbeam", "placeholder_term", 1f),
        new LexiconEntry(DoubledEntry, "gallery keeper", "placeholder_phrase", 1f),
    ]);

    /// <summary>Text, the entry it must hit, and the exact original substring the hit must cover.</summary>
    public static TheoryData<string, string, int, string> Obfuscations => new()
    {
        // fullwidth and compatibility forms
        { "fullwidth", "look: ｂｌｕｅｆｉｎｃｈ here", BlueFinch, "ｂｌｕｅｆｉｎｃｈ" },
        { "fullwidth phrase", "ｔｒａｄｅ ｐｉｃｓ?", TradePics, "ｔｒａｄｅ ｐｉｃｓ" },
        { "math bold", "see 𝐥𝐚𝐧𝐭𝐞𝐫𝐧 𝐜𝐥𝐮𝐛 now", LanternClub, "𝐥𝐚𝐧𝐭𝐞𝐫𝐧 𝐜𝐥𝐮𝐛" },
        { "circled", "ⓜⓞⓞⓝⓑⓔⓐⓜ!", Moonbeam, "ⓜⓞⓞⓝⓑⓔⓐⓜ" },
        { "ligature", "blueﬁnch", BlueFinch, "blueﬁnch" },
        // zero-width and bidi insertions, soft hyphens
        { "zero width", "a blue\u200Bfi\u200Cn\u200Dch b", BlueFinch, "blue\u200Bfi\u200Cn\u200Dch" },
        { "bidi", "x \u202Etrade\u202C pics\u2066 y", TradePics, "trade\u202C pics" },
        { "word joiner", "moon\u2060beam", Moonbeam, "moon\u2060beam" },
        { "soft hyphen", "lan\u00ADtern club", LanternClub, "lan\u00ADtern club" },
        { "bom", "\uFEFFbluefinch", BlueFinch, "bluefinch" },
        // Cyrillic and Greek homoglyphs
        { "cyrillic", "bluеfinсh", BlueFinch, "bluеfinсh" },
        { "cyrillic phrase", "trаdе рiсs", TradePics, "trаdе рiсs" },
        { "greek capitals", "ΒLUΕFΙΝCΗ", BlueFinch, "ΒLUΕFΙΝCΗ" },
        { "greek small", "mοοnbeam", Moonbeam, "mοοnbeam" },
        // leetspeak
        { "leet digits", "b1u3f1nch", BlueFinch, "b1u3f1nch" },
        { "leet symbols", "tr@de p!c$ ok", TradePics, "tr@de p!c" + "$" },
        { "leet zero", "m00nb3@m", Moonbeam, "m00nb3@m" },
        { "leet pipe", "b|uefinch", BlueFinch, "b|uefinch" },
        // separators between letters
        { "dots", "b.l.u.e.f.i.n.c.h", BlueFinch, "b.l.u.e.f.i.n.c.h" },
        { "spaces", "say b l u e f i n c h", BlueFinch, "b l u e f i n c h" },
        { "underscore", "lantern_club", LanternClub, "lantern_club" },
        { "hyphens", "trade-pics", TradePics, "trade-pics" },
        { "joined phrase", "lanternclub", LanternClub, "lanternclub" },
        { "emoji gap", "blue😀finch", BlueFinch, "blue😀finch" },
        // repeated letters, both in text and in the entry
        { "repeats", "bluuuuefiiiinch", BlueFinch, "bluuuuefiiiinch" },
        { "repeats phrase", "lanttttern cluuuub", LanternClub, "lanttttern cluuuub" },
        { "entry with doubles", "galery keper", DoubledEntry, "galery keper" },
        { "spaced repeats", "b l u u e f i n c h", BlueFinch, "b l u u e f i n c h" },
        // mixed case
        { "mixed case", "BlUeFiNcH", BlueFinch, "BlUeFiNcH" },
        { "upper case", "LANTERN CLUB", LanternClub, "LANTERN CLUB" },
        // combinations
        { "combo 1", "Ｂ.1.ụ.ｅ f\u200Bіnnch", BlueFinch, "Ｂ.1.ụ.ｅ f\u200Bіnnch" },
        { "combo 2", "T\u00ADR4D3___ρ1¢ѕ", TradePics, "T\u00ADR4D3___ρ1¢ѕ" },
        { "combo 3", "Ｍ００ｎ-ｂ３ａｍ", Moonbeam, "Ｍ００ｎ-ｂ３ａｍ" },
        { "accents", "blüéfînçh", BlueFinch, "blüéfînçh" },
        { "combining", "b\u0301l\u0302uefinch\u0301 x", BlueFinch, "b\u0301l\u0302uefinch\u0301" },
        // hashtags
        { "hashtag underscore", "#blue_finch", HashBlueFinch, "#blue_finch" },
        { "hashtag camel", "go #BlueFinch go", HashBlueFinch, "#BlueFinch" },
        { "hashtag leet", "#b1uefinch", HashBlueFinch, "#b1uefinch" },
        { "hashtag fullwidth", "＃bluefinch", HashBlueFinch, "＃bluefinch" },
        { "term in hashtag", "#bluefinch", BlueFinch, "bluefinch" },
    };

    [Theory]
    [MemberData(nameof(Obfuscations))]
    public void CatchesObfuscationWithTheOriginalSpan(string family, string text, int entryId, string expectedSpan)
    {
        var hits = new List<LexiconHit>();
        Placeholders.Scan(text, hits);
        var spans = hits.Where(h => h.EntryId == entryId).Select(h => text[h.Start..h.End]).ToList();
        Assert.True(spans.Contains(expectedSpan), $"{family}: expected entry {entryId} at \"{expectedSpan}\", got [{string.Join(", ", hits.Select(h => $"{h.EntryId}:\"{text[h.Start..h.End]}\""))}]");
    }

    [Theory]
    [InlineData("I saw a bluebird and a goldfinch at the lantern festival.")]
    [InlineData("Bluefinches are not a real bird, as far as I know.")]
    [InlineData("The club traded picks in the draft; the lantern was lit.")]
    [InlineData("Trade picture frames at the market on Sunday.")]
    [InlineData("A moonbeamer? The moon beamed over the club lanterns.")]
    [InlineData("blue finches traded pictures")]
    [InlineData("Galleries keep their keepers busy.")]
    [InlineData("Prices in 2024 rose by 13% and 1,337 people came.")]
    [InlineData("")]
    public void NoHitsOnBenignSentences(string text)
    {
        var hits = new List<LexiconHit>();
        Placeholders.Scan(text, hits);
        Assert.Empty(hits);
    }

    [Fact]
    public void PlainTextDoesNotHitAHashtagEntry()
    {
        var hits = new List<LexiconHit>();
        Placeholders.Scan("bluefinch", hits);
        Assert.DoesNotContain(hits, h => h.EntryId == HashBlueFinch);
        Assert.Contains(hits, h => h.EntryId == BlueFinch);
    }

    [Fact]
    public void WholeWordAndSubstringModes()
    {
        var matcher = LexiconMatcher.Build(
        [
            new LexiconEntry(1, "finch", "c", 1f),
            new LexiconEntry(2, "finch", "c", 1f, LexiconMatchMode.Substring),
        ]);
        var hits = new List<LexiconHit>();
        matcher.Scan("goldfinch finch finches", hits);
        Assert.Equal([(2, 4), (1, 10), (2, 10), (2, 16)], hits.Select(h => (h.EntryId, h.Start)).ToArray());
        Assert.All(hits, h => Assert.Equal(5, h.Length));
    }

    [Fact]
    public void HitCarriesCategoryAndWeight()
    {
        var hits = new List<LexiconHit>();
        Placeholders.Scan("trade pics", hits);
        var hit = Assert.Single(hits);
        Assert.Equal(("placeholder_request", 2f, 0, 10), (hit.Category, hit.Weight, hit.Start, hit.Length));
    }

    [Fact]
    public void RejectsAnEntryThatNormalisesToNothing() =>
        Assert.Throws<ArgumentException>(() => LexiconMatcher.Build([new LexiconEntry(1, " .\u200B", "c", 1f)]));

    [Fact]
    public void EmptyLexiconFindsNothing()
    {
        var hits = new List<LexiconHit>();
        LexiconMatcher.Build([]).Scan("bluefinch", hits);
        Assert.Empty(hits);
    }

    [Theory]
    [InlineData(1, "ab", 3)]
    [InlineData(2, "abc", 4)]
    [InlineData(3, "ab #.1", 5)]
    [InlineData(4, "aab c", 6)]
    public void MatchesNaiveScanOnRandomTexts(int seed, string alphabet, int maxPatternLength)
    {
        var random = new Random(seed);
        for (var round = 0; round < 40; round++)
        {
            var entries = new List<LexiconEntry>();
            var entryCount = random.Next(1, 60);
            for (var e = 0; e < entryCount; e++)
            {
                var pattern = RandomString(random, "abc", random.Next(1, maxPatternLength + 1));
                if (random.Next(4) == 0)
                {
                    pattern = "#" + pattern;
                }

                entries.Add(new LexiconEntry(e, pattern, "c" + (e % 3), e, random.Next(2) == 0 ? LexiconMatchMode.WholeWord : LexiconMatchMode.Substring));
            }

            var matcher = LexiconMatcher.Build(entries);
            foreach (var length in new[] { 0, 1, 2, 7, 63, 64, 65, 257, 1000 })
            {
                var text = RandomString(random, alphabet, length);
                var actual = new List<LexiconHit>();
                matcher.Scan(text, actual);
                var expected = NaiveScan(entries, text);
                Assert.Equal(Sorted(expected), Sorted(actual));
            }
        }
    }

    [Fact]
    public void ScansConcurrentlyWithTheSameResults()
    {
        var text = string.Concat(Enumerable.Repeat("a b1uefinch and #BlueFinch at the lantern-club; trade pics ", 200));
        var expected = new List<LexiconHit>();
        Placeholders.Scan(text, expected);
        Assert.Equal(1000, expected.Count);
        Parallel.For(0, 8, _ =>
        {
            var hits = new List<LexiconHit>();
            for (var r = 0; r < 5; r++)
            {
                hits.Clear();
                Placeholders.Scan(text, hits);
                Assert.Equal(expected, hits);
            }
        });
    }

    /// <summary>The oracle: for every entry, every position of the normalised text, compared character by character.</summary>
    internal static List<LexiconHit> NaiveScan(List<LexiconEntry> entries, string text)
    {
        using var normalized = new NormalizedText();
        TextNormalizer.Normalize(text, normalized);
        var chars = normalized.Chars.ToString();
        var hits = new List<LexiconHit>();
        foreach (var entry in entries)
        {
            var pattern = TextNormalizer.NormalizePattern(entry.Pattern);
            for (var start = 0; start + pattern.Length <= chars.Length; start++)
            {
                if (string.CompareOrdinal(chars, start, pattern, 0, pattern.Length) != 0)
                {
                    continue;
                }

                var end = start + pattern.Length - 1;
                if (entry.Mode == LexiconMatchMode.WholeWord && !(normalized.IsWordStart(start) && normalized.IsWordEnd(end)))
                {
                    continue;
                }

                var originalStart = normalized.OriginalStarts[start];
                hits.Add(new LexiconHit(entry.Id, entry.Category, entry.Weight, originalStart, normalized.OriginalEnds[end] - originalStart));
            }
        }

        return hits;
    }

    private static List<LexiconHit> Sorted(List<LexiconHit> hits) =>
        [.. hits.OrderBy(h => h.Start).ThenBy(h => h.Length).ThenBy(h => h.EntryId)];

    private static string RandomString(Random random, string alphabet, int length) =>
        string.Create(length, (random, alphabet), static (span, state) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = state.alphabet[state.random.Next(state.alphabet.Length)];
            }
        });
}
