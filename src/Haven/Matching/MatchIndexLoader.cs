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
        var names = (await banks.ListAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(b => b.Bank.Id, b => b.Bank.Name);
        var entries = new List<IndexEntry>();
        var version = await banks.ReadEnabledEntriesAsync(
            e => entries.Add(new IndexEntry(e.Id, names.GetValueOrDefault(e.BankId, e.BankId.ToString(System.Globalization.CultureInfo.InvariantCulture)), e.SignalType, e.Value, e.Quality, e.Category, e.ExternalId)),
            cancellationToken).ConfigureAwait(false);
        var index = MatchIndex.Build(entries, version, qualityGate);
        return (index, Stopwatch.GetElapsedTime(started));
    }
}
