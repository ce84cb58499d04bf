using Haven.Banks;
using Haven.Kernels.Hamming;
using Haven.Media;

namespace Haven.Matching;

/// <summary>How to match: PDQ threshold (0..63), whether to query all 8 dihedral hashes, an optional bank, the quality gate.</summary>
internal sealed record MatchOptions(int Threshold = PdqIndex.DefaultThreshold, bool Dihedral = false, string? Bank = null, int QualityGate = PdqQuality.DefaultGate)
{
    /// <summary>Why the options are unusable, or null.</summary>
    public string? Validate() =>
        Threshold is < 0 or > PdqIndex.MaxThreshold ? $"threshold must be between 0 and {PdqIndex.MaxThreshold} (default {PdqIndex.DefaultThreshold}); got {Threshold}."
        : QualityGate is < 0 or > 100 ? $"quality gate must be between 0 and 100; got {QualityGate}."
        : null;
}

/// <summary>What matching one piece of media found.</summary>
/// <param name="PdqChecked">False when the image had no usable PDQ hash (undecodable, degenerate, or below the quality gate).</param>
internal sealed record MediaMatch(IReadOnlyList<MatchHit> Hits, bool PdqChecked, long IndexVersion);

/// <summary>Matches media signals against a <see cref="MatchIndex"/>: MD5 and SHA-256 exactly, PDQ within the threshold.</summary>
internal static class MediaMatcher
{
    /// <summary>Every hit for <paramref name="signals"/>. PDQ is consulted only when its hash passes the quality gate.</summary>
    public static MediaMatch Match(MatchIndex index, MediaSignals signals, MatchOptions options)
    {
        var hits = new List<MatchHit>();
        if (signals.Exact.Md5 is not null)
        {
            hits.AddRange(index.LookupExact(SignalType.Md5, signals.Exact.Md5, options.Bank));
            hits.AddRange(index.LookupExact(SignalType.Sha256, signals.Exact.Sha256, options.Bank));
        }

        var pdqChecked = signals.PdqUsable(options.QualityGate);
        if (pdqChecked)
        {
            hits.AddRange(options.Dihedral && signals.Dihedral.Length == 8
                ? index.LookupPdqDihedral(signals.Dihedral, options.Threshold, options.Bank)
                : index.LookupPdq(signals.Pdq!.Value, options.Threshold, options.Bank));
        }

        return new MediaMatch(hits, pdqChecked, index.Version);
    }
}
