using Dapper;
using Haven.Kernels.Graph;
using Haven.Kernels.Hamming;
using Haven.Kernels.Pdq;
using Haven.Storage;

namespace Haven.Graph;

/// <summary>Edge lists read from the store, with account ids mapped to dense node numbers.</summary>
internal sealed class GraphInput
{
    private readonly Dictionary<string, int> _nodes = new(StringComparer.Ordinal);

    /// <summary>Account id of each node.</summary>
    public List<string> Accounts { get; } = [];

    public List<int> From { get; } = [];

    public List<int> To { get; } = [];

    public List<EdgeKind> Kinds { get; } = [];

    public List<long> Seconds { get; } = [];

    /// <summary>The node of an account, added when new.</summary>
    public int Node(string account)
    {
        if (!_nodes.TryGetValue(account, out var node))
        {
            node = Accounts.Count;
            _nodes[account] = node;
            Accounts.Add(account);
        }

        return node;
    }

    /// <summary>The node of an account, or -1 when the graph has never seen it.</summary>
    public int Find(string account) => _nodes.GetValueOrDefault(account, -1);

    /// <summary>Adds one interaction (self-loops are dropped: they say nothing about a network).</summary>
    public void Add(string from, string to, EdgeKind kind, long unixMs)
    {
        if (from == to)
        {
            return;
        }

        From.Add(Node(from));
        To.Add(Node(to));
        Kinds.Add(kind);
        Seconds.Add(unixMs / 1000);
    }

    /// <summary>Builds the CSR snapshot.</summary>
    public InteractionGraph Build() =>
        InteractionGraph.Build(Accounts.Count, From.ToArray(), To.ToArray(), Kinds.ToArray(), Seconds.ToArray());
}

/// <summary>How derived edges are made.</summary>
/// <param name="NearDuplicateThreshold">PDQ distance within which two unbanked images count as the same media (0 disables).</param>
/// <param name="HashtagNeighbours">Each user of a watched hashtag is linked to this many earlier distinct users of it.</param>
internal sealed record GraphSourceOptions(int NearDuplicateThreshold = 16, int HashtagNeighbours = 2);

/// <summary>
/// Reads the interaction graph from the signals stage's projections (DESIGN §3.4): reposts, quotes, replies, mentions
/// and follows from <c>edges</c>; shared media from <c>media_matches</c> (same known item), <c>media_items</c> (same MD5,
/// or PDQ within the near-duplicate threshold, banked or not); shared watched hashtags from <c>hashtag_uses</c>.
/// Shared-media and shared-hashtag groups are linked sparsely so a popular image or tag cannot turn into a clique:
/// each poster to the group's first poster (its creator) and to the poster before, and each hashtag user to the few
/// distinct users before it.
/// </summary>
internal static class GraphSource
{
    /// <summary>Reads everything the graph needs in one snapshot of the store.</summary>
    public static async Task<GraphInput> LoadAsync(HavenStore store, GraphSourceOptions options, CancellationToken cancellationToken = default)
    {
        var input = new GraphInput();
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await store.BeginSnapshotReadAsync(connection, cancellationToken).ConfigureAwait(false);

        var edges = await connection.QueryAsync<(string Src, string Dst, string Kind, long At)>(new CommandDefinition(
            "SELECT src, dst, kind, occurred_at FROM edges ORDER BY seq, kind, dst", transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        foreach (var e in edges)
        {
            input.Add(e.Src, e.Dst, KindOf(e.Kind), e.At);
        }

        // Media of one known item (a bank's entries sharing an external id, or one entry), in posting order.
        var matches = await connection.QueryAsync<(string Key, string Account, long At)>(new CommandDefinition(
            "SELECT media_key, account, MIN(occurred_at) FROM media_matches GROUP BY media_key, account ORDER BY media_key, MIN(seq)",
            transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        LinkGroups(input, matches, EdgeKind.SharedMedia, chain: 1);

        // Exact and near-duplicate media, banked or not.
        var media = (await connection.QueryAsync<(string Account, long At, string? Pdq, string? Md5)>(new CommandDefinition(
            "SELECT account, occurred_at, pdq, md5 FROM media_items WHERE pdq IS NOT NULL OR md5 IS NOT NULL ORDER BY occurred_at, post_id, media_index",
            transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        LinkGroups(input, media.Where(m => m.Md5 is not null).Select(m => ("md5:" + m.Md5, m.Account, m.At)).OrderBy(g => g.Item1, StringComparer.Ordinal), EdgeKind.SharedMedia, chain: 1);
        if (options.NearDuplicateThreshold > 0)
        {
            LinkNearDuplicates(input, media, options.NearDuplicateThreshold);
        }

        var watched = await connection.QueryAsync<(string Tag, string Account, long At)>(new CommandDefinition(
            "SELECT u.tag, u.account, u.occurred_at FROM hashtag_uses u JOIN hashtag_watchlist w ON w.tag = u.tag ORDER BY u.tag, u.occurred_at, u.post_id",
            transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        LinkGroups(input, watched, EdgeKind.SharedHashtag, chain: options.HashtagNeighbours, toFirst: false);
        return input;
    }

    /// <summary>
    /// Links the members of each group (rows sorted by group, then time): each new distinct member to the group's first
    /// member (unless <paramref name="toFirst"/> is false) and to the <paramref name="chain"/> distinct members before it.
    /// </summary>
    internal static void LinkGroups(GraphInput input, IEnumerable<(string Group, string Account, long At)> rows, EdgeKind kind, int chain, bool toFirst = true)
    {
        string? group = null;
        var members = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (g, account, at) in rows)
        {
            if (g != group)
            {
                group = g;
                members.Clear();
                seen.Clear();
            }

            if (!seen.Add(account))
            {
                continue;
            }

            if (toFirst && members.Count > 0)
            {
                input.Add(account, members[0], kind, at);
            }

            for (var back = 1; back <= chain && members.Count - back >= (toFirst ? 1 : 0); back++)
            {
                input.Add(account, members[^back], kind, at);
            }

            members.Add(account);
        }
    }

    private static void LinkNearDuplicates(GraphInput input, List<(string Account, long At, string? Pdq, string? Md5)> media, int threshold)
    {
        var items = media.Where(m => m.Pdq is not null).Select(m => (m.Account, m.At, Hash: PdqHash.Parse(m.Pdq))).ToList();
        if (items.Count < 2)
        {
            return;
        }

        var index = PdqIndex.Build(items.Select(i => i.Hash).ToArray());
        var hits = new List<PdqIndexHit>();

        // Union-find over near-duplicates, then each cluster is a group in posting order.
        var parent = Enumerable.Range(0, items.Count).ToArray();
        int Root(int x)
        {
            while (parent[x] != x)
            {
                parent[x] = parent[parent[x]];
                x = parent[x];
            }

            return x;
        }

        for (var i = 0; i < items.Count; i++)
        {
            hits.Clear();
            index.Search(items[i].Hash, threshold, hits);
            foreach (var hit in hits)
            {
                var (a, b) = (Root(i), Root(hit.Entry));
                if (a != b)
                {
                    parent[Math.Max(a, b)] = Math.Min(a, b);
                }
            }
        }

        var groups = Enumerable.Range(0, items.Count)
            .Select(i => (Root: Root(i), Index: i))
            .GroupBy(x => x.Root)
            .Where(g => g.Select(x => items[x.Index].Account).Distinct(StringComparer.Ordinal).Skip(1).Any())
            .SelectMany(g => g.OrderBy(x => x.Index).Select(x => ("pdq:" + g.Key, items[x.Index].Account, items[x.Index].At)));
        LinkGroups(input, groups, EdgeKind.SharedMedia, chain: 1);
    }

    private static EdgeKind KindOf(string kind) => kind switch
    {
        "repost" => EdgeKind.Repost,
        "quote" => EdgeKind.Quote,
        "reply" => EdgeKind.Reply,
        "mention" => EdgeKind.Mention,
        _ => EdgeKind.Follow,
    };
}
