using System.Diagnostics;
using Haven.Banks;

namespace Haven.Matching;

/// <summary>Builds a <see cref="MatchIndex"/> from every enabled bank in the store.</summary>
internal static class MatchIndexLoader
{
    /// <summary>
    /// Reads every enabled entry and the banks version in one snapshot and builds an index stamped with that version.
    /// Bank names are read just before; a bank created in between is named by its id until the next rebuild.
    /// </summary>
    public static async Task<(MatchIndex Index, TimeSpan Elapsed)> LoadAsync(BankService banks, int qualityGate = PdqQuality.DefaultGate, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var names = new Dictionary<long, string>(await banks.ReadNamesAsync(cancellationToken).ConfigureAwait(false));
        var builder = new MatchIndexBuilder(qualityGate);

        // Rows go straight into the builder's pre-sized arrays: no list of entries, no hash strings kept.
        var version = await banks.ReadEnabledEntriesAsync(
            pdqCount => builder = new MatchIndexBuilder(qualityGate, pdqCount),
            e => builder.Add(e.Id, BankName(names, e.BankId), e.SignalType, e.Value, e.Quality, e.Category, e.ExternalId),
            cancellationToken).ConfigureAwait(false);
        var index = builder.Build(version);
        return (index, Stopwatch.GetElapsedTime(started));
    }

    // A bank created after the names were read is named by its id (one shared string per bank).
    private static string BankName(Dictionary<long, string> names, long bankId)
    {
        if (!names.TryGetValue(bankId, out var name))
        {
            name = bankId.ToString(System.Globalization.CultureInfo.InvariantCulture);
            names[bankId] = name;
        }

        return name;
    }
}
