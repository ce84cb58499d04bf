using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Haven.Kernels.Text;

/// <summary>
/// A reusable buffer holding text after <see cref="TextNormalizer.Normalize"/>: the folded characters, for each of them
/// the span of the original text it came from, and where words begin. Buffers come from <see cref="ArrayPool{T}"/> and
/// are kept between calls, so normalising into the same instance again allocates nothing. Not thread-safe: use one per
/// thread. Dispose to return the buffers.
/// </summary>
public sealed class NormalizedText : IDisposable
{
    private const byte BoundaryFlag = 1;

    private char[] _chars;
    private int[] _starts;
    private int[] _ends;
    private byte[] _flags;
    private int _length;

    // Words are emitted letter by letter as they arrive; only from a word's first digit or leet symbol on is the rest
    // of it buffered here (the "tail"), because what a digit or symbol means depends on what follows it.
    private char[] _tokenChars;
    private FoldClass[] _tokenClasses;
    private int[] _tokenStarts;
    private int[] _tokenEnds;
    private int _tokenLength;

    private int _tokenItems;      // characters of the current word so far, emitted or buffered
    private int _tokenEmitted;    // of which emitted before the tail began
    private bool _tokenHasLetter;
    private bool _gapCollapseCandidate; // the word may be a spaced-out letter repeating the one before the gap

    private bool _boundaryPending;
    private bool _lastWasLetter;
    private bool _previousTokenSingle;
    private int _hashStart;
    private int _hashEnd;

    /// <summary>Creates an empty buffer; it grows to fit the texts normalised into it.</summary>
    public NormalizedText()
    {
        _chars = ArrayPool<char>.Shared.Rent(256);
        _starts = ArrayPool<int>.Shared.Rent(256);
        _ends = ArrayPool<int>.Shared.Rent(256);
        _flags = ArrayPool<byte>.Shared.Rent(256);
        _tokenChars = ArrayPool<char>.Shared.Rent(64);
        _tokenClasses = ArrayPool<FoldClass>.Shared.Rent(64);
        _tokenStarts = ArrayPool<int>.Shared.Rent(64);
        _tokenEnds = ArrayPool<int>.Shared.Rent(64);
    }

    /// <summary>Number of normalised characters.</summary>
    public int Length => _length;

    /// <summary>The normalised characters.</summary>
    public ReadOnlySpan<char> Chars => _chars.AsSpan(0, _length);

    /// <summary>For normalised character i, the index in the original text of the first UTF-16 unit it came from.</summary>
    public ReadOnlySpan<int> OriginalStarts => _starts.AsSpan(0, _length);

    /// <summary>
    /// For normalised character i, the index just past the last original UTF-16 unit it came from (a collapsed run of
    /// repeated letters is covered whole by its one remaining letter).
    /// </summary>
    public ReadOnlySpan<int> OriginalEnds => _ends.AsSpan(0, _length);

    /// <summary>Whether a word starts at normalised character <paramref name="index"/>: it is first, or a separator, hashtag mark or number edge preceded it.</summary>
    public bool IsWordStart(int index) => (uint)index < (uint)_length && (_flags[index] & BoundaryFlag) != 0;

    /// <summary>Whether a word ends after normalised character <paramref name="index"/> (the text ends, or a word starts next).</summary>
    public bool IsWordEnd(int index) => index + 1 >= _length || (_flags[index + 1] & BoundaryFlag) != 0;

    internal byte[] FlagsArray => _flags;

    /// <inheritdoc />
    public void Dispose()
    {
        ReturnAll();
        _chars = [];
        _starts = [];
        _ends = [];
        _flags = [];
        _tokenChars = [];
        _tokenClasses = [];
        _tokenStarts = [];
        _tokenEnds = [];
    }

    /// <summary>
    /// How many of the last normalised characters may still change while text is being fed: the last one may be removed
    /// (a spaced-out letter repeating the one before the gap) or widened (repeats, combining marks), and the one before
    /// it may be widened over a removed one. Everything before them is final.
    /// </summary>
    internal const int UnsettledChars = 2;

    /// <summary>
    /// Drops the first <paramref name="count"/> normalised characters, keeping at least <see cref="UnsettledChars"/> + 1,
    /// so a long text can be scanned through a window that stays in cache. Indexes shift down by
    /// <paramref name="count"/>; original spans are unchanged.
    /// </summary>
    internal void DiscardPrefix(int count)
    {
        var keep = _length - count;
        if (count <= 0 || keep <= UnsettledChars)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "Only settled characters can be discarded.");
        }

        _chars.AsSpan(count, keep).CopyTo(_chars);
        _starts.AsSpan(count, keep).CopyTo(_starts);
        _ends.AsSpan(count, keep).CopyTo(_ends);
        _flags.AsSpan(count, keep).CopyTo(_flags);
        _length = keep;
    }

    internal void Reset(int expectedLength)
    {
        if (_chars.Length < expectedLength)
        {
            Grow(expectedLength);
        }

        _length = 0;
        _tokenLength = 0;
        _tokenItems = 0;
        _tokenEmitted = 0;
        _tokenHasLetter = false;
        _gapCollapseCandidate = false;
        _boundaryPending = true;
        _lastWasLetter = false;
        _previousTokenSingle = false;
        _hashStart = -1;
    }

    /// <summary>Feeds one folded character (with the original span of its code point) to the token pass.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Push(char c, FoldClass foldClass, int start, int end)
    {
        if (foldClass == FoldClass.Letter && _tokenLength == 0)
        {
            PushLetter(c, start, end);
            return;
        }

        PushSlow(c, foldClass, start, end);
    }

    /// <summary>Whether the current word has a buffered tail (letters must then queue behind it).</summary>
    internal bool HasTail => _tokenLength != 0;

    /// <summary>
    /// Fast path for the common case, plain ASCII words and the gaps between them, with the state in locals: letters
    /// (and 'm', which folds to two), separators and spaces, with word ends resolved inline. Same result as
    /// <see cref="Push"/> and <see cref="PushGap"/> per code unit (the streaming oracle test holds both to the
    /// reference); stops at anything else (digits, leet symbols, '#', non-ASCII) and returns the index of the first code
    /// unit not consumed. Call only without a buffered tail (<see cref="HasTail"/>).
    /// </summary>
    internal int PushAsciiRun(ReadOnlySpan<char> text, int i, int[] runTable)
    {
        // At most two folded characters per code unit ('m' → "rn").
        if (_chars.Length < _length + (2 * (text.Length - i)))
        {
            Grow(_length + (2 * (text.Length - i)));
        }

        if (_hashStart >= 0 && _tokenItems == 0 && (runTable[text[i]] & UnicodeFold.AsciiRunKindMask) != UnicodeFold.AsciiRunGap)
        {
            StartToken();
        }

        // Bounds checks elided by hand: capacity was ensured above for two outputs per remaining input unit, the table
        // has 128 entries and c < 128, and a collapse only reads back once a letter was written.
        ref var chars = ref MemoryMarshal.GetArrayDataReference(_chars);
        ref var starts = ref MemoryMarshal.GetArrayDataReference(_starts);
        ref var ends = ref MemoryMarshal.GetArrayDataReference(_ends);
        ref var flags = ref MemoryMarshal.GetArrayDataReference(_flags);
        ref var table = ref MemoryMarshal.GetArrayDataReference(runTable);
        var length = _length;
        var boundary = _boundaryPending;
        var last = _lastWasLetter && length > 0 ? _chars[length - 1] : '\0';
        var items = _tokenItems;
        var gapCollapse = _gapCollapseCandidate;
        var previousSingle = _previousTokenSingle;
        var sawGap = false;
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (c >= 128)
            {
                break;
            }

            var folded = Unsafe.Add(ref table, c);
            var kind = folded & UnicodeFold.AsciiRunKindMask;
            if (kind == UnicodeFold.AsciiRunGap)
            {
                if (items != 0)
                {
                    // FlushToken for a word without a tail: a spaced-out single letter repeating the one before the gap collapses.
                    var single = items == 1;
                    if (single && gapCollapse && length >= 2 && Unsafe.Add(ref chars, length - 1) == Unsafe.Add(ref chars, length - 2))
                    {
                        Unsafe.Add(ref ends, length - 2) = Unsafe.Add(ref ends, length - 1);
                        length--;
                    }

                    previousSingle = single;
                    items = 0;
                    gapCollapse = false;
                }

                boundary = true;
                sawGap = true;
                continue;
            }

            if (kind == 0)
            {
                break;
            }

            if (items == 0)
            {
                // StartToken (no hashtag mark is pending here: a gap clears it, and one pending at entry was emitted above).
                gapCollapse = previousSingle && last != '\0' && boundary && length > 0;
            }

            var f = (char)(folded & 0xFFFF);
            if (kind == UnicodeFold.AsciiRunLetterPair)
            {
                f = (char)(folded & 0xFF);
                items++;
                if (f != last || boundary)
                {
                    Unsafe.Add(ref chars, length) = f;
                    Unsafe.Add(ref starts, length) = i;
                    Unsafe.Add(ref flags, length) = boundary ? BoundaryFlag : (byte)0;
                    length++;
                    boundary = false;
                }

                Unsafe.Add(ref ends, length - 1) = i + 1;
                last = f;
                f = (char)((folded >> 8) & 0xFF);
            }

            items++;
            if (f == last && !boundary)
            {
                Unsafe.Add(ref ends, length - 1) = i + 1;
                continue;
            }

            Unsafe.Add(ref chars, length) = f;
            Unsafe.Add(ref starts, length) = i;
            Unsafe.Add(ref ends, length) = i + 1;
            Unsafe.Add(ref flags, length) = boundary ? BoundaryFlag : (byte)0;
            length++;
            boundary = false;
            last = f;
        }

        _length = length;
        _boundaryPending = boundary;
        _lastWasLetter = last != '\0';
        _tokenItems = items;
        _tokenEmitted = items;
        _tokenHasLetter = items != 0;
        _gapCollapseCandidate = gapCollapse;
        _previousTokenSingle = previousSingle;
        if (sawGap)
        {
            _hashStart = -1;
        }

        return i;
    }

    /// <summary>A space or punctuation character: ends the current word and leaves a boundary (same as <see cref="Push"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void PushGap()
    {
        if (_tokenItems != 0)
        {
            FlushToken();
        }

        _boundaryPending = true;
        _hashStart = -1;
    }

    /// <summary>A letter while the current word has no tail: straight to the output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void PushLetter(char c, int start, int end)
    {
        if (_tokenItems == 0)
        {
            StartToken();
        }

        _tokenItems++;
        _tokenEmitted++;
        _tokenHasLetter = true;
        Emit(c, start, end, isLetter: true);
    }

    private void PushSlow(char c, FoldClass foldClass, int start, int end)
    {
        if (foldClass <= FoldClass.LeetSymbol)
        {
            if (_tokenLength == _tokenChars.Length)
            {
                GrowToken();
            }

            var t = _tokenLength++;
            _tokenChars[t] = c;
            _tokenClasses[t] = foldClass;
            _tokenStarts[t] = start;
            _tokenEnds[t] = end;
            _tokenItems++;
            _tokenHasLetter |= foldClass == FoldClass.Letter;
            return;
        }

        FlushToken();
        _boundaryPending = true;
        if (foldClass == FoldClass.Hash)
        {
            // Only a '#' directly followed by a word is a hashtag mark; "##x" keeps the last one.
            _hashStart = start;
            _hashEnd = end;
        }
        else
        {
            _hashStart = -1;
        }
    }

    /// <summary>A dropped combining mark at [start, end): the letter it sits on, if directly before it, now covers it too.</summary>
    internal void ExtendLast(int start, int end)
    {
        if (_tokenLength > 0)
        {
            if (_tokenEnds[_tokenLength - 1] == start)
            {
                _tokenEnds[_tokenLength - 1] = end;
            }
        }
        else if (_length > 0 && _lastWasLetter && !_boundaryPending && _ends[_length - 1] == start)
        {
            _ends[_length - 1] = end;
        }
    }

    /// <summary>Ends the text: resolves the last word.</summary>
    internal void Finish() => FlushToken();

    /// <summary>The first letter of a word is about to be emitted: its hashtag mark goes first.</summary>
    private void StartToken()
    {
        if (_hashStart >= 0)
        {
            Emit('#', _hashStart, _hashEnd, isLetter: false);
            _boundaryPending = true;
            _hashStart = -1;
        }

        _gapCollapseCandidate = _previousTokenSingle && _lastWasLetter && _boundaryPending && _length > 0;
    }

    /// <summary>
    /// Ends one word (a run of letters, digits and leet symbols with no separator inside): resolves its tail, if any
    /// (edge symbols become separators, digit runs become leet letters or stay a number), and collapses a spaced-out
    /// letter that repeats the one before the gap.
    /// </summary>
    private void FlushToken()
    {
        if (_tokenItems == 0)
        {
            return;
        }

        var single = _tokenLength == 0 ? _tokenItems == 1 : FlushTail();
        if (single && _tokenEmitted == 1 && _gapCollapseCandidate && _length >= 2 && _chars[_length - 1] == _chars[_length - 2])
        {
            // Spaced-out letters ("b l u u e", "b.l.u.u.e"): a repeat across the gap still collapses.
            _ends[_length - 2] = _ends[_length - 1];
            _length--;
        }

        _previousTokenSingle = single;
        _tokenItems = 0;
        _tokenEmitted = 0;
        _tokenLength = 0;
        _tokenHasLetter = false;
        _gapCollapseCandidate = false;
    }

    /// <summary>Resolves the buffered tail of the current word; returns whether the whole word is one character.</summary>
    private bool FlushTail()
    {
        var n = _tokenLength;
        var lo = 0;
        var hi = n;
        if (_tokenEmitted == 0)
        {
            while (lo < hi && _tokenClasses[lo] == FoldClass.LeetSymbol)
            {
                lo++;
            }

            if (lo > 0)
            {
                // "@bluefinch", "!!finch": the symbol is punctuation before the word, not part of it.
                _boundaryPending = true;
                _hashStart = -1;
            }
        }

        var hasLetter = _tokenHasLetter;

        // Trailing '$' stays a letter ("pic$"); any other trailing symbol is punctuation ("finch!").
        while (hi > lo && _tokenClasses[hi - 1] == FoldClass.LeetSymbol && !(hasLetter && _tokenChars[hi - 1] == '$'))
        {
            hi--;
        }

        var single = _tokenEmitted + (hi - lo) == 1;
        if (lo == hi)
        {
            if (n > 0)
            {
                _boundaryPending = true;
            }

            return single;
        }

        if (single && _previousTokenSingle && _lastWasLetter)
        {
            // A lone digit among spaced-out letters ("b.1.u.e") is a leet letter like any other.
            hasLetter = true;
        }

        if (_tokenEmitted == 0 && _hashStart >= 0)
        {
            Emit('#', _hashStart, _hashEnd, isLetter: false);
            _boundaryPending = true;
            _hashStart = -1;
        }

        if (single && _previousTokenSingle && _lastWasLetter && _boundaryPending && _length > 0)
        {
            var c = Resolve(_tokenChars[lo], _tokenClasses[lo], hasLetter);
            if (c == _chars[_length - 1])
            {
                _boundaryPending = false;
            }
        }

        for (var j = lo; j < hi; j++)
        {
            var foldClass = _tokenClasses[j];
            if (foldClass == FoldClass.Digit)
            {
                var runEnd = j + 1;
                while (runEnd < hi && _tokenClasses[runEnd] == FoldClass.Digit)
                {
                    runEnd++;
                }

                if (hasLetter && runEnd - j <= TextNormalizer.MaxLeetDigitRun)
                {
                    for (; j < runEnd; j++)
                    {
                        Emit(TextNormalizer.LeetLetter(_tokenChars[j]), _tokenStarts[j], _tokenEnds[j], isLetter: true);
                    }
                }
                else
                {
                    // A number ("2024", "1337"): kept as digits and set apart as its own word.
                    _boundaryPending = true;
                    for (; j < runEnd; j++)
                    {
                        Emit(_tokenChars[j], _tokenStarts[j], _tokenEnds[j], isLetter: false);
                    }

                    _boundaryPending = true;
                }

                j--;
                continue;
            }

            if (foldClass == FoldClass.LeetSymbol && !hasLetter)
            {
                // "10+20": an inner symbol in a number is an operator, not a letter.
                _boundaryPending = true;
                continue;
            }

            Emit(Resolve(_tokenChars[j], foldClass, hasLetter), _tokenStarts[j], _tokenEnds[j], isLetter: true);
        }

        if (hi < n)
        {
            _boundaryPending = true;
        }

        return single;
    }

    private static char Resolve(char c, FoldClass foldClass, bool hasLetter) =>
        foldClass == FoldClass.Letter || !hasLetter ? c : TextNormalizer.LeetLetter(c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Emit(char c, int start, int end, bool isLetter)
    {
        var length = _length;
        if (isLetter && _lastWasLetter && !_boundaryPending && length > 0 && _chars[length - 1] == c)
        {
            // "bluuuue" → "blue": the kept letter's span grows over the run so a hit still covers it all.
            _ends[length - 1] = end;
            return;
        }

        if (length == _chars.Length)
        {
            Grow(length * 2);
        }

        _chars[length] = c;
        _starts[length] = start;
        _ends[length] = end;
        _flags[length] = _boundaryPending ? BoundaryFlag : (byte)0;
        _length = length + 1;
        _boundaryPending = false;
        _lastWasLetter = isLetter;
    }

    private void Grow(int minimum)
    {
        var size = Math.Max(Math.Max(minimum, 256), _chars.Length * 2);
        _chars = GrowArray(_chars, size, _length);
        _starts = GrowArray(_starts, size, _length);
        _ends = GrowArray(_ends, size, _length);
        _flags = GrowArray(_flags, size, _length);
    }

    private void GrowToken()
    {
        var size = Math.Max(64, _tokenChars.Length * 2);
        _tokenChars = GrowArray(_tokenChars, size, _tokenLength);
        _tokenClasses = GrowArray(_tokenClasses, size, _tokenLength);
        _tokenStarts = GrowArray(_tokenStarts, size, _tokenLength);
        _tokenEnds = GrowArray(_tokenEnds, size, _tokenLength);
    }

    private static T[] GrowArray<T>(T[] old, int size, int keep)
    {
        var array = ArrayPool<T>.Shared.Rent(size);
        old.AsSpan(0, keep).CopyTo(array);
        if (old.Length > 0)
        {
            ArrayPool<T>.Shared.Return(old);
        }

        return array;
    }

    private void ReturnAll()
    {
        ReturnIfRented(_chars);
        ReturnIfRented(_starts);
        ReturnIfRented(_ends);
        ReturnIfRented(_flags);
        ReturnIfRented(_tokenChars);
        ReturnIfRented(_tokenClasses);
        ReturnIfRented(_tokenStarts);
        ReturnIfRented(_tokenEnds);
    }

    private static void ReturnIfRented<T>(T[] array)
    {
        if (array.Length > 0)
        {
            ArrayPool<T>.Shared.Return(array);
        }
    }
}
