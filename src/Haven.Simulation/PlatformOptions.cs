namespace Haven.Simulation;

/// <summary>The size, seed and tunable rates of a simulated platform (<c>haven simulate</c>, docs/simulate.md).</summary>
internal sealed record PlatformOptions
{
    /// <summary>Largest platform the generator accepts.</summary>
    public const int MaxAccounts = 10_000_000;

    /// <summary>All accounts, offenders included.</summary>
    public int Accounts { get; init; } = 200_000;

    /// <summary>Offender accounts: about 5% creators, 25% distributors, 50% amplifiers, 20% solicitors.</summary>
    public int Network { get; init; } = 2_000;

    /// <summary>The seed: the same options give byte-identical files.</summary>
    public int Seed { get; init; } = 2026;

    /// <summary>Days of activity; offenders take over the co-opted hashtag in the second half.</summary>
    public int Days { get; init; } = 30;

    /// <summary>Known images carried as real synthetic JPEG bytes (base64) instead of precomputed hashes, so the decode path runs.</summary>
    public int Images { get; init; } = 20;

    /// <summary>Share of offenders' follows, reposts and replies aimed at ordinary users and their posts (camouflage).</summary>
    public double Camouflage { get; init; } = 0.3;

    /// <summary>Share of ordinary users' follows and reposts that land, unknowingly, on offenders and their everyday posts.</summary>
    public double Unwitting { get; init; } = 0.01;

    /// <summary>When the platform's accounts are created; activity starts two hours later.</summary>
    public DateTimeOffset Start { get; init; } = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Why these options are unusable, or null.</summary>
    public string? Validate() =>
        Accounts is < 1_000 or > MaxAccounts ? $"--accounts must be 1000..{MaxAccounts}"
        : Network < 20 ? "--network must be at least 20 (every role needs an account)"
        : Network > Accounts / 4 ? "--network must be at most a quarter of --accounts"
        : Days is < 2 or > 365 ? "--days must be 2..365"
        : Images is < 0 or > 1_000 ? "--images must be 0..1000"
        : Camouflage is < 0 or > 1 || double.IsNaN(Camouflage) ? "--camouflage must be 0..1"
        : Unwitting is < 0 or > 0.5 || double.IsNaN(Unwitting) ? "--unwitting must be 0..0.5"
        : Start.Offset != TimeSpan.Zero ? "the start must be in UTC"
        : null;
}

/// <summary>An offender's part in the network (DESIGN §3.4).</summary>
internal enum OffenderRole : byte
{
    /// <summary>Not an offender.</summary>
    None = 0,

    /// <summary>First poster of known images.</summary>
    Creator = 1,

    /// <summary>Posts known images others first posted.</summary>
    Distributor = 2,

    /// <summary>Reposts posts that carry known images.</summary>
    Amplifier = 3,

    /// <summary>Sexualising and trade-request replies on ordinary users' photo posts.</summary>
    Solicitor = 4,
}

/// <summary>Progress of a simulation: the phase, and how far it is.</summary>
internal readonly record struct PlatformProgress(string Phase, long Done, long Total);

/// <summary>Events written, by what they are.</summary>
internal sealed record PlatformCounts
{
    public long AccountCreated { get; init; }

    public long CommunityCreated { get; init; }

    public long FollowCreated { get; init; }

    /// <summary>Posts that are neither replies, reposts nor quotes (photo posts included).</summary>
    public long Posts { get; init; }

    /// <summary>Posts carrying media (fresh photos and known images).</summary>
    public long PhotoPosts { get; init; }

    /// <summary>Posts carrying a known image (exact or near re-upload).</summary>
    public long KnownMediaPosts { get; init; }

    public long Replies { get; init; }

    public long Reposts { get; init; }

    public long Quotes { get; init; }

    public long ReportCreated { get; init; }

    /// <summary>All <c>post.created</c> events.</summary>
    public long PostCreated => Posts + Replies + Reposts + Quotes;

    /// <summary>Every event.</summary>
    public long Events => AccountCreated + CommunityCreated + FollowCreated + PostCreated + ReportCreated;

    /// <summary>Event counts by contract type, in a fixed order.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> ByType() =>
    [
        new("account.created", AccountCreated),
        new("community.created", CommunityCreated),
        new("follow.created", FollowCreated),
        new("post.created", PostCreated),
        new("report.created", ReportCreated),
    ];
}

/// <summary>What <see cref="PlatformSimulator.Generate"/> wrote.</summary>
/// <param name="Files">Full paths, in the order written.</param>
internal sealed record PlatformSummary(
    PlatformOptions Options,
    PlatformCounts Counts,
    IReadOnlyList<KeyValuePair<OffenderRole, int>> OffendersByRole,
    int KnownImages,
    int KnownImagesPosted,
    IReadOnlyList<string> Files,
    TimeSpan Elapsed);
