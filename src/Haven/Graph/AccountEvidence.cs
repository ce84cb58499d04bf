using Dapper;
using Haven.Policy;
using Haven.Storage;

namespace Haven.Graph;

/// <summary>
/// What the signals stage found on one account, in counts, and the roles that follow from it (DESIGN §3.4):
/// creator = first poster of matched media, distributor = posts matched media, amplifier = reposts or quotes posts with
/// matched media, solicitor = trade or sexualising replies. An account can hold several; the primary one is the first.
/// </summary>
internal sealed record AccountEvidence(string Account, int FirstPosts, int MatchedPosts, int Amplified, int Engagements, int Reports)
{
    /// <summary>Every role the evidence supports, strongest first.</summary>
    public IReadOnlyList<string> Roles
    {
        get
        {
            var roles = new List<string>(4);
            if (FirstPosts > 0)
            {
                roles.Add(SignalVocabulary.RoleCreator);
            }

            if (MatchedPosts > FirstPosts)
            {
                roles.Add(SignalVocabulary.RoleDistributor);
            }

            // Between soliciting and amplifying, the more frequent activity leads: offenders also reply among
            // themselves, so a few flagged replies beside many reposts still make an amplifier.
            if (Amplified > 0 && Amplified >= Engagements)
            {
                roles.Add(SignalVocabulary.RoleAmplifier);
            }

            if (Engagements > 0)
            {
                roles.Add(SignalVocabulary.RoleSolicitor);
            }

            if (Amplified > 0 && Amplified < Engagements)
            {
                roles.Add(SignalVocabulary.RoleAmplifier);
            }

            return roles;
        }
    }

    /// <summary>The strongest role, or null when the account has no evidence of its own.</summary>
    public string? PrimaryRole => Roles.Count == 0 ? null : Roles[0];

    /// <summary>
    /// Weight of the evidence for discovery: a bank match is strong, a sexualising or trade engagement less so, an
    /// amplification or a report weaker; 0 for an account with nothing.
    /// </summary>
    public float Weight => (4f * Math.Min(MatchedPosts, 5)) + (2f * Math.Min(Engagements, 5)) + Math.Min(Amplified, 5) + (0.5f * Math.Min(Reports, 4));

    /// <summary>Reads the evidence of every account that has any, in one snapshot.</summary>
    public static async Task<Dictionary<string, AccountEvidence>> LoadAsync(HavenStore store, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await store.BeginSnapshotReadAsync(connection, cancellationToken).ConfigureAwait(false);
        var counts = new Dictionary<string, int[]>(StringComparer.Ordinal);
        void Add(string account, int slot, long value)
        {
            if (!counts.TryGetValue(account, out var row))
            {
                row = new int[5];
                counts[account] = row;
            }

            row[slot] += (int)value;
        }

        async Task ReadAsync(string sql, int slot, bool firstColumnIsKey = false)
        {
            if (firstColumnIsKey)
            {
                // Rows of (key, account): each row counts one for its account.
                foreach (var (_, account) in await connection.QueryAsync<(string, string)>(new CommandDefinition(sql, transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false))
                {
                    Add(account, slot, 1);
                }

                return;
            }

            foreach (var (account, n) in await connection.QueryAsync<(string, long)>(new CommandDefinition(sql, transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false))
            {
                Add(account, slot, n);
            }
        }

        // Creator: the account of each known item's earliest matched post.
        await ReadAsync(
            "SELECT DISTINCT m.media_key, m.account FROM media_matches m JOIN (SELECT media_key, MIN(seq) AS first_seq FROM media_matches GROUP BY media_key) f " +
            "ON f.media_key = m.media_key AND f.first_seq = m.seq", 0, firstColumnIsKey: true).ConfigureAwait(false);
        await ReadAsync("SELECT account, COUNT(DISTINCT post_id) FROM media_matches GROUP BY account", 1).ConfigureAwait(false);
        await ReadAsync(
            "SELECT r.author, COUNT(*) FROM posts r JOIN posts p ON p.post_id = r.parent_id WHERE r.kind IN ('repost', 'quote') AND p.matched GROUP BY r.author", 2).ConfigureAwait(false);
        await ReadAsync("SELECT account, COUNT(*) FROM engagements GROUP BY account", 3).ConfigureAwait(false);
        await ReadAsync(
            "SELECT COALESCE(p.author, r.subject_id), COUNT(*) FROM reports r LEFT JOIN posts p ON r.subject_kind = 'post' AND p.post_id = r.subject_id " +
            "WHERE r.subject_kind = 'account' OR p.author IS NOT NULL GROUP BY COALESCE(p.author, r.subject_id)", 4).ConfigureAwait(false);
        return counts.ToDictionary(c => c.Key, c => new AccountEvidence(c.Key, c.Value[0], c.Value[1], c.Value[2], c.Value[3], c.Value[4]), StringComparer.Ordinal);
    }
}
