using System.Runtime.CompilerServices;

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
    private readonly int _maxPatternLength;

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

    /// <summary>Code units of text normalised per window by <see cref="Scan(ReadOnlySpan{char}, List{LexiconHit})"/>: ≈ 11 bytes of normalised output per unit, so a window stays in L2.</summary>
    internal const int WindowChars = 8192;

    // Below this many characters (beyond the warm-up) a range is walked as one chain.
    private const int MinimumSplitChars = 256;

    [ThreadStatic]
    private static NormalizedText? _scratch;

    [ThreadStatic]
    private static List<LexiconHit>? _secondHits;

    private LexiconMatcher(LexiconEntry[] entries, int[] patternLengths, ushort[] symbolOf, int alphabetSize, int[] delta, int[] outputStart, int[] outputEntries, int[] dictionaryLink)
    {
        _entries = entries;
        _patternLengths = patternLengths;
        _maxPatternLength = patternLengths.Length == 0 ? 0 : patternLengths.Max();
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

    /// <summary>
    /// Normalises <paramref name="text"/> and appends every hit to <paramref name="hits"/>, a window of
    /// <see cref="WindowChars"/> code units at a time: each window is folded into a per-thread buffer and walked while
    /// it is still in cache, the automaton state carries over, and the last few normalised characters (those that can
    /// still change, and those a hit ending later may start in) stay for the next window. Same hits, in the same order,
    /// as normalising the whole text first and calling <see cref="Scan(NormalizedText, List{LexiconHit})"/>.
    /// </summary>
    public void Scan(ReadOnlySpan<char> text, List<LexiconHit> hits)
    {
        ArgumentNullException.ThrowIfNull(hits);
        var window = _scratch ??= new NormalizedText();
        window.Reset(Math.Min(text.Length, WindowChars) + 16);
        var state = 0;
        var walked = 0;
        var position = 0;
        while (true)
        {
            position = TextNormalizer.NormalizeRange(text, position, Math.Min(text.Length, position + WindowChars), window);
            var last = position >= text.Length;
            if (last)
            {
                window.Finish();
            }

            // A hit ending at i needs the word-start flag of i + 1, so walk only up to the settled characters.
            var ready = last ? window.Length : window.Length - NormalizedText.UnsettledChars - 1;
            if (ready > walked)
            {
                state = Walk(window, walked, ready, state, hits);
                walked = ready;
            }

            if (last)
            {
                return;
            }

            var discard = walked - _maxPatternLength;
            if (discard > 0)
            {
                window.DiscardPrefix(discard);
                walked -= discard;
            }
        }
    }

    /// <summary>Appends every hit in already normalised text to <paramref name="hits"/>; spans refer to the original text.</summary>
    public void Scan(NormalizedText normalized, List<LexiconHit> hits)
    {
        ArgumentNullException.ThrowIfNull(normalized);
        ArgumentNullException.ThrowIfNull(hits);
        Walk(normalized, 0, normalized.Length, 0, hits);
    }

    /// <summary>Runs the automaton from premultiplied <paramref name="state"/> over normalised characters [from, to); returns the state reached.</summary>
    /// <remarks>
    /// One walk is a chain of dependent table reads, so its speed is the load latency. A long range is walked as two
    /// interleaved chains instead: the second starts at the root <see cref="_maxPatternLength"/> characters before its
    /// half, which brings it to the true state (an automaton state is the longest suffix of the text read that is a
    /// prefix of a pattern, never longer than the longest pattern), and it reports only from its half on. Its hits are
    /// kept aside and appended after the first half's, so hits stay in order of where they end. The loops themselves
    /// are in <see cref="RunOne"/> and <see cref="RunTwo"/>, which make no calls, so every variable stays in a register.
    /// </remarks>
    private unsafe int Walk(NormalizedText normalized, int from, int to, int state, List<LexiconHit> hits)
    {
        fixed (int* delta = _delta)
        fixed (ushort* symbolOf = _symbolOf)
        fixed (char* chars = normalized.Chars)
        {
            var warmUp = _maxPatternLength;
            var i = from;
            if (to - from >= (4 * warmUp) + MinimumSplitChars)
            {
                // First chain [from, half), second [half - warmUp, half - warmUp + steps): the same number of steps each.
                var steps = (to - from + warmUp) / 2;
                var half = from + steps;
                var second = 0;
                var secondHits = _secondHits ??= [];
                secondHits.Clear();
                for (var k = 0; ; k++)
                {
                    k += RunTwo(delta, symbolOf, chars + from + k, chars + half - warmUp + k, steps - k, ref state, ref second);
                    if (k == steps)
                    {
                        break;
                    }

                    // Step k reports in one chain or both.
                    var next = delta[state + symbolOf[chars[from + k]]];
                    var nextSecond = delta[second + symbolOf[chars[half - warmUp + k]]];
                    if (next < 0)
                    {
                        next = ~next;
                        Report(next / _alphabetSize, from + k, normalized, hits);
                    }

                    if (nextSecond < 0)
                    {
                        nextSecond = ~nextSecond;
                        if (half - warmUp + k >= half)
                        {
                            Report(nextSecond / _alphabetSize, half - warmUp + k, normalized, secondHits);
                        }
                    }

                    state = next;
                    second = nextSecond;
                }

                // The second chain ends one short of `to` when the lengths are odd; the single loop takes the rest.
                hits.AddRange(secondHits);
                state = second;
                i = half - warmUp + steps;
            }

            while (i < to)
            {
                i += RunOne(delta, symbolOf, chars + i, to - i, ref state);
                if (i < to)
                {
                    var next = ~delta[state + symbolOf[chars[i]]];
                    Report(next / _alphabetSize, i, normalized, hits);
                    state = next;
                    i++;
                }
            }

            return state;
        }
    }

    /// <summary>
    /// Steps one chain over at most <paramref name="count"/> characters and stops before the first step whose target
    /// reports; returns the steps taken. Pointer reads: every symbol is below the alphabet size and every premultiplied
    /// state plus symbol lies inside the table by construction, and the caller bounds <paramref name="count"/>.
    /// </summary>
    private static unsafe int RunOne(int* delta, ushort* symbolOf, char* text, int count, ref int state)
    {
        var s = state;
        var k = 0;
        for (; k < count; k++)
        {
            var next = delta[s + symbolOf[text[k]]];
            if (next < 0)
            {
                break;
            }

            s = next;
        }

        state = s;
        return k;
    }

    /// <summary>Two independent chains in step (their loads overlap); stops before the first step where either target reports.</summary>
    private static unsafe int RunTwo(int* delta, ushort* symbolOf, char* first, char* second, int count, ref int firstState, ref int secondState)
    {
        var a = firstState;
        var b = secondState;
        var k = 0;
        for (; k < count; k++)
        {
            var nextA = delta[a + symbolOf[first[k]]];
            var nextB = delta[b + symbolOf[second[k]]];
            if ((nextA | nextB) < 0)
            {
                break;
            }

            a = nextA;
            b = nextB;
        }

        firstState = a;
        secondState = b;
        return k;
    }

    // Kept out of line: inlined, it takes the registers the walk loops need (rare: only where a state may end an entry).
    [MethodImpl(MethodImplOptions.NoInlining)]
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
