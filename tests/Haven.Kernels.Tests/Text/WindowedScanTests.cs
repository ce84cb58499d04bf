using Haven.Kernels.Text;

namespace Haven.Kernels.Tests.Text;

/// <summary>
/// The windowed scan (normalise a window, walk it, carry the state over) against normalising the whole text first and
/// walking it in one piece, and against a naive scan of every position; entries placed across every window border;
/// the two interleaved automaton chains against one.
/// </summary>
public sealed class WindowedScanTests
{
    private static readonly string[] Pieces =
    [
        "a", "b", "e", "l", "i", "m", "o", "u", "bluu", "finch", "fiinch", "lantern", "club", "moon", "rn", "1", "3", "0", "2024", "@", "$", "!", "#",
        "＃", " ", " ", " ", ".", "_", "-", ", ", "\n", "\u200B", "\u00AD", "\u0301", "𝐛", "ｂ", "ﬁ", "😀", "\uD800", "е",
    ];

    private static readonly List<LexiconEntry> Entries =
    [
        new(1, "bluefinch", "placeholder_term", 1f),
        new(2, "lantern club", "placeholder_phrase", 1f),
        new(3, "#bluefinch", "placeholder_hashtag", 1f),
        new(4, "moon", "placeholder_term", 1f),
        new(5, "finch", "placeholder_term", 1f, LexiconMatchMode.Substring),
        new(6, "b", "placeholder_term", 1f),
        new(7, "lantern club bluefinch moon lantern club bluefinch moon", "placeholder_phrase", 1f),
        new(8, "a e", "placeholder_phrase", 1f, LexiconMatchMode.Substring),
        new(9, "club", "placeholder_term", 1f),
    ];

    private static readonly LexiconMatcher Matcher = LexiconMatcher.Build(Entries);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void WindowedScanEqualsWholeTextScanOnLongRandomTexts(int seed)
    {
        var random = new Random(seed);
        for (var round = 0; round < 12; round++)
        {
            // Several windows long, with the awkward pieces everywhere, including across the borders.
            var pieces = new List<string>();
            var length = 0;
            var target = random.Next(1, 4 * LexiconMatcher.WindowChars);
            while (length < target)
            {
                var piece = random.Next(6) == 0 ? Entries[random.Next(Entries.Count)].Pattern : Pieces[random.Next(Pieces.Length)];
                pieces.Add(piece);
                length += piece.Length;
            }

            var text = string.Concat(pieces);
            var windowed = new List<LexiconHit>();
            Matcher.Scan(text, windowed);
            Assert.Equal(WholeTextScan(text), windowed);
            Assert.Equal(Sorted(LexiconMatcherTests.NaiveScan(Entries, text)), Sorted(windowed));
        }
    }

    /// <summary>Each obfuscated entry at every offset around the first window border: found once, with its exact original span.</summary>
    [Theory]
    [InlineData("bluefinch", 1)]
    [InlineData("b l u u e f i n c h", 1)]
    [InlineData("b.l.u.e.f.i.n.c.h", 1)]
    [InlineData("bluuuuuefiiinch", 1)]
    [InlineData("b1u3f1nch", 1)]
    [InlineData("𝐛𝐥𝐮𝐞𝐟𝐢𝐧𝐜𝐡", 1)]
    [InlineData("blu\u0301\u0302efinch\u0301", 1)]
    [InlineData("blue\u200Bfinch", 1)]
    [InlineData("#Blue_Finch", 3)]
    [InlineData("LANTERN-CLUB", 2)]
    [InlineData("mooooon", 4)]
    [InlineData("c l u b b", 9)] // the last 'b' collapses into the one before the gap after both are emitted
    [InlineData("lantern club bluefinch moon lantern club bluefinch moon", 7)]
    public void EntryStraddlingAWindowBorderIsFoundWithItsExactSpan(string obfuscated, int entryId)
    {
        var border = LexiconMatcher.WindowChars;
        for (var start = border - obfuscated.Length - 2; start <= border + 2; start++)
        {
            var text = Filler(start - 1) + " " + obfuscated + " tail";
            var hits = new List<LexiconHit>();
            Matcher.Scan(text, hits);
            var spans = hits.Where(h => h.EntryId == entryId).Select(h => (h.Start, h.Length)).ToList();
            Assert.True(spans.Count == 1 && spans[0] == (start, obfuscated.Length), $"offset {start}: entry {entryId} at [{string.Join(", ", spans)}], expected ({start}, {obfuscated.Length})");
            Assert.Equal(WholeTextScan(text), hits);
        }
    }

    [Fact]
    public void SurrogatePairAndRepeatsAcrossEveryBorderOffset()
    {
        // A surrogate pair cut by the border, and a run of repeats or spaced letters that continues past it.
        foreach (var filler in new[] { "𝐛", "a", "b l u u", "ee", "m", "#", "1" })
        {
            for (var shift = 0; shift < 4; shift++)
            {
                var prefix = Filler(LexiconMatcher.WindowChars - shift - 1) + " ";
                var text = prefix + filler + filler + " bluefinch " + filler;
                var hits = new List<LexiconHit>();
                Matcher.Scan(text, hits);
                Assert.Equal(WholeTextScan(text), hits);
            }
        }
    }

    [Fact]
    public void TwoChainWalkEqualsNaiveScanOnLongNormalisedText()
    {
        var random = new Random(5);
        var text = string.Concat(Enumerable.Range(0, 20_000).Select(_ => random.Next(5) == 0 ? Entries[random.Next(Entries.Count)].Pattern + " " : Pieces[random.Next(Pieces.Length)]));
        using var normalized = new NormalizedText();
        TextNormalizer.Normalize(text, normalized);
        Assert.True(normalized.Length > 4 * LexiconMatcher.WindowChars);
        var hits = new List<LexiconHit>();
        Matcher.Scan(normalized, hits);
        Assert.Equal(Sorted(LexiconMatcherTests.NaiveScan(Entries, text)), Sorted(hits));
        Assert.True(hits.Select(h => h.End).Zip(hits.Skip(1).Select(h => h.End)).All(p => p.First <= p.Second), "hits in order of where they end");
    }

    [Fact]
    public void EmptyAndShortTexts()
    {
        foreach (var text in new[] { "", " ", "b", "#", "moon", "\uD800" })
        {
            var hits = new List<LexiconHit>();
            Matcher.Scan(text, hits);
            Assert.Equal(WholeTextScan(text), hits);
        }
    }

    /// <summary>Benign words that neither collapse nor hit, so the normalised window really fills up.</summary>
    private static string Filler(int length) => string.Concat(Enumerable.Repeat("ox ", (length / 3) + 1))[..length];

    private static List<LexiconHit> WholeTextScan(string text)
    {
        using var normalized = new NormalizedText();
        TextNormalizer.Normalize(text, normalized);
        var hits = new List<LexiconHit>();
        Matcher.Scan(normalized, hits);
        return hits;
    }

    private static List<LexiconHit> Sorted(List<LexiconHit> hits) =>
        [.. hits.OrderBy(h => h.Start).ThenBy(h => h.Length).ThenBy(h => h.EntryId)];
}
