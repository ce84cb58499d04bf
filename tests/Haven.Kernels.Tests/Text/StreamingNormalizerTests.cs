using Haven.Kernels.Text;

namespace Haven.Kernels.Tests.Text;

/// <summary>
/// The streaming token pass (letters emitted as they arrive, only a word's tail buffered) against the plain one that
/// buffers every word whole, on seeded random texts built from the awkward pieces: digits, leet symbols, hashtags,
/// gaps, invisible characters, combining marks, surrogate pairs and letters that fold to two.
/// </summary>
public sealed class StreamingNormalizerTests
{
    private static readonly string[] Pieces =
    [
        "a", "b", "e", "l", "i", "I", "m", "o", "u", "Bluu", "ee", "finch", "1", "3", "0", "2", "7", "@", "$", "!", "|", "+", "€", "#", "＃",
        "m", "Mm", "rn", "moon", "ox", "\t", ",", " ", " ", ".", "_", "-", "\u200B", "\u00AD", "\u202E", "\u0301", "\uFE0F", "𝐛", "ｂ", "ﬁ", "ⓔ", "😀", "\uD800", "е", "ο",
    ];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void MatchesTheWholeWordReference(int seed)
    {
        var random = new Random(seed);
        using var fast = new NormalizedText();
        using var reference = new ReferenceNormalizedText();
        for (var round = 0; round < 2000; round++)
        {
            var pieceCount = random.Next(0, 40);
            var text = string.Concat(Enumerable.Range(0, pieceCount).Select(_ => Pieces[random.Next(Pieces.Length)]));
            TextNormalizer.Normalize(text, fast);
            reference.Normalize(text);
            var context = $"text \"{text}\" (escaped {string.Concat(text.Select(c => $"\\u{(int)c:X4}"))})";
            Assert.True(reference.Chars.SequenceEqual(fast.Chars), $"{context}: \"{reference.Chars}\" vs \"{fast.Chars}\"");
            Assert.True(reference.OriginalStarts.SequenceEqual(fast.OriginalStarts), context + ": starts");
            Assert.True(reference.OriginalEnds.SequenceEqual(fast.OriginalEnds), context + ": ends");
            for (var i = 0; i < fast.Length; i++)
            {
                Assert.True(reference.IsWordStart(i) == fast.IsWordStart(i), $"{context}: word start at {i}");
            }
        }
    }
}
