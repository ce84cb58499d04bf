using Dapper;
using Haven.Storage;

namespace Haven.Wellness;

/// <summary>One bank match of a media item, as the signals stage recorded it in <c>media_matches</c>.</summary>
/// <param name="Bank">The bank's name.</param>
/// <param name="Category">The entry's category as imported (e.g. <c>A1</c>), or null.</param>
/// <param name="SignalType">How it matched: <c>pdq</c>, <c>md5</c> or <c>sha256</c>.</param>
/// <param name="Distance">Hamming distance for PDQ, 0 for exact hashes.</param>
internal sealed record ItemBankMatch(string Bank, string? Category, string SignalType, int Distance);

/// <summary>What a reviewer can know about a media item without seeing it.</summary>
/// <param name="Matches">Every bank match of the item, most severe category first.</param>
/// <param name="KnownCategory">The most severe of A1, A2, B1, B2 among the matches, or null when none has one of these.</param>
internal sealed record HashOnlyEvidence(IReadOnlyList<ItemBankMatch> Matches, string? KnownCategory)
{
    /// <summary>True when a match in a known-abuse category exists: the console may offer to confirm without revealing.</summary>
    public bool MayConfirmWithoutReveal => KnownCategory is not null;
}

/// <summary>
/// Hash-only review: where a bank match of category A1–B2 exists for an item, the reviewer can confirm on that evidence
/// and never reveal the image.
/// </summary>
internal static class HashOnlyReview
{
    /// <summary>
    /// The known-abuse categories, most severe first (the same classes as <c>Policy.SignalVocabulary.BankClasses</c>;
    /// Wellness does not depend on Policy).
    /// </summary>
    public static IReadOnlyList<string> Categories { get; } = ["A1", "A2", "B1", "B2"];

    /// <summary>The bank matches of item <paramref name="mediaIndex"/> of post <paramref name="postId"/> and the most severe known category among them.</summary>
    public static async Task<HashOnlyEvidence> EvidenceAsync(HavenStore store, string postId, int mediaIndex, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(string Bank, string? Category, string SignalType, long Distance)>(new CommandDefinition(
            "SELECT bank, category, signal_type, distance FROM media_matches WHERE post_id = @postId AND media_index = @mediaIndex",
            new { postId, mediaIndex }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var matches = rows
            .Select(r => new ItemBankMatch(r.Bank, r.Category, r.SignalType, (int)r.Distance))
            .OrderBy(m => Severity(m.Category))
            .ThenBy(m => m.Distance)
            .ThenBy(m => m.Bank, StringComparer.Ordinal)
            .ThenBy(m => m.SignalType, StringComparer.Ordinal)
            .ToList();
        var known = matches.Select(m => Severity(m.Category)).DefaultIfEmpty(Categories.Count).Min();
        return new HashOnlyEvidence(matches, known < Categories.Count ? Categories[known] : null);
    }

    /// <summary>0 for A1 … 3 for B2 (case-insensitive), past the end for anything else.</summary>
    private static int Severity(string? category)
    {
        for (var i = 0; i < Categories.Count; i++)
        {
            if (string.Equals(Categories[i], category?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return Categories.Count;
    }
}
