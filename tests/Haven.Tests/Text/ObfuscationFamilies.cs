using System.Globalization;
using System.Text;

namespace Haven.Tests.Text;

/// <summary>
/// The obfuscation families of the kernel's placeholder tests (fullwidth, mathematical, zero-width, bidi, soft hyphen,
/// homoglyphs, leetspeak, separators, repeats, case, accents, emoji gaps), as transformations of any lexicon pattern,
/// so every entry of a real lexicon can be crossed with every family.
/// </summary>
internal static class ObfuscationFamilies
{
    private static readonly Dictionary<char, char> Homoglyphs = new()
    {
        ['a'] = '\u0430',
        ['e'] = '\u0435',
        ['o'] = '\u043E',
        ['c'] = '\u0441',
        ['p'] = '\u0440',
        ['x'] = '\u0445',
        ['s'] = '\u0455',
        ['i'] = '\u0456',
    };

    private static readonly Dictionary<char, char> LeetDigits = new() { ['o'] = '0', ['e'] = '3', ['a'] = '4', ['i'] = '1', ['s'] = '5', ['t'] = '7' };

    private static readonly Dictionary<char, char> LeetSymbols = new() { ['a'] = '@', ['s'] = '$', ['i'] = '!', ['l'] = '|', ['t'] = '+' };

    /// <summary>Every family that applies to <paramref name="pattern"/>: (family name, obfuscated text).</summary>
    /// <remarks>
    /// Separating every character (dots, spaces) is skipped for patterns with digits: a lone digit between spaced-out
    /// letters reads as a leet letter by design (src/Haven.Kernels/Text/README.md), so "r u / 1 8" is not "ru/18";
    /// and for phrases whose words meet on the same letter (see <see cref="WordsMeetOnTheSameLetter"/>).
    /// </remarks>
    public static IEnumerable<(string Family, string Text)> Of(string pattern)
    {
        yield return ("plain", pattern);
        yield return ("upper case", pattern.ToUpperInvariant());
        yield return ("mixed case", string.Concat(pattern.Select((c, i) => i % 2 == 0 ? char.ToUpperInvariant(c) : c)));
        yield return ("fullwidth", string.Concat(pattern.Select(c => c is > ' ' and <= '~' ? (char)(c - 0x21 + 0xFF01) : c)));
        yield return ("math bold", MapLetters(pattern, c => char.ConvertFromUtf32((char.IsAsciiLetterLower(c) ? 0x1D41A : 0x1D400) + char.ToLowerInvariant(c) - 'a')));
        yield return ("zero width", Between(pattern, "\u200B"));
        yield return ("word joiner", Between(pattern, "\u2060"));
        yield return ("soft hyphen", InsertAfterFirstLetter(pattern, "\u00AD"));
        yield return ("bidi", InsertAfterFirstLetter(pattern, "\u202E") is var b && b.Length > 2 ? b[..^1] + "\u202C" + b[^1] : b);
        yield return ("homoglyphs", string.Concat(pattern.Select(c => Homoglyphs.GetValueOrDefault(c, c))));
        yield return ("leet digits", Leet(pattern, LeetDigits, edges: true));
        yield return ("leet symbols", Leet(pattern, LeetSymbols, edges: false));
        if (!pattern.Any(char.IsAsciiDigit) && !WordsMeetOnTheSameLetter(pattern))
        {
            yield return ("dots", Between(pattern, "."));
            yield return ("spaces", Between(pattern, " "));
        }

        if (pattern.Contains(' ', StringComparison.Ordinal))
        {
            yield return ("underscores", pattern.Replace(' ', '_'));
            yield return ("hyphens", pattern.Replace(' ', '-'));
            if (!WordsMeetOnTheSameLetter(pattern))
            {
                yield return ("joined", pattern.Replace(" ", string.Empty, StringComparison.Ordinal));
            }

            yield return ("wide gaps", pattern.Replace(" ", " .. ", StringComparison.Ordinal));
        }

        // 'm' folds to "rn" (confusables.txt), and "rnrnrn" is not collapsed: a known limit (kernel README), left out here.
        yield return ("repeats", string.Concat(pattern.Select(c => char.IsAsciiLetter(c) && c != 'm' ? new string(c, 3) : c.ToString())));
        yield return ("accents", string.Concat(pattern.Select(c => "aeiou".Contains(c, StringComparison.Ordinal) ? c + "\u0301" : c.ToString())));
        yield return ("emoji gap", InsertAfterFirstLetter(pattern, "\U0001F600"));
    }

    /// <summary>
    /// Whether one word ends with the letter the next begins with ("want to"): joined, the two letters are a repeat
    /// and collapse; spelled out letter by letter, the two single letters across the gap collapse into one by design
    /// (spaced-out repeats). Either way the letters no longer spell the entry; it still meets the words written apart.
    /// </summary>
    private static bool WordsMeetOnTheSameLetter(string pattern)
    {
        var words = pattern.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return words.Zip(words.Skip(1)).Any(p => char.ToLowerInvariant(p.First[^1]) == char.ToLowerInvariant(p.Second[0]));
    }

    private static string MapLetters(string pattern, Func<char, string> map) =>
        string.Concat(pattern.Select(c => char.IsAsciiLetter(c) ? map(c) : c.ToString()));

    /// <summary>Inserts <paramref name="gap"/> between two adjacent letters or digits.</summary>
    private static string Between(string pattern, string gap)
    {
        var text = new StringBuilder();
        for (var i = 0; i < pattern.Length; i++)
        {
            text.Append(pattern[i]);
            if (i + 1 < pattern.Length && char.IsAsciiLetterOrDigit(pattern[i]) && char.IsAsciiLetterOrDigit(pattern[i + 1]))
            {
                text.Append(gap);
            }
        }

        return text.ToString();
    }

    private static string InsertAfterFirstLetter(string pattern, string insert)
    {
        var first = pattern.IndexOfAny([.. "abcdefghijklmnopqrstuvwxyz"]);
        return first < 0 || first + 1 >= pattern.Length || !char.IsAsciiLetter(pattern[first + 1]) ? pattern : pattern.Insert(first + 1, insert);
    }

    /// <summary>
    /// Leetspeak inside each word, keeping what the normaliser needs to read it as leet: a letter left in every word,
    /// at most <c>MaxLeetDigitRun</c> digits in a row, and symbols (<paramref name="edges"/> false) strictly inside a word.
    /// </summary>
    private static string Leet(string pattern, Dictionary<char, char> map, bool edges)
    {
        var text = pattern.ToCharArray();
        var start = 0;
        while (start < text.Length)
        {
            if (!char.IsAsciiLetterOrDigit(text[start]))
            {
                start++;
                continue;
            }

            var end = start;
            while (end < text.Length && char.IsAsciiLetterOrDigit(text[end]))
            {
                end++;
            }

            var lettersLeft = text.AsSpan(start, end - start).ToArray().Count(char.IsAsciiLetter);
            var run = 0;
            for (var i = start; i < end; i++)
            {
                var inside = i > start && i < end - 1;
                if (map.TryGetValue(text[i], out var leet) && (edges || inside) && lettersLeft > 1 && run < Kernels.Text.TextNormalizer.MaxLeetDigitRun)
                {
                    text[i] = leet;
                    lettersLeft--;
                    run = char.IsAsciiDigit(leet) ? run + 1 : 0;
                }
                else
                {
                    run = char.IsAsciiDigit(text[i]) ? run + 1 : 0;
                }
            }

            start = end;
        }

        return new string(text);
    }

    /// <summary>A name for a family and entry, for assertion messages.</summary>
    public static string Describe(string family, string text) =>
        $"{family}: \"{text}\" (escaped {string.Concat(text.Select(c => ((int)c).ToString("X4", CultureInfo.InvariantCulture)).Select(h => "\\u" + h))})";
}
