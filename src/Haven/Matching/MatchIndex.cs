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
    private readonly IndexEntry[] _pdqEntries;
    private readonly FrozenDictionary<string, IndexEntry[]> _exact;

    private MatchIndex(long version, PdqIndex pdq, IndexEntry[] pdqEntries, FrozenDictionary<string, IndexEntry[]> exact, int exactCount)
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
    public int PdqCount => _pdqEntries.Length;

    /// <summary>MD5 and SHA-256 entries indexed.</summary>
    public int ExactCount { get; }

    /// <summary>Managed bytes held by the PDQ Hamming index (not counting entry metadata).</summary>
    public long PdqIndexBytes => _pdq.MemoryBytes;

    /// <summary>Builds a snapshot. PDQ entries with an all-zero hash or a quality below <paramref name="qualityGate"/> are left out.</summary>
    public static MatchIndex Build(IEnumerable<IndexEntry> entries, long version, int qualityGate = PdqQuality.DefaultGate)
    {
        var pdqEntries = new List<IndexEntry>();
        var pdqHashes = new List<PdqHash>();
        var exact = new Dictionary<string, List<IndexEntry>>(StringComparer.Ordinal);
        var exactCount = 0;
        foreach (var entry in entries)
        {
            if (entry.SignalType == SignalType.Pdq)
            {
                if (!PdqHash.TryParse(entry.Value, out var hash) || hash.IsZero || (entry.Quality is { } q && q < qualityGate))
                {
                    continue;
                }

                pdqEntries.Add(entry);
                pdqHashes.Add(hash);
            }
            else
            {
                var key = ExactKey(entry.SignalType, entry.Value);
                if (!exact.TryGetValue(key, out var list))
                {
                    exact[key] = list = [];
                }

                list.Add(entry);
                exactCount++;
            }
        }

        var index = PdqIndex.Build(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(pdqHashes));
        return new MatchIndex(version, index, [.. pdqEntries], exact.ToFrozenDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal), exactCount);
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
            var entry = _pdqEntries[hit.Entry];
            if (bank is null || entry.Bank == bank)
            {
                result.Add(new MatchHit(entry.Bank, entry.EntryId, SignalType.Pdq, entry.Category, entry.ExternalId, hit.Distance, VariantNames[Inverse(hit.Variant)]));
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

    private static string ExactKey(SignalType type, string value) => type == SignalType.Md5 ? "m" + value : "s" + value;
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
