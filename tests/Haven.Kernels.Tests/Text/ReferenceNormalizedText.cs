using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;

namespace Haven.Kernels.Text;

/// <summary>
/// The first, plainer form of the token pass: every word is buffered whole and resolved at its end. Kept as the oracle
/// the streaming <see cref="NormalizedText"/> is tested against on random texts; not used on the scan path.
/// </summary>
internal sealed class ReferenceNormalizedText : IDisposable
{
    private const byte BoundaryFlag = 1;

    private char[] _chars;
    private int[] _starts;
    private int[] _ends;
    private byte[] _flags;
    private int _length;

    // Token scratch: the folded characters of the current word, resolved (leet, repeats) when the word ends.
    private char[] _tokenChars;
    private FoldClass[] _tokenClasses;
    private int[] _tokenStarts;
    private int[] _tokenEnds;
    private int _tokenLength;

    private bool _boundaryPending;
    private bool _lastWasLetter;
    private bool _previousTokenSingle;
    private int _hashStart;
    private int _hashEnd;

    /// <summary>Creates an empty buffer; it grows to fit the texts normalised into it.</summary>
    public ReferenceNormalizedText()
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

    internal void Reset(int expectedLength)
    {
        if (_chars.Length < expectedLength)
        {
            Grow(expectedLength);
        }

        _length = 0;
        _tokenLength = 0;
        _boundaryPending = true;
        _lastWasLetter = false;
        _previousTokenSingle = false;
        _hashStart = -1;
    }

    /// <summary>Runs the whole pipeline the slow way: per code point from <see cref="UnicodeFold"/>, then this token pass.</summary>
    internal void Normalize(ReadOnlySpan<char> text)
    {
        Reset(text.Length + 16);
        var i = 0;
        while (i < text.Length)
        {
            var valid = Rune.DecodeFromUtf16(text[i..], out var r, out var consumed) == System.Buffers.OperationStatus.Done;
            var rune = valid ? r.Value : 0xD800;
            var width = valid ? consumed : 1;
            if (rune >= UnicodeFold.TableLimit)
            {
                if (!UnicodeFold.IsDefaultIgnorable(rune))
                {
                    Push(text[i], UnicodeFold.Classify(rune), i, i + width);
                    Push(text[i + 1], UnicodeFold.Classify(rune), i, i + width);
                }
            }
            else
            {
                var entry = UnicodeFold.EntriesArray[rune];
                if (entry == UnicodeFold.AttachEntry)
                {
                    ExtendLast(i, i + width);
                }

                for (var k = 0; k < UnicodeFold.LengthOf(entry); k++)
                {
                    Push(UnicodeFold.Chars[UnicodeFold.OffsetOf(entry) + k], UnicodeFold.Classes[UnicodeFold.OffsetOf(entry) + k], i, i + width);
                }
            }

            i += width;
        }

        Finish();
    }

    /// <summary>Feeds one folded character (with the original span of its code point) to the token pass.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Push(char c, FoldClass foldClass, int start, int end)
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
            return;
        }

        PushSeparator(foldClass, start, end);
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

    private void PushSeparator(FoldClass foldClass, int start, int end)
    {
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

    /// <summary>Ends the text: resolves the last word.</summary>
    internal void Finish() => FlushToken();

    /// <summary>
    /// Resolves one word (a run of letters, digits and leet symbols with no separator inside): edge symbols become
    /// separators, digit runs become leet letters or stay a number, repeats collapse, and the result is emitted.
    /// </summary>
    private void FlushToken()
    {
        var n = _tokenLength;
        if (n == 0)
        {
            return;
        }

        _tokenLength = 0;
        var lo = 0;
        var hi = n;
        while (lo < hi && _tokenClasses[lo] == FoldClass.LeetSymbol)
        {
            lo++;
        }

        var hasLetter = false;
        for (var j = lo; j < hi; j++)
        {
            if (_tokenClasses[j] == FoldClass.Letter)
            {
                hasLetter = true;
                break;
            }
        }

        // Trailing '$' stays a letter ("pic$"); any other trailing symbol is punctuation ("finch!").
        while (hi > lo && _tokenClasses[hi - 1] == FoldClass.LeetSymbol && !(hasLetter && _tokenChars[hi - 1] == '$'))
        {
            hi--;
        }

        if (lo > 0)
        {
            // "@bluefinch", "!!finch": the symbol is punctuation before the word, not part of it.
            _boundaryPending = true;
            _hashStart = -1;
        }

        if (lo == hi)
        {
            _previousTokenSingle = false;
            return;
        }

        var single = hi - lo == 1;
        if (single && _previousTokenSingle && _lastWasLetter)
        {
            // A lone digit among spaced-out letters ("b.1.u.e") is a leet letter like any other.
            hasLetter = true;
        }

        if (_hashStart >= 0)
        {
            Emit('#', _hashStart, _hashEnd, isLetter: false);
            _boundaryPending = true;
            _hashStart = -1;
        }

        if (single && _previousTokenSingle && _lastWasLetter && _boundaryPending && _length > 0)
        {
            // Spaced-out letters ("b l u u e", "b.l.u.u.e"): a repeat across the gap still collapses.
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

        _previousTokenSingle = single;
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
        var size = Math.Max(minimum, _chars.Length * 2);
        _chars = GrowArray(_chars, size, _length);
        _starts = GrowArray(_starts, size, _length);
        _ends = GrowArray(_ends, size, _length);
        _flags = GrowArray(_flags, size, _length);
    }

    private void GrowToken()
    {
        var size = _tokenChars.Length * 2;
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
