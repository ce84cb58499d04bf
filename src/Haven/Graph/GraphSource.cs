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

    /// <summary>A new snapshot: <paramref name="previous"/> plus the edges listed here (a linear merge in the kernel).</summary>
    public InteractionGraph BuildOnto(InteractionGraph previous) =>
        previous.WithEdges(Accounts.Count, From.ToArray(), To.ToArray(), Kinds.ToArray(), Seconds.ToArray());

    /// <summary>Forgets the listed edges (after they went into a snapshot); accounts keep their nodes.</summary>
    public void ClearEdges()
    {
        From.Clear();
        To.Clear();
        Kinds.Clear();
        Seconds.Clear();
    }
}

/// <summary>How derived edges are made.</summary>
/// <param name="NearDuplicateThreshold">PDQ distance within which two unbanked images count as the same media (0 disables); full loads only.</param>
/// <param name="HashtagNeighbours">Each user of a watched hashtag is linked to this many earlier users of it (1 or 2).</param>
internal sealed record GraphSourceOptions(int NearDuplicateThreshold = 16, int HashtagNeighbours = 2);

/// <summary>What a group (one known item, one MD5, one watched hashtag) remembers: its first and two latest members.</summary>
internal sealed class GroupState(string first)
{
    public string First { get; } = first;

    public string Last { get; set; } = first;

    public string? BeforeLast { get; set; }
}

/// <summary>
/// Where reading the store has got to, and the group state derived edges need, so a refresh reads only what the signals
/// stage wrote since and links new members exactly as a full load would have.
/// </summary>
internal sealed class GraphSourceState
{
    public GraphInput Input { get; } = new();

    public long EdgesSeq { get; set; }

    public long MatchesSeq { get; set; }

    public long MediaSeq { get; set; }

    public long TagsSeq { get; set; }

    public Dictionary<string, GroupState> Groups { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// Reads the interaction graph from the signals stage's projections (DESIGN §3.4): reposts, quotes, replies, mentions
/// and follows from <c>edges</c>; shared media from <c>media_matches</c> (same known item), <c>media_items</c> (same MD5,
/// or, on a full load, PDQ within the near-duplicate threshold, banked or not); shared watched hashtags from
/// <c>hashtag_uses</c>. Groups are linked sparsely so a popular image or tag cannot turn into a clique: each new poster
/// to the group's first poster (its creator) and to the latest poster, each hashtag user to the latest users.
/// Everything is read in log order, so a refresh (<see cref="LoadDeltaAsync"/>) after a full load adds exactly the
/// edges a full load of the longer log would have, except PDQ near-duplicates, follow removals and hashtags watched
/// after the fact, which wait for the next full load.
/// </summary>
internal static class GraphSource
{
    /// <summary>A full load: every row, plus PDQ near-duplicate clusters.</summary>
    public static async Task<GraphSourceState> LoadAsync(HavenStore store, GraphSourceOptions options, CancellationToken cancellationToken = default)
    {
        var state = new GraphSourceState();
        await LoadDeltaAsync(store, options, state, cancellationToken).ConfigureAwait(false);
        if (options.NearDuplicateThreshold > 0)
        {
            await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            var media = (await connection.QueryAsync<(string Account, long At, string Pdq)>(new CommandDefinition(
                "SELECT account, occurred_at, pdq FROM media_items WHERE pdq IS NOT NULL AND quality >= @gate AND seq <= @last ORDER BY seq, media_index",
                new { last = state.MediaSeq, gate = Matching.PdqQuality.DefaultGate }, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
            LinkNearDuplicates(state.Input, media, options.NearDuplicateThreshold);
        }

        return state;
    }

    /// <summary>Appends to <paramref name="state"/>'s edge lists everything written after its watermarks, in log order.</summary>
    public static async Task LoadDeltaAsync(HavenStore store, GraphSourceOptions options, GraphSourceState state, CancellationToken cancellationToken = default)
    {
        var input = state.Input;
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await store.BeginSnapshotReadAsync(connection, cancellationToken).ConfigureAwait(false);

        var edges = await connection.QueryAsync<(string Src, string Dst, string Kind, long At, long Seq)>(new CommandDefinition(
            "SELECT src, dst, kind, occurred_at, seq FROM edges WHERE seq > @after ORDER BY seq, kind, dst",
            new { after = state.EdgesSeq }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        foreach (var e in edges)
        {
            input.Add(e.Src, e.Dst, KindOf(e.Kind), e.At);
            state.EdgesSeq = Math.Max(state.EdgesSeq, e.Seq);
        }

        var matches = await connection.QueryAsync<(string Key, string Account, long At, long Seq)>(new CommandDefinition(
            "SELECT media_key, account, occurred_at, seq FROM media_matches WHERE seq > @after ORDER BY seq, post_id, media_index, media_key",
            new { after = state.MatchesSeq }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        foreach (var m in matches)
        {
            Link(state, "item:" + m.Key, m.Account, m.At, EdgeKind.SharedMedia, chain: 1, toFirst: true);
            state.MatchesSeq = Math.Max(state.MatchesSeq, m.Seq);
        }

        var media = await connection.QueryAsync<(string Account, long At, string Md5, long Seq)>(new CommandDefinition(
            "SELECT account, occurred_at, md5, seq FROM media_items WHERE seq > @after AND md5 IS NOT NULL ORDER BY seq, media_index",
            new { after = state.MediaSeq }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        foreach (var m in media)
        {
            Link(state, "md5:" + m.Md5, m.Account, m.At, EdgeKind.SharedMedia, chain: 1, toFirst: true);
        }

        state.MediaSeq = Math.Max(state.MediaSeq, await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT MAX(seq) FROM media_items", transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false) ?? 0);

        var watched = await connection.QueryAsync<(string Tag, string Account, long At, long Seq)>(new CommandDefinition(
            "SELECT u.tag, u.account, u.occurred_at, u.seq FROM hashtag_uses u JOIN hashtag_watchlist w ON w.tag = u.tag WHERE u.seq > @after ORDER BY u.seq, u.tag",
            new { after = state.TagsSeq }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        foreach (var w in watched)
        {
            Link(state, "tag:" + w.Tag, w.Account, w.At, EdgeKind.SharedHashtag, chain: Math.Clamp(options.HashtagNeighbours, 1, 2), toFirst: false);
        }

        state.TagsSeq = Math.Max(state.TagsSeq, await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT MAX(seq) FROM hashtag_uses", transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false) ?? 0);
    }

    /// <summary>
    /// Adds one member to a group: linked to the group's first member (when <paramref name="toFirst"/>) and to its
    /// <paramref name="chain"/> latest members. A member that is already the first or one of the latest is not linked again.
    /// </summary>
    internal static void Link(GraphSourceState state, string group, string account, long at, EdgeKind kind, int chain, bool toFirst)
    {
        if (!state.Groups.TryGetValue(group, out var g))
        {
            state.Groups[group] = new GroupState(account);
            state.Input.Node(account);
            return;
        }

        if (account == g.Last || account == g.BeforeLast || account == g.First)
        {
            return;
        }

        if (toFirst)
        {
            state.Input.Add(account, g.First, kind, at);
        }

        if (!toFirst || g.Last != g.First)
        {
            state.Input.Add(account, g.Last, kind, at);
        }

        if (chain >= 2 && g.BeforeLast is { } before && (!toFirst || before != g.First))
        {
            state.Input.Add(account, before, kind, at);
        }

        g.BeforeLast = g.Last;
        g.Last = account;
    }

    /// <summary>An image with more near-duplicates than this is not clustered (degenerate hashes, bounded work).</summary>
    public const int MaxNearDuplicates = 1000;

    private static void LinkNearDuplicates(GraphInput input, List<(string Account, long At, string Pdq)> media, int threshold)
    {
        if (media.Count < 2)
        {
            return;
        }

        var hashes = media.Select(m => PdqHash.Parse(m.Pdq)).ToArray();
        var index = PdqIndex.Build(hashes);
        var hits = new List<PdqIndexHit>();

        // Union-find over near-duplicates; then each cluster with more than one account is a group in posting order.
        var parent = Enumerable.Range(0, media.Count).ToArray();
        int Root(int x)
        {
            while (parent[x] != x)
            {
                parent[x] = parent[parent[x]];
                x = parent[x];
            }

            return x;
        }

        for (var i = 0; i < media.Count; i++)
        {
            hits.Clear();
            index.Search(hashes[i], threshold, hits);
            if (hits.Count > MaxNearDuplicates)
            {
                // A near-uniform hash close to everything says nothing about who shares media; it also bounds the work.
                continue;
            }

            foreach (var hit in hits)
            {
                var (a, b) = (Root(i), Root(hit.Entry));
                if (a != b)
                {
                    parent[Math.Max(a, b)] = Math.Min(a, b);
                }
            }
        }

        var size = new int[media.Count];
        for (var i = 0; i < media.Count; i++)
        {
            size[Root(i)]++;
        }

        var clusters = new GraphSourceState();
        foreach (var i in Enumerable.Range(0, media.Count).Where(i => size[Root(i)] > 1))
        {
            Link(clusters, "pdq:" + Root(i), media[i].Account, media[i].At, EdgeKind.SharedMedia, chain: 1, toFirst: true);
        }

        for (var e = 0; e < clusters.Input.From.Count; e++)
        {
            input.Add(clusters.Input.Accounts[clusters.Input.From[e]], clusters.Input.Accounts[clusters.Input.To[e]], clusters.Input.Kinds[e], clusters.Input.Seconds[e] * 1000);
        }
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
