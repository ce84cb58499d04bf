using Haven.Kernels.Text;

namespace Haven.Kernels.Tests.Text;

/// <summary>The fold itself: each step of DESIGN §3.3 on neutral placeholder words, and the offset map.</summary>
public sealed class TextNormalizerTests
{
    [Theory]
    [InlineData("bluefinch", "blueflnch")] // 'i' and 'l' are one letter, written 'l'
    [InlineData("ｂｌｕｅ", "blue")] // fullwidth
    [InlineData("𝐛𝐥𝐮𝐞", "blue")] // mathematical bold, surrogate pairs
    [InlineData("ⓑⓛⓤⓔ", "blue")] // circled
    [InlineData("ﬁnch", "flnch")] // ligature
    [InlineData("blu\u0301e\u0308", "blue")] // combining marks dropped
    [InlineData("bl\u00FCe", "blue")] // precomposed accent
    [InlineData("blu\u200Be", "blue")] // zero-width space
    [InlineData("bl\u202Eu\u202Ce", "blue")] // bidi override
    [InlineData("bl\u00ADue", "blue")] // soft hyphen
    [InlineData("blu\uFE0Fe", "blue")] // variation selector
    [InlineData("b\u2066lue\u2069", "blue")] // bidi isolates
    [InlineData("bluе", "blue")] // Cyrillic ie
    [InlineData("ΒLUΕ", "blue")] // Greek capitals beta, epsilon
    [InlineData("BLUE", "blue")]
    [InlineData("BlUe", "blue")]
    [InlineData("b1u3", "blue")]
    [InlineData("h3ll0", "helo")]
    [InlineData("p@$$", "pas")]
    [InlineData("b.l.u.e", "blue")]
    [InlineData("b l u e", "blue")]
    [InlineData("b-l-u-u-e", "blue")]
    [InlineData("blue_finch", "blueflnch")]
    [InlineData("bluuuuue", "blue")]
    [InlineData("lantern club", "lanternclub")]
    [InlineData("#BlueFinch", "#blueflnch")]
    [InlineData("＃blue", "#blue")]
    [InlineData("# blue", "blue")]
    [InlineData("@blue", "blue")]
    [InlineData("blue!", "blue")]
    [InlineData("2024", "2024")]
    [InlineData("10+20", "1020")]
    [InlineData("moon", "rnon")] // confusables.txt: m → rn
    [InlineData("", "")]
    [InlineData(" .,;\u200B ", "")]
    public void FoldsToExpected(string text, string expected) =>
        Assert.Equal(expected, TextNormalizer.NormalizePattern(text));

    [Fact]
    public void EverySpanPointsIntoTheOriginal()
    {
        var text = "x 𝐛𝐥𝐮𝐞 b\u0301luuue ｆ.i.n c\u200Bh 😀 #tag 2024";
        using var normalized = new NormalizedText();
        TextNormalizer.Normalize(text, normalized);
        var previousEnd = 0;
        for (var i = 0; i < normalized.Length; i++)
        {
            var start = normalized.OriginalStarts[i];
            var end = normalized.OriginalEnds[i];
            Assert.InRange(start, previousEnd, text.Length - 1);
            Assert.InRange(end, start + 1, text.Length);
            Assert.False(char.IsLowSurrogate(text[start]), "a span must not start inside a surrogate pair");
            Assert.False(end < text.Length && char.IsLowSurrogate(text[end]), "a span must not end inside a surrogate pair");
            previousEnd = end;
        }
    }

    [Fact]
    public void RepeatedLettersAreCoveredByTheKeptLetter()
    {
        using var normalized = new NormalizedText();
        TextNormalizer.Normalize("bluuuue", normalized);
        Assert.Equal("blue", normalized.Chars.ToString());
        Assert.Equal(2, normalized.OriginalStarts[2]);
        Assert.Equal(6, normalized.OriginalEnds[2]);
    }

    [Fact]
    public void CombiningMarksBelongToTheLetterBeforeThem()
    {
        using var normalized = new NormalizedText();
        TextNormalizer.Normalize("e\u0301\u0302 x", normalized);
        Assert.Equal("ex", normalized.Chars.ToString());
        Assert.Equal(0, normalized.OriginalStarts[0]);
        Assert.Equal(3, normalized.OriginalEnds[0]);
    }

    [Fact]
    public void WordStartsFollowSeparatorsNumbersAndHashtags()
    {
        using var normalized = new NormalizedText();
        TextNormalizer.Normalize("ab cd#ef 2024gh", normalized);
        Assert.Equal("abcd#ef2024gh", normalized.Chars.ToString());
        bool[] expected = [true, false, true, false, true, true, false, true, false, false, false, true, false];
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(expected[i] == normalized.IsWordStart(i), $"index {i}");
        }
    }

    [Fact]
    public void LoneSurrogatesAreSeparators()
    {
        Assert.Equal("blue", TextNormalizer.NormalizePattern("bl\uD800ue"));
        Assert.Equal("abcd", TextNormalizer.NormalizePattern("ab\uDC00cd"));
    }

    [Fact]
    public void ReusingTheBufferGivesTheSameResult()
    {
        using var normalized = new NormalizedText();
        var longText = string.Concat(Enumerable.Repeat("lantern club ", 500));
        TextNormalizer.Normalize(longText, normalized);
        TextNormalizer.Normalize("blue", normalized);
        Assert.Equal("blue", normalized.Chars.ToString());
    }
}
