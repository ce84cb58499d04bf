namespace Haven.Kernels.Graph;

/// <summary>What one account did to another (DESIGN §3.4). Stored in three bits.</summary>
public enum EdgeKind : byte
{
    /// <summary>From reposted (boosted) a post of To.</summary>
    Repost,

    /// <summary>From quoted a post of To.</summary>
    Quote,

    /// <summary>From replied to To.</summary>
    Reply,

    /// <summary>From mentioned To.</summary>
    Mention,

    /// <summary>From follows To.</summary>
    Follow,

    /// <summary>From and To posted media of one PDQ cluster (From posted after To).</summary>
    SharedMedia,

    /// <summary>From and To used one watched hashtag (From used it after To).</summary>
    SharedHashtag,
}

/// <summary>Which way the interactions of one stored edge went, seen from the node that owns the half-edge.</summary>
[Flags]
public enum EdgeDirection : byte
{
    /// <summary>No interaction (never stored).</summary>
    None = 0,

    /// <summary>The owner acted on the neighbour (owner —kind→ neighbour).</summary>
    Outgoing = 1,

    /// <summary>The neighbour acted on the owner (neighbour —kind→ owner).</summary>
    Incoming = 2,

    /// <summary>Both ways (for example they replied to each other).</summary>
    Both = Outgoing | Incoming,
}
