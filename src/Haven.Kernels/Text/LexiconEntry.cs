namespace Haven.Kernels.Text;

/// <summary>How a lexicon entry must sit in the normalised text to count as a hit.</summary>
public enum LexiconMatchMode
{
    /// <summary>Default: the hit must start where a word starts and end where a word ends (see <see cref="NormalizedText.IsWordStart"/>).</summary>
    WholeWord = 0,

    /// <summary>Any occurrence counts, also inside a longer word (for scripts written without spaces, or stems).</summary>
    Substring = 1,
}

/// <summary>One lexicon entry: a term, a hashtag ("#bluefinch") or a phrase ("lantern club").</summary>
/// <param name="Id">Caller's id for the entry, reported with every hit.</param>
/// <param name="Pattern">The entry as written; the matcher normalises it with <see cref="TextNormalizer.NormalizePattern"/>.</param>
/// <param name="Category">Category name, e.g. <c>trade_request</c>.</param>
/// <param name="Weight">Weight the policy stage gives a hit.</param>
/// <param name="Mode">Whole-word (default) or substring matching.</param>
public sealed record LexiconEntry(int Id, string Pattern, string Category, float Weight, LexiconMatchMode Mode = LexiconMatchMode.WholeWord);

/// <summary>One occurrence of a lexicon entry, with its span in the original text.</summary>
/// <param name="EntryId">The entry's <see cref="LexiconEntry.Id"/>.</param>
/// <param name="Category">The entry's category.</param>
/// <param name="Weight">The entry's weight.</param>
/// <param name="Start">Index of the first UTF-16 unit of the hit in the original text.</param>
/// <param name="Length">Length of the hit in UTF-16 units of the original text.</param>
public readonly record struct LexiconHit(int EntryId, string Category, float Weight, int Start, int Length)
{
    /// <summary>Index just past the hit in the original text.</summary>
    public int End => Start + Length;
}
