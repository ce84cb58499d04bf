using System.Globalization;
using System.Text;

namespace Haven.Kernels.Text;

/// <summary>
/// The per-code-point half of <see cref="TextNormalizer"/>: compatibility decomposition, invisible-character removal,
/// the UTS #39 confusable skeleton and case folding, precomputed once for every code point below
/// <see cref="TableLimit"/> into flat arrays so the scan loop is two array reads per character.
/// </summary>
/// <remarks>
/// <para>
/// Why per code point and not <see cref="string.Normalize(NormalizationForm)"/>: the build runs with
/// <c>InvariantGlobalization</c>, where the runtime's normaliser is a no-op, and a per-code-point table is also what
/// keeps the offset map exact. NFKC followed by the skeleton's NFD is NFKD; NFKD is per-code-point full decomposition
/// followed by canonical reordering of combining marks, and every nonspacing mark is dropped below, so decomposing each
/// code point on its own gives the same letters as normalising the whole string. Hangul syllables are left composed
/// (they have no compatibility variants worth folding and lexicon entries pass through the same table).
/// </para>
/// <para>
/// Data: <c>Data/UnicodeDecompositions.txt</c> (field 5 of UnicodeData.txt) and <c>Data/confusables.txt</c>, both
/// Unicode 15.0.0; see <c>Data/README.md</c>.
/// </para>
/// </remarks>
internal static class UnicodeFold
{
    /// <summary>Code points at or above this are classified on the fly (no decomposition or skeleton data there matters).</summary>
    internal const int TableLimit = 0x30000;

    private const int LengthShift = 24;
    private const int OffsetMask = (1 << LengthShift) - 1;

    // Packed per code point: offset into the pools (low 24 bits) and folded length (high 8 bits).
    private static readonly int[] Entries;
    private static readonly char[] PoolChars;
    private static readonly FoldClass[] PoolClasses;
    private static readonly int[] AsciiTable;
    private static readonly int[] AsciiRunTable;

    static UnicodeFold()
    {
        var decompositions = LoadMappings("UnicodeDecompositions.txt", decompositionFormat: true);
        var skeleton = LoadMappings("confusables.txt", decompositionFormat: false);
        var builder = new TableBuilder(decompositions, skeleton);
        Entries = new int[TableLimit];
        var chars = new List<char>(TableLimit);
        var classes = new List<FoldClass>(TableLimit);
        var folded = new List<(int CodePoint, FoldClass Class)>();
        var utf16 = new char[2];
        for (var cp = 0; cp < TableLimit; cp++)
        {
            if (cp is >= 0xD800 and <= 0xDFFF)
            {
                // Lone surrogates never reach the table (the scanner decodes pairs first); fold them to a separator.
                folded.Clear();
                folded.Add((' ', FoldClass.Separator));
            }
            else
            {
                folded.Clear();
                builder.Fold(cp, folded);
            }

            var start = chars.Count;
            foreach (var (codePoint, foldClass) in folded)
            {
                var written = new Rune(codePoint).EncodeToUtf16(utf16);
                for (var k = 0; k < written; k++)
                {
                    chars.Add(utf16[k]);
                    classes.Add(foldClass);
                }
            }

            var length = chars.Count - start;
            // A dropped combining mark keeps offset 1 so the scanner can widen the previous letter's span over it.
            Entries[cp] = length == 0 && IsCombiningMark(cp) ? AttachEntry : start | (length << LengthShift);
        }

        PoolChars = [.. chars];
        PoolClasses = [.. classes];
        AsciiTable = new int[128];
        AsciiRunTable = new int[128];
        for (var cp = 0; cp < 128; cp++)
        {
            var entry = Entries[cp];
            var offset = OffsetOf(entry);
            if (LengthOf(entry) == 1)
            {
                AsciiTable[cp] = PoolChars[offset] | ((int)PoolClasses[offset] << 16);
            }

            AsciiRunTable[cp] = (LengthOf(entry), LengthOf(entry) > 0 ? PoolClasses[offset] : default) switch
            {
                (1, FoldClass.Letter) => PoolChars[offset] | AsciiRunLetter,
                (1, FoldClass.Separator or FoldClass.Space) => AsciiRunGap,
                (2, FoldClass.Letter) when PoolClasses[offset + 1] == FoldClass.Letter && PoolChars[offset] < 128 && PoolChars[offset + 1] < 128
                    => PoolChars[offset] | (PoolChars[offset + 1] << 8) | AsciiRunLetterPair,
                _ => 0,
            };
        }
    }

    /// <summary><see cref="AsciiRun"/> kind: one letter, the folded character in the low 16 bits.</summary>
    internal const int AsciiRunLetter = 1 << 16;

    /// <summary><see cref="AsciiRun"/> kind: a separator or space.</summary>
    internal const int AsciiRunGap = 2 << 16;

    /// <summary><see cref="AsciiRun"/> kind: two ASCII letters ('m' → "rn"), the first in bits 0–7, the second in bits 8–15.</summary>
    internal const int AsciiRunLetterPair = 3 << 16;

    /// <summary>Mask of the kind bits of an <see cref="AsciiRun"/> entry.</summary>
    internal const int AsciiRunKindMask = 3 << 16;

    /// <summary>Entry of a dropped combining mark: no folded characters, and the original span of the letter before it grows over it.</summary>
    internal const int AttachEntry = 1;

    /// <summary>Packed entries (offset into <see cref="Chars"/> in the low 24 bits, length above) for code points below <see cref="TableLimit"/>.</summary>
    internal static int[] EntriesArray => Entries;

    /// <summary>ASCII fast path: folded character | class &lt;&lt; 16 when a code point folds to exactly one character, else 0.</summary>
    internal static int[] Ascii => AsciiTable;

    /// <summary>
    /// The fused ASCII run of <see cref="NormalizedText"/>: per code point below 128 a kind (<see cref="AsciiRunLetter"/>,
    /// <see cref="AsciiRunLetterPair"/>, <see cref="AsciiRunGap"/>) with its folded letters, or 0 for what the general
    /// path must see (digits, leet symbols, '#').
    /// </summary>
    internal static int[] AsciiRun => AsciiRunTable;

    internal static int OffsetOf(int entry) => entry & OffsetMask;

    internal static int LengthOf(int entry) => (int)((uint)entry >> LengthShift);

    internal static char[] Chars => PoolChars;

    internal static FoldClass[] Classes => PoolClasses;

    /// <summary>
    /// Default_Ignorable_Code_Point from DerivedCoreProperties.txt (Unicode 15.0.0): soft hyphen, combining grapheme
    /// joiner, Arabic letter mark, Hangul fillers, Khmer inherent vowels, Mongolian selectors and vowel separator,
    /// zero-width space/joiners and LRM/RLM (200B–200F), bidi embeddings and overrides (202A–202E), word joiner and
    /// invisible operators (2060–2064), bidi isolates and deprecated format controls (2066–206F), variation selectors
    /// (FE00–FE0F, E0100–E01EF), BOM/ZWNBSP, tags (E0000–E0FFF) and the reserved code points the property includes.
    /// These render as nothing, so they are removed without leaving a word boundary.
    /// </summary>
    internal static bool IsDefaultIgnorable(int cp) => cp switch
    {
        0x00AD or 0x034F or 0x061C or 0x3164 or 0xFEFF or 0xFFA0 => true,
        >= 0x115F and <= 0x1160 => true,
        >= 0x17B4 and <= 0x17B5 => true,
        >= 0x180B and <= 0x180F => true,
        >= 0x200B and <= 0x200F => true,
        >= 0x202A and <= 0x202E => true,
        >= 0x2060 and <= 0x206F => true,
        >= 0xFE00 and <= 0xFE0F => true,
        >= 0xFFF0 and <= 0xFFF8 => true,
        >= 0x1BCA0 and <= 0x1BCA3 => true,
        >= 0x1D173 and <= 0x1D17A => true,
        >= 0xE0000 and <= 0xE0FFF => true,
        _ => false,
    };

    private static bool IsCombiningMark(int cp) =>
        CharUnicodeInfo.GetUnicodeCategory(cp) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark;

    /// <summary>Class of a code point with no folding data (at or above <see cref="TableLimit"/>, or a folded result).</summary>
    internal static FoldClass Classify(int cp)
    {
        if (cp is >= '0' and <= '9')
        {
            return FoldClass.Digit;
        }

        if (cp is '@' or '$' or '!' or '|' or '+' or 0x20AC)
        {
            return FoldClass.LeetSymbol;
        }

        if (cp == '#')
        {
            return FoldClass.Hash;
        }

        return CharUnicodeInfo.GetUnicodeCategory(cp) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.SpacingCombiningMark
                or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => FoldClass.Letter,
            UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                or UnicodeCategory.Control => FoldClass.Space,
            _ => FoldClass.Separator,
        };
    }

    private static Dictionary<int, int[]> LoadMappings(string resource, bool decompositionFormat)
    {
        using var stream = typeof(UnicodeFold).Assembly.GetManifestResourceStream("Haven.Kernels.Text.Data." + resource)
            ?? throw new InvalidOperationException($"Embedded resource {resource} is missing from Haven.Kernels.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var map = new Dictionary<int, int[]>();
        while (reader.ReadLine() is { } line)
        {
            var hash = line.IndexOf('#', StringComparison.Ordinal);
            var data = (hash >= 0 ? line.AsSpan(0, hash) : line.AsSpan()).Trim();
            if (data.IsEmpty)
            {
                continue;
            }

            // UnicodeDecompositions.txt: "00BD;<fraction> 0031 2044 0032"; confusables.txt: "0031 ;\t006C ;\tMA".
            var first = data.IndexOf(';');
            var source = int.Parse(data[..first].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var rest = data[(first + 1)..];
            if (!decompositionFormat)
            {
                rest = rest[..rest.IndexOf(';')];
            }

            var targets = new List<int>(4);
            foreach (var range in rest.Split(' '))
            {
                var field = rest[range].Trim();
                if (field.IsEmpty || field[0] == '<')
                {
                    continue;
                }

                targets.Add(int.Parse(field, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            }

            map[source] = [.. targets];
        }

        return map;
    }

    /// <summary>The build-time pipeline for one code point; runs once per code point at type initialisation.</summary>
    private sealed class TableBuilder(Dictionary<int, int[]> decompositions, Dictionary<int, int[]> skeleton)
    {
        private readonly List<int> _first = [];
        private readonly List<int> _second = [];

        public void Fold(int cp, List<(int CodePoint, FoldClass Class)> output)
        {
            if (IsDefaultIgnorable(cp))
            {
                return;
            }

            var decomposed = new List<int>(4);
            Decompose(cp, decomposed);
            foreach (var d in decomposed)
            {
                var direct = Classify(d);
                if (direct is FoldClass.Digit or FoldClass.LeetSymbol or FoldClass.Hash)
                {
                    // Leet characters are judged before the skeleton: confusables.txt sends '3' to 'Ʒ' and '|' to 'l',
                    // but in a Latin lexicon '3' means 'e', and the token pass decides whether a symbol is a letter.
                    output.Add((d, direct));
                    continue;
                }

                // skeleton → lower case → skeleton → lower case: UTS #39 skeletons are case-sensitive ('I' → 'l', but
                // Cyrillic 'в' has no Latin prototype while 'В' → 'B'), so both cases meet in the second round.
                _first.Clear();
                MapSkeleton(d, _first);
                foreach (var e in _first)
                {
                    _second.Clear();
                    MapSkeleton(Lower(e), _second);
                    foreach (var f in _second)
                    {
                        var folded = Lower(f);
                        // 'i' and 'l' are one letter: 'I' is confusable with 'l', '1' and '!' stand for either.
                        if (folded == 'i')
                        {
                            folded = 'l';
                        }

                        output.Add((folded, Classify(folded)));
                    }
                }
            }
        }

        private static int Lower(int cp) => Rune.ToLowerInvariant(new Rune(cp)).Value;

        private void MapSkeleton(int cp, List<int> output)
        {
            if (!skeleton.TryGetValue(cp, out var prototype))
            {
                if (!IsDropped(cp))
                {
                    output.Add(cp);
                }

                return;
            }

            var decomposed = new List<int>(4);
            foreach (var p in prototype)
            {
                decomposed.Clear();
                Decompose(p, decomposed);
                foreach (var d in decomposed)
                {
                    if (!IsDropped(d))
                    {
                        output.Add(d);
                    }
                }
            }
        }

        /// <summary>Full compatibility decomposition (NFKD without reordering), nonspacing marks removed.</summary>
        private void Decompose(int cp, List<int> output)
        {
            if (decompositions.TryGetValue(cp, out var parts))
            {
                foreach (var part in parts)
                {
                    Decompose(part, output);
                }

                return;
            }

            if (!IsDropped(cp))
            {
                output.Add(cp);
            }
        }

        // Marks are dropped so accents and "zalgo" stacks fold to their base letter; format characters render as nothing.
        private static bool IsDropped(int cp) =>
            IsDefaultIgnorable(cp)
            || CharUnicodeInfo.GetUnicodeCategory(cp) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format;
    }
}
