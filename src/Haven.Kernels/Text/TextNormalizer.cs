namespace Haven.Kernels.Text;

/// <summary>
/// Folds text so that obfuscated spellings of a lexicon term meet the term itself (DESIGN §3.3), keeping for every
/// folded character the span of the original text it came from.
/// </summary>
/// <remarks>
/// <para>Per code point (precomputed, see <see cref="UnicodeFold"/>):</para>
/// <list type="number">
/// <item>NFKC: compatibility decomposition, so fullwidth, mathematical, circled and ligature forms become plain letters.</item>
/// <item>Invisible and bidi controls (Default_Ignorable_Code_Point) and all nonspacing, enclosing and format marks are removed without a trace.</item>
/// <item>UTS #39 confusable skeleton from confusables.txt (Unicode 15.0.0), applied, lower-cased, applied again and lower-cased.</item>
/// <item>Case fold: <see cref="System.Text.Rune.ToLowerInvariant"/> (simple lower-case mapping).</item>
/// <item><c>i</c> and <c>l</c> are one letter, written <c>l</c> (the skeleton sends <c>I</c> and <c>1</c> to <c>l</c>; leet uses <c>1</c> and <c>!</c> for both).</item>
/// </list>
/// <para>Per word (a run of letters, digits and leet symbols with no separator inside):</para>
/// <list type="number">
/// <item>Leetspeak, only in a word that has a letter: <c>0→o 1→l 2→z 3→e 4→a 5→s 6→g 7→t 8→b 9→g</c> for runs of at most
/// <see cref="MaxLeetDigitRun"/> digits (a longer run is a number, kept and set apart as its own word); <c>@→a $→s !→l |→l +→t €→e</c>
/// strictly inside the word, separators at its edges ("@bluefinch", "finch!"), except a trailing <c>$</c> ("pic$"). A lone
/// digit between spaced-out letters ("b.1.u.e") counts as inside a word.</item>
/// <item>Separators (white space, punctuation, symbols, emoji) are removed; each leaves a word boundary. So "b.l.u.e", "blue_finch"
/// and "blue finch" all read "bluefinch", and whole-word matching asks for a boundary at both ends of a hit only.</item>
/// <item>A <c>#</c> directly before a word is kept (hashtag entries) and is a word boundary on both sides.</item>
/// <item>Runs of the same letter collapse to one ("bluuuue" → "blue"), also across the gaps of spaced-out single letters
/// ("b l u u e"), never across a gap between longer words.</item>
/// </list>
/// <para>Lexicon entries pass through the same pipeline (<see cref="NormalizePattern"/>), so an entry spelled with double letters still meets its text.</para>
/// </remarks>
public static class TextNormalizer
{
    /// <summary>Longest run of digits inside a word that is still read as leetspeak.</summary>
    public const int MaxLeetDigitRun = 3;

    /// <summary>Normalises <paramref name="text"/> into <paramref name="output"/>, replacing what it held.</summary>
    public static void Normalize(ReadOnlySpan<char> text, NormalizedText output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.Reset(text.Length + 16);
        NormalizeRange(text, 0, text.Length, output);
        output.Finish();
    }

    /// <summary>
    /// Feeds the code points of <paramref name="text"/> from <paramref name="from"/> up to <paramref name="to"/> to
    /// <paramref name="output"/> without ending the text, so a long text can be normalised (and scanned) a window at a
    /// time with the same result as in one piece. A surrogate pair straddling <paramref name="to"/> is taken whole;
    /// returns the index of the first code unit not consumed.
    /// </summary>
    internal static int NormalizeRange(ReadOnlySpan<char> text, int from, int to, NormalizedText output)
    {
        var entries = UnicodeFold.EntriesArray;
        var chars = UnicodeFold.Chars;
        var classes = UnicodeFold.Classes;
        var asciiTable = UnicodeFold.Ascii;
        var runTable = UnicodeFold.AsciiRun;
        var runText = text[..to];
        var i = from;
        while (i < to)
        {
            int cp = text[i];
            if (cp < 128)
            {
                // ASCII words and gaps in one loop; digits, leet symbols, '#' and a word's buffered tail take the general path.
                if (runTable[cp] != 0 && !output.HasTail)
                {
                    i = output.PushAsciiRun(runText, i, runTable);
                    continue;
                }

                var ascii = asciiTable[cp];

                if ((ascii >> 16) >= (int)FoldClass.Separator)
                {
                    output.PushGap();
                    i++;
                    continue;
                }

                if (ascii != 0)
                {
                    output.Push((char)ascii, (FoldClass)(ascii >> 16), i, i + 1);

                    i++;
                    continue;
                }
            }

            var width = 1;
            if (char.IsSurrogate((char)cp))
            {
                if (char.IsHighSurrogate((char)cp) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    cp = char.ConvertToUtf32((char)cp, text[i + 1]);
                    width = 2;
                }
                else
                {
                    cp = 0xD800; // A lone surrogate folds to a separator.
                }
            }

            if (cp < UnicodeFold.TableLimit)
            {
                var entry = entries[cp];
                var offset = UnicodeFold.OffsetOf(entry);
                var length = UnicodeFold.LengthOf(entry);
                if (entry == UnicodeFold.AttachEntry)
                {
                    output.ExtendLast(i, i + width);
                }

                for (var k = 0; k < length; k++)
                {
                    output.Push(chars[offset + k], classes[offset + k], i, i + width);
                }
            }
            else if (!UnicodeFold.IsDefaultIgnorable(cp))
            {
                // Planes 3–16 hold no compatibility or confusable mappings; keep the code point as it is.
                var foldClass = UnicodeFold.Classify(cp);
                output.Push(text[i], foldClass, i, i + width);
                output.Push(text[i + 1], foldClass, i, i + width);
            }

            i += width;
        }

        return i;
    }

    /// <summary>Normalises a lexicon pattern exactly as text is normalised; the result is what the matcher looks for.</summary>
    public static string NormalizePattern(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        using var buffer = new NormalizedText();
        Normalize(pattern, buffer);
        return new string(buffer.Chars);
    }

    /// <summary>The letter a leet digit or symbol stands for (itself for anything else).</summary>
    internal static char LeetLetter(char c) => c switch
    {
        '0' => 'o',
        '1' => 'l',
        '2' => 'z',
        '3' => 'e',
        '4' => 'a',
        '5' => 's',
        '6' => 'g',
        '7' => 't',
        '8' => 'b',
        '9' => 'g',
        '@' => 'a',
        '$' => 's',
        '!' => 'l',
        '|' => 'l',
        '+' => 't',
        '\u20AC' => 'e',
        _ => c,
    };
}
