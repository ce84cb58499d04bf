using System.Globalization;

namespace Haven.Banks.Import;

/// <summary>
/// The errors of a refused import as people read them, in line order. An error repeated on many lines (a file in the
/// wrong format fails every line the same way) is listed for its first <see cref="SameErrorListed"/> lines; the last of
/// those then says how many more lines had it, e.g. <c>line 3: … (and 1,998 more lines with the same error)</c>.
/// At most <c>maxListed</c> entries are kept; errors beyond them are only counted (<see cref="NotListed"/>).
/// </summary>
internal sealed class ImportErrorList(int maxListed)
{
    /// <summary>Lines listed for one message before the rest are counted.</summary>
    public const int SameErrorListed = 3;

    private readonly List<ImportLineError> _listed = [];
    private readonly List<long> _moreLines = [];
    private readonly Dictionary<string, (int Listed, int LastIndex)> _byMessage = new(StringComparer.Ordinal);

    /// <summary>Every error added: the exact total.</summary>
    public long Count { get; private set; }

    /// <summary>Errors neither listed nor counted under a listed one (new messages after the list filled up).</summary>
    public long NotListed { get; private set; }

    /// <summary>Records the error on <paramref name="line"/>.</summary>
    public void Add(long line, string message)
    {
        Count++;
        var known = _byMessage.TryGetValue(message, out var seen);
        if (_listed.Count < maxListed && (!known || seen.Listed < SameErrorListed))
        {
            _listed.Add(new ImportLineError(line, message));
            _moreLines.Add(0);
            _byMessage[message] = (seen.Listed + 1, _listed.Count - 1);
        }
        else if (known)
        {
            _moreLines[seen.LastIndex]++;
        }
        else
        {
            NotListed++;
        }
    }

    /// <summary>The list, each repeated error's count in the message of its last listed line.</summary>
    public IReadOnlyList<ImportLineError> ToList() =>
    [
        .. _listed.Select((error, i) => _moreLines[i] == 0
            ? error
            : error with { Message = error.Message + string.Create(CultureInfo.InvariantCulture, $" (and {_moreLines[i]:N0} more lines with the same error)") }),
    ];
}
