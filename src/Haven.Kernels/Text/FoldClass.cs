namespace Haven.Kernels.Text;

/// <summary>What one folded character is to the token pass of <see cref="TextNormalizer"/>.</summary>
internal enum FoldClass : byte
{
    /// <summary>A letter of any script (or a spacing mark, which belongs to its word): kept, repeats collapse.</summary>
    Letter = 1,

    /// <summary>An ASCII digit: a leet letter inside a word, itself in a number (see <see cref="TextNormalizer"/>).</summary>
    Digit = 2,

    /// <summary>One of <c>@ $ ! | + €</c>: a leet letter strictly inside a word, a separator at its edges.</summary>
    LeetSymbol = 3,

    /// <summary><c>#</c>: kept as the first character of a hashtag, a separator otherwise.</summary>
    Hash = 4,

    /// <summary>Punctuation, symbols, emoji: a word boundary that does not stop repeated letters collapsing across it.</summary>
    Separator = 5,

    /// <summary>White space and controls: a word boundary that repeated letters do not collapse across.</summary>
    Space = 6,
}
