using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Haven.Kernels.Text;

/// <summary>
/// Finds every occurrence of every lexicon entry in one pass over normalised text: an Aho–Corasick automaton compiled
/// to a dense transition table (one array read per character), built once and immutable, so any number of threads may
/// scan with it at once; rebuild and swap the reference when the lexicon changes.
/// </summary>
/// <remarks>
/// <para>
/// Entries are normalised with <see cref="TextNormalizer.NormalizePattern"/>, so they meet text exactly as folded.
/// Separators are gone from normalised text, so a phrase entry "lantern club" is the letters "lanternclub" and also
/// meets "lantern-club" and "lanternclub"; whole-word entries (the default) need a word boundary at both ends of the
/// hit only. A hashtag entry "#bluefinch" needs the '#' in the text ("#blue_finch", "#BlueFinch", "#b1uefinch");
/// a plain entry "bluefinch" also meets inside a hashtag, because the '#' is a word boundary.
/// </para>
/// <para>
/// Hits come in order of where they end in the normalised text; among hits ending at the same place, longer entries
/// come first, and equal patterns in entry order.
/// </para>
/// </remarks>
public sealed class LexiconMatcher
{
    private readonly LexiconEntry[] _entries;
    private readonly int[] _patternLengths;

    // Character → symbol; symbol 0 is every character no pattern uses, and leads back to the root.
    private readonly ushort[] _symbolOf;
    private readonly int _alphabetSize;

    // Row-major transitions, targets premultiplied by the alphabet size; a target is stored complemented (negative)
    // when that state or a state on its suffix chain ends an entry, so the scan loop tests one sign per character.
    private readonly int[] _delta;

    // Per state: entries ending exactly there (range in _outputEntries), and the next suffix state that ends any.
    private readonly int[] _outputStart;
    private readonly int[] _outputEntries;
    private readonly int[] _dictionaryLink;

    [ThreadStatic]
    private static NormalizedText? _scratch;

    private LexiconMatcher(LexiconEntry[] entries, int[] patternLengths, ushort[] symbolOf, int alphabetSize, int[] delta, int[] outputStart, int[] outputEntries, int[] dictionaryLink)
    {
        _entries = entries;
        _patternLengths = patternLengths;
        _symbolOf = symbolOf;
        _alphabetSize = alphabetSize;
        _delta = delta;
        _outputStart = outputStart;
        _outputEntries = outputEntries;
        _dictionaryLink = dictionaryLink;
    }

    /// <summary>The entries, in the order given to <see cref="Build"/>.</summary>
    public IReadOnlyList<LexiconEntry> Entries => _entries;

    /// <summary>Number of automaton states.</summary>
    public int StateCount => _outputStart.Length - 1;

    /// <summary>Bytes held by the automaton's arrays (entries themselves not counted).</summary>
    public long MemoryBytes =>
        ((long)_delta.Length + _outputStart.Length + _outputEntries.Length + _dictionaryLink.Length + _patternLengths.Length) * sizeof(int)
        + (long)_symbolOf.Length * sizeof(ushort);

    /// <summary>Compiles the automaton.</summary>
    /// <exception cref="ArgumentException">An entry's pattern normalises to nothing (only separators or invisible characters).</exception>
    public static LexiconMatcher Build(IEnumerable<LexiconEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var list = entries.ToArray();
        var patterns = new string[list.Length];
        var symbolOf = new ushort[char.MaxValue + 1];
        var alphabetSize = 1;
        for (var e = 0; e < list.Length; e++)
        {
            ArgumentNullException.ThrowIfNull(list[e], nameof(entries));
            var pattern = TextNormalizer.NormalizePattern(list[e].Pattern);
            if (pattern.Length == 0)
            {
                throw new ArgumentException($"Lexicon entry {list[e].Id} normalises to an empty pattern.", nameof(entries));
            }

            patterns[e] = pattern;
            foreach (var c in pattern)
            {
                if (symbolOf[c] == 0)
                {
                    symbolOf[c] = checked((ushort)alphabetSize++);
                }
            }
        }

        // Trie, straight into the dense table: 0 means "no child yet" (the root is never a child).
        var delta = new int[alphabetSize * 16];
        var stateCount = 1;
        var ends = new List<List<int>?> { null };
        for (var e = 0; e < list.Length; e++)
        {
            var state = 0;
            foreach (var c in patterns[e])
            {
                var slot = (state * alphabetSize) + symbolOf[c];
                if (delta[slot] == 0)
                {
                    if ((stateCount + 1) * alphabetSize > delta.Length)
                    {
                        Array.Resize(ref delta, delta.Length * 2);
                    }

                    delta[slot] = stateCount++;
                    ends.Add(null);
                }

                state = delta[slot];
            }

            (ends[state] ??= []).Add(e);
        }

        Array.Resize(ref delta, stateCount * alphabetSize);

        // Breadth-first: failure links, then every missing transition filled from the failure state's row.
        var fail = new int[stateCount];
        var dictionaryLink = new int[stateCount];
        dictionaryLink[0] = -1;
        var queue = new Queue<int>();
        for (var a = 1; a < alphabetSize; a++)
        {
            var child = delta[a];
            if (child != 0)
            {
                fail[child] = 0;
                dictionaryLink[child] = -1;
                queue.Enqueue(child);
            }
        }

        while (queue.TryDequeue(out var state))
        {
            var row = state * alphabetSize;
            var failRow = fail[state] * alphabetSize;
            for (var a = 1; a < alphabetSize; a++)
            {
                var child = delta[row + a];
                if (child != 0)
                {
                    var childFail = delta[failRow + a];
                    fail[child] = childFail;
                    dictionaryLink[child] = ends[childFail] is not null ? childFail : dictionaryLink[childFail];
                    queue.Enqueue(child);
                }
                else
                {
                    delta[row + a] = delta[failRow + a];
                }
            }
        }

        var outputStart = new int[stateCount + 1];
        var outputEntries = new int[list.Length];
        var written = 0;
        for (var s = 0; s < stateCount; s++)
        {
            outputStart[s] = written;
            if (ends[s] is { } own)
            {
                foreach (var e in own)
                {
                    outputEntries[written++] = e;
                }
            }
        }

        outputStart[stateCount] = written;

        // Premultiply and mark reporting targets (see _delta).
        for (var i = 0; i < delta.Length; i++)
        {
            var target = delta[i];
            var reports = ends[target] is not null || dictionaryLink[target] >= 0;
            delta[i] = reports ? ~(target * alphabetSize) : target * alphabetSize;
        }

        var lengths = Array.ConvertAll(patterns, p => p.Length);
        return new LexiconMatcher(list, lengths, symbolOf, alphabetSize, delta, outputStart, outputEntries, dictionaryLink);
    }

    /// <summary>Normalises <paramref name="text"/> (into a per-thread buffer) and appends every hit to <paramref name="hits"/>.</summary>
    public void Scan(ReadOnlySpan<char> text, List<LexiconHit> hits)
    {
        var scratch = _scratch ??= new NormalizedText();
        TextNormalizer.Normalize(text, scratch);
        Scan(scratch, hits);
    }

    /// <summary>Appends every hit in already normalised text to <paramref name="hits"/>; spans refer to the original text.</summary>
    public void Scan(NormalizedText normalized, List<LexiconHit> hits)
    {
        ArgumentNullException.ThrowIfNull(normalized);
        ArgumentNullException.ThrowIfNull(hits);
        var chars = normalized.Chars;
        // Bounds checks elided by hand: every symbol is < _alphabetSize and every premultiplied state + symbol lies
        // inside _delta by construction; _symbolOf covers every char value.
        ref var delta = ref MemoryMarshal.GetArrayDataReference(_delta);
        ref var symbolOf = ref MemoryMarshal.GetArrayDataReference(_symbolOf);
        var state = 0;
        for (var i = 0; i < chars.Length; i++)
        {
            var next = Unsafe.Add(ref delta, state + Unsafe.Add(ref symbolOf, chars[i]));
            if (next < 0)
            {
                next = ~next;
                Report(next / _alphabetSize, i, normalized, hits);
            }

            state = next;
        }
    }

    private void Report(int state, int end, NormalizedText normalized, List<LexiconHit> hits)
    {
        var starts = normalized.OriginalStarts;
        var ends = normalized.OriginalEnds;
        var wordEnd = normalized.IsWordEnd(end);
        for (var s = _outputStart[state + 1] > _outputStart[state] ? state : _dictionaryLink[state]; s >= 0; s = _dictionaryLink[s])
        {
            for (var k = _outputStart[s]; k < _outputStart[s + 1]; k++)
            {
                var e = _outputEntries[k];
                var start = end - _patternLengths[e] + 1;
                var entry = _entries[e];
                if (entry.Mode == LexiconMatchMode.WholeWord && !(wordEnd && normalized.IsWordStart(start)))
                {
                    continue;
                }

                hits.Add(new LexiconHit(entry.Id, entry.Category, entry.Weight, starts[start], ends[end] - starts[start]));
            }
        }
    }
}
