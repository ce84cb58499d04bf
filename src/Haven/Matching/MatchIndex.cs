using System.Collections.Frozen;
using Haven.Banks;
using Haven.Kernels.Hamming;
using Haven.Kernels.Pdq;

namespace Haven.Matching;

/// <summary>A bank entry as the in-memory index needs it: what to compare, and what to say about a hit.</summary>
internal sealed record IndexEntry(long EntryId, string Bank, SignalType SignalType, string Value, int? Quality, string? Category, string? ExternalId);

/// <summary>One bank entry a query matched.</summary>
/// <param name="Distance">Hamming distance for PDQ; 0 for exact hashes.</param>
/// <param name="Variant">
/// How the query relates to the banked image: <c>orig</c>, or the dihedral transform that turns the banked image into
/// the query, e.g. <c>rot90</c> when the upload is the banked image rotated 90° counter-clockwise.
/// </param>
internal sealed record MatchHit(string Bank, long EntryId, SignalType SignalType, string? Category, string? ExternalId, int Distance, string Variant);

/// <summary>
/// An immutable snapshot of every enabled bank: the PDQ Hamming index and exact dictionaries for MD5 and SHA-256.
/// Built off the request path from the store; read lock-free by any number of threads; replaced whole by
/// <see cref="MatchIndexHolder"/> when banks change.
/// </summary>
internal sealed class MatchIndex
{
    /// <summary>Dihedral variant names in PDQ order (shared/vectors/pdq/README.md).</summary>
    public static readonly IReadOnlyList<string> VariantNames = ["orig", "rot90", "rot180", "rot270", "flipx", "flipy", "flipplus1", "flipminus1"];

    private readonly PdqIndex _pdq;
    private readonly PdqEntries _pdqEntries;
    private readonly FrozenDictionary<string, IndexEntry[]> _exact;

    internal MatchIndex(long version, PdqIndex pdq, PdqEntries pdqEntries, FrozenDictionary<string, IndexEntry[]> exact, int exactCount)
    {
        Version = version;
        _pdq = pdq;
        _pdqEntries = pdqEntries;
        _exact = exact;
        ExactCount = exactCount;
    }

    /// <summary>An index with no entries.</summary>
    public static MatchIndex Empty { get; } = Build([], version: 0);

    /// <summary>The banks version this snapshot was built from.</summary>
    public long Version { get; }

    /// <summary>PDQ entries indexed.</summary>
    public int PdqCount => _pdq.Count;

    /// <summary>MD5 and SHA-256 entries indexed.</summary>
    public int ExactCount { get; }

    /// <summary>Managed bytes held by the PDQ Hamming index (not counting entry metadata).</summary>
    public long PdqIndexBytes => _pdq.MemoryBytes;

    /// <summary>Managed bytes of what a PDQ hit reports (entry ids, bank and category labels, external ids).</summary>
    public long PdqEntryBytes => _pdqEntries.MemoryBytes;

    /// <summary>Builds a snapshot. PDQ entries with an all-zero hash or a quality below <paramref name="qualityGate"/> are left out.</summary>
    public static MatchIndex Build(IEnumerable<IndexEntry> entries, long version, int qualityGate = PdqQuality.DefaultGate)
    {
        var builder = new MatchIndexBuilder(qualityGate);
        foreach (var entry in entries)
        {
            builder.Add(entry.EntryId, entry.Bank, entry.SignalType, entry.Value, entry.Quality, entry.Category, entry.ExternalId);
        }

        return builder.Build(version);
    }

    /// <summary>Every PDQ entry within <paramref name="threshold"/> of <paramref name="query"/>, nearest first.</summary>
    public IReadOnlyList<MatchHit> LookupPdq(in PdqHash query, int threshold, string? bank = null)
    {
        var hits = new List<PdqIndexHit>();
        _pdq.Search(query, threshold, hits);
        return ToMatches(hits, bank);
    }

    /// <summary>
    /// Every PDQ entry within <paramref name="threshold"/> of any of the 8 dihedral <paramref name="variants"/>
    /// (orig first), once, with the nearest variant.
    /// </summary>
    public IReadOnlyList<MatchHit> LookupPdqDihedral(ReadOnlySpan<PdqHash> variants, int threshold, string? bank = null)
    {
        var hits = new List<PdqIndexHit>();
        _pdq.SearchDihedral(variants, threshold, hits);
        return ToMatches(hits, bank);
    }

    /// <summary>Entries whose MD5 or SHA-256 equals <paramref name="value"/> (lower-case hex).</summary>
    public IReadOnlyList<MatchHit> LookupExact(SignalType type, string value, string? bank = null)
    {
        if (!_exact.TryGetValue(ExactKey(type, value), out var entries))
        {
            return [];
        }

        return [.. entries
            .Where(e => bank is null || e.Bank == bank)
            .Select(e => new MatchHit(e.Bank, e.EntryId, e.SignalType, e.Category, e.ExternalId, 0, VariantNames[0]))];
    }

    private List<MatchHit> ToMatches(List<PdqIndexHit> hits, string? bank)
    {
        var result = new List<MatchHit>(hits.Count);
        foreach (var hit in hits)
        {
            var (entryBank, category) = _pdqEntries.Label(hit.Entry);
            if (bank is null || entryBank == bank)
            {
                result.Add(new MatchHit(entryBank, _pdqEntries.EntryIds[hit.Entry], SignalType.Pdq, category, _pdqEntries.ExternalId(hit.Entry), hit.Distance, VariantNames[Inverse(hit.Variant)]));
            }
        }

        result.Sort(static (a, b) => a.Distance != b.Distance ? a.Distance.CompareTo(b.Distance) : a.EntryId.CompareTo(b.EntryId));
        return result;
    }

    /// <summary>
    /// The index says which variant of the query matched: if the query's rot270 equals the banked image, the query is the
    /// banked image rotated 90°. Rotations by 90° and 270° are each other's inverse; the other six are their own.
    /// </summary>
    private static int Inverse(int variant) => variant switch
    {
        1 => 3,
        3 => 1,
        _ => variant,
    };

    internal static string ExactKey(SignalType type, string value) => type == SignalType.Md5 ? "m" + value : "s" + value;
}

/// <summary>
/// What a PDQ hit reports, by position in the PDQ index, in columns: 8 bytes of entry id and 4 of (bank, category)
/// label per entry, external ids only when some entry has one. No per-entry objects and no hash strings, so a million
/// entries cost ≈ 12 MB beside the index.
/// </summary>
internal sealed class PdqEntries(long[] entryIds, int[] labels, (string Bank, string? Category)[] labelTable, string?[]? externalIds)
{
    public long[] EntryIds { get; } = entryIds;

    public (string Bank, string? Category) Label(int entry) => labelTable[labels[entry]];

    public string? ExternalId(int entry) => externalIds?[entry];

    public long MemoryBytes => (EntryIds.LongLength * sizeof(long)) + (labels.LongLength * sizeof(int)) + ((externalIds?.LongLength ?? 0) * IntPtr.Size);
}

/// <summary>
/// Builds a <see cref="MatchIndex"/> one bank entry at a time, straight into arrays sized once from the PDQ count the
/// store reports (growing only if more arrive), so that a loader holds no per-entry objects while it reads: the hash
/// array becomes the index's own (<see cref="PdqIndex.BuildOwned"/>).
/// </summary>
internal sealed class MatchIndexBuilder(int qualityGate = PdqQuality.DefaultGate, long pdqCapacity = 0)
{
    private readonly Dictionary<(string Bank, string? Category), int> _labelIds = [];
    private readonly List<(string Bank, string? Category)> _labels = [];
    private readonly Dictionary<string, List<IndexEntry>> _exact = new(StringComparer.Ordinal);
    private PdqHash[] _hashes = new PdqHash[checked((int)pdqCapacity)];
    private long[] _entryIds = new long[pdqCapacity];
    private int[] _labelOf = new int[pdqCapacity];
    private string?[]? _externalIds;
    private int _pdqCount;
    private int _exactCount;
    private (string Bank, string? Category, int Id) _lastLabel = (string.Empty, null, -1);

    /// <summary>Adds one entry. PDQ entries with an all-zero or unparsable hash or a quality below the gate are left out.</summary>
    public void Add(long entryId, string bank, SignalType signalType, string value, int? quality, string? category, string? externalId)
    {
        if (signalType != SignalType.Pdq)
        {
            var key = MatchIndex.ExactKey(signalType, value);
            if (!_exact.TryGetValue(key, out var list))
            {
                _exact[key] = list = [];
            }

            list.Add(new IndexEntry(entryId, bank, signalType, value, quality, category, externalId));
            _exactCount++;
            return;
        }

        if (!PdqHash.TryParse(value, out var hash) || hash.IsZero || (quality is { } q && q < qualityGate))
        {
            return;
        }

        if (_pdqCount == _hashes.Length)
        {
            var grown = Math.Max(16, _hashes.Length * 2);
            Array.Resize(ref _hashes, grown);
            Array.Resize(ref _entryIds, grown);
            Array.Resize(ref _labelOf, grown);
            if (_externalIds is not null)
            {
                Array.Resize(ref _externalIds, grown);
            }
        }

        _hashes[_pdqCount] = hash;
        _entryIds[_pdqCount] = entryId;
        _labelOf[_pdqCount] = LabelId(bank, category);
        if (externalId is not null)
        {
            _externalIds ??= new string?[_hashes.Length];
            _externalIds[_pdqCount] = externalId;
        }

        _pdqCount++;
    }

    /// <summary>The snapshot, stamped with <paramref name="version"/>. The builder must not be used afterwards.</summary>
    public MatchIndex Build(long version)
    {
        var count = _pdqCount;
        if (count < _entryIds.Length)
        {
            Array.Resize(ref _entryIds, count);
            Array.Resize(ref _labelOf, count);
            if (_externalIds is not null)
            {
                Array.Resize(ref _externalIds, count);
            }
        }

        var pdq = PdqIndex.BuildOwned(_hashes, count);
        _hashes = [];
        var entries = new PdqEntries(_entryIds, _labelOf, [.. _labels], _externalIds);
        var exact = _exact.ToFrozenDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal);
        return new MatchIndex(version, pdq, entries, exact, _exactCount);
    }

    private int LabelId(string bank, string? category)
    {
        // Rows of one bank and category come in runs: skip the dictionary while the label repeats.
        if (ReferenceEquals(bank, _lastLabel.Bank) && ReferenceEquals(category, _lastLabel.Category))
        {
            return _lastLabel.Id;
        }

        if (!_labelIds.TryGetValue((bank, category), out var id))
        {
            id = _labels.Count;
            _labels.Add((bank, category));
            _labelIds.Add((bank, category), id);
        }

        _lastLabel = (bank, category, id);
        return id;
    }
}

/// <summary>PDQ quality rules.</summary>
public static class PdqQuality
{
    /// <summary>Hashes of quality below this are never banked or auto-matched (pdq README: discard ≤ 49).</summary>
    public const int DefaultGate = 50;
}

/// <summary>Holds the current <see cref="MatchIndex"/> and swaps in a rebuilt one atomically.</summary>
internal sealed class MatchIndexHolder
{
    private MatchIndex _current = MatchIndex.Empty;

    /// <summary>The snapshot readers use; a reader keeps the one it took for its whole query.</summary>
    public MatchIndex Current => Volatile.Read(ref _current);

    /// <summary>Publishes <paramref name="next"/> unless a newer version is already published.</summary>
    public bool Publish(MatchIndex next)
    {
        while (true)
        {
            var current = Volatile.Read(ref _current);
            if (next.Version < current.Version)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _current, next, current) == current)
            {
                return true;
            }
        }
    }
}
