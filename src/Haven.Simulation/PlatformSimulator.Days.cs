namespace Haven.Simulation;

/// <summary>The day-by-day activity of ordinary users and offenders.</summary>
internal sealed partial class PlatformSimulator
{
    // Ordinary users act about 0.12 times a day on average (posts, photos, replies, reposts, quotes).
    private const double OrdinaryActionsPerAccountDay = 0.12;

    private readonly int[] _lastPost;
    private readonly long[] _lastPostTime;
    private readonly PostRing _recentOrdinary = new(8_192);
    private readonly PostRing _recentOrdinaryPhotos = new(4_096);
    private readonly PostRing _recentOffenderEveryday = new(2_048);
    private readonly List<PostRef> _knownPosts = [];
    private readonly List<PendingEvent> _pending = [];
    private OffenderEvidence[] _evidence = [];
    private double[] _offenderPace = [];
    private int[] _guaranteeDay = [];

    private int _seq;
    private int _nextPost;
    private int _nextReport;
    private int _ordinaryCommunities;
    private int _offenderCommunity = -1;
    private long _offenderCommunityTime = long.MaxValue;
    private long _coOptedOrdinaryFirstHalf;
    private long _coOptedOrdinarySecondHalf;
    private long _coOptedOffender;

    // Counts of generated (hence written) events.
    private long _countAccounts;
    private long _countCommunities;
    private long _countFollows;
    private long _countPosts;
    private long _countPhotoPosts;
    private long _countKnownPosts;
    private long _countReplies;
    private long _countReposts;
    private long _countQuotes;
    private long _countReports;

    /// <summary>What is generated per event, and what the writer turns into JSON.</summary>
    private enum Kind : byte
    {
        AccountCreated,
        CommunityCreated,
        Follow,
        TextPost,
        PhotoPost,
        Reply,
        Repost,
        Quote,
        KnownMediaPost,
        SolicitingReply,
        NetworkReply,
        NetworkQuote,
        Report,
    }

    [Flags]
    private enum Tags : byte
    {
        None = 0,
        CoOpted = 1,
        Watch = 2,
        ExactCopy = 4,
        AccountSubject = 8,
        Spam = 16,
    }

    /// <summary>Generates and writes every event.</summary>
    private void Run(Stream stream, IProgress<PlatformProgress>? progress, CancellationToken cancellationToken)
    {
        using var writer = new EventWriter(this, stream);
        var days = _options.Days;
        _offenderPace = new double[_offenders.Length];
        _guaranteeDay = new int[_offenders.Length];
        for (var o = 0; o < _offenders.Length; o++)
        {
            // Heavy-tailed pace: Pareto with tail 2 (mean 2), halved so the mean is 1, capped at 8×.
            _offenderPace[o] = Math.Min(8.0, _random.Pareto(1.0, 2.0) / 2.0);
            _guaranteeDay[o] = _random.Between(1, days - 1);
        }

        // The platform's accounts exist before the period: created in index order over its first two hours.
        var spacing = 2.0 * HourMs / _accounts;
        for (var a = 0; a < _accounts; a++)
        {
            writer.Write(new PendingEvent { Time = _start + (long)(a * spacing), Kind = Kind.AccountCreated, Actor = a, Seed = _random.NextUInt64() });
            _countAccounts++;
        }

        progress?.Report(new PlatformProgress("days", 0, days));
        for (var day = 0; day < days; day++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var dayStart = _activityStart + (day * DayMs);
            GenerateDay(day, dayStart);

            // Nothing generated later is earlier than the next day's start, so everything before it can go out.
            _pending.Sort(static (x, y) => x.Time != y.Time ? x.Time.CompareTo(y.Time) : x.Seq.CompareTo(y.Seq));
            var flush = day == days - 1 ? long.MaxValue : dayStart + DayMs;
            var written = 0;
            while (written < _pending.Count && _pending[written].Time < flush)
            {
                writer.Write(_pending[written]);
                written++;
            }

            _pending.RemoveRange(0, written);
            progress?.Report(new PlatformProgress("days", day + 1, days));
        }
    }

    private void GenerateDay(int day, long dayStart)
    {
        for (var i = _followDayStart[day]; i < _followDayStart[day + 1]; i++)
        {
            var edge = _followByDay[i];
            Add(new PendingEvent { Time = _followTime[edge], Kind = Kind.Follow, Actor = _followSource[edge], Target = _followTarget[edge] });
            _countFollows++;
        }

        if (day == 0)
        {
            _ordinaryCommunities = Math.Clamp(_accounts / 5_000, 5, 200);
            for (var c = 0; c < _ordinaryCommunities; c++)
            {
                Add(new PendingEvent { Time = dayStart + _random.NextLong(HourMs), Kind = Kind.CommunityCreated, Actor = ActiveOrdinaryAccount(), Community = c });
                _countCommunities++;
            }
        }

        if (dayStart <= _coOptedFrom && _coOptedFrom < dayStart + DayMs)
        {
            // The offenders' own community opens as they take over the hashtag.
            _offenderCommunity = _ordinaryCommunities;
            _offenderCommunityTime = _coOptedFrom + _random.NextLong(HourMs);
            var creators = Members(OffenderRole.Creator);
            Add(new PendingEvent { Time = _offenderCommunityTime, Kind = Kind.CommunityCreated, Actor = creators[_random.Next(creators.Length)], Community = _offenderCommunity });
            _countCommunities++;
        }

        // Known posts and first-posted images visible to today's offenders: those from earlier days.
        var knownBefore = _knownPosts.Count;
        var imagesBefore = 0;
        while (imagesBefore < _imagesByFirstTime.Length && _imageFirstTime[_imagesByFirstTime[imagesBefore]] < dayStart)
        {
            imagesBefore++;
        }

        // Creators first-post the images scheduled today.
        for (var i = imagesBefore; i < _imagesByFirstTime.Length && _imageFirstTime[_imagesByFirstTime[i]] < dayStart + DayMs; i++)
        {
            var image = _imagesByFirstTime[i];
            KnownMediaPost(_imageCreator[image], _imageFirstTime[image], image, exact: true, firstPost: true);
        }

        var ordinaryActions = _random.Poisson(_ordinary.Length * OrdinaryActionsPerAccountDay);
        for (var i = 0; i < ordinaryActions; i++)
        {
            OrdinaryAction(dayStart);
        }

        var noiseReports = _random.Poisson(_ordinary.Length * 0.0002);
        for (var i = 0; i < noiseReports && _recentOrdinary.Count > 0; i++)
        {
            var subject = _recentOrdinary.Pick(_random);
            Report(ActiveOrdinaryAccount(), subject, After(dayStart, subject.Time, 60_000, DayMs), Tags.Spam);
        }

        for (var o = 0; o < _offenders.Length; o++)
        {
            OffenderDay(o, day, dayStart, knownBefore, imagesBefore);
        }
    }

    private void OrdinaryAction(long dayStart)
    {
        var actor = ActiveOrdinaryAccount();
        var time = dayStart + _random.NextLong(DayMs);
        var roll = _random.NextDouble();
        var kind = roll < 0.28 ? Kind.TextPost : roll < 0.50 ? Kind.PhotoPost : roll < 0.75 ? Kind.Reply : roll < 0.95 ? Kind.Repost : Kind.Quote;
        if (kind is Kind.Reply or Kind.Repost or Kind.Quote && TryOrdinaryTarget(actor, out var target))
        {
            var at = After(dayStart, target.Time, 5_000, 12 * HourMs);
            var post = NewPost(actor, at, everyday: false);
            Add(new PendingEvent { Time = at, Kind = kind, Actor = actor, Post = post, Ref = target.Id, Target = target.Author });
            CountReaction(kind);
            if (kind != Kind.Repost)
            {
                _recentOrdinary.Add(new PostRef(post, at, actor));
            }

            return;
        }

        if (kind is not Kind.PhotoPost)
        {
            kind = Kind.TextPost;
        }

        var tags = Tags.None;
        if (_random.Chance(0.004))
        {
            tags |= Tags.CoOpted;
            if (time < _coOptedFrom)
            {
                _coOptedOrdinaryFirstHalf++;
            }
            else
            {
                _coOptedOrdinarySecondHalf++;
            }
        }

        var mention = -1;
        if (_random.Chance(0.05) && Followees(actor) is { Length: > 0 } followees)
        {
            mention = followees[_random.Next(followees.Length)];
        }

        var community = _random.Chance(0.03) ? _random.Zipf(_ordinaryCommunities) : -1;
        var id = NewPost(actor, time, everyday: false);
        Add(new PendingEvent { Time = time, Kind = kind, Actor = actor, Post = id, Target = mention, Community = community, Tags = tags });
        _countPosts++;
        _recentOrdinary.Add(new PostRef(id, time, actor));
        if (kind == Kind.PhotoPost)
        {
            _countPhotoPosts++;
            _recentOrdinaryPhotos.Add(new PostRef(id, time, actor));
        }
    }

    /// <summary>
    /// What an ordinary user replies to or reposts: with probability <see cref="PlatformOptions.Unwitting"/> an
    /// offender's everyday post; else most often the latest post of someone they follow; else a recent post.
    /// Never an offender's known-image post: ordinary users are not amplifiers.
    /// </summary>
    private bool TryOrdinaryTarget(int actor, out PostRef target)
    {
        if (_random.Chance(_options.Unwitting) && _recentOffenderEveryday.Count > 0)
        {
            target = _recentOffenderEveryday.Pick(_random);
            return true;
        }

        if (_random.Chance(0.6) && Followees(actor) is { Length: > 0 } followees)
        {
            var followee = followees[_random.Next(followees.Length)];
            if (_role[followee] == OffenderRole.None && _lastPost[followee] >= 0)
            {
                target = new PostRef(_lastPost[followee], _lastPostTime[followee], followee);
                return true;
            }
        }

        if (_recentOrdinary.Count > 0)
        {
            target = _recentOrdinary.Pick(_random);
            return true;
        }

        target = default;
        return false;
    }

    private void OffenderDay(int o, int day, long dayStart, int knownBefore, int imagesBefore)
    {
        var account = _offenders[o];
        var pace = _offenderPace[o];
        var role = _role[account];
        ref var evidence = ref _evidence[o];

        // Everyday posts: camouflage, and from the second half the co-opted hashtag.
        for (var n = _random.Poisson(0.1); n > 0; n--)
        {
            var time = dayStart + _random.NextLong(DayMs);
            var tags = Tags.None;
            if (time >= _coOptedFrom && _random.Chance(0.5))
            {
                tags = Tags.CoOpted;
                _coOptedOffender++;
            }

            var id = NewPost(account, time, everyday: true);
            Add(new PendingEvent { Time = time, Kind = Kind.TextPost, Actor = account, Post = id, Tags = tags, Target = -1, Community = -1 });
            _countPosts++;
            _recentOffenderEveryday.Add(new PostRef(id, time, account));
        }

        // Talk inside the network (trade requests, off-platform contact), or everyday replies to ordinary users.
        for (var n = _random.Poisson(role is OffenderRole.Creator or OffenderRole.Distributor ? 0.15 : 0.08); n > 0; n--)
        {
            if (_random.Chance(_options.Camouflage))
            {
                EverydayReplyToOrdinary(account, dayStart);
                continue;
            }

            PostRef answered;
            if (knownBefore > 0 && _random.Chance(0.4))
            {
                answered = _knownPosts[_random.Next(knownBefore)];
            }
            else
            {
                var other = _offenders[_random.Next(_offenders.Length)];
                if (_lastPost[other] < 0)
                {
                    continue;
                }

                answered = new PostRef(_lastPost[other], _lastPostTime[other], other);
            }

            if (answered.Author == account)
            {
                continue;
            }

            var at = After(dayStart, answered.Time, 30_000, 12 * HourMs);
            Add(new PendingEvent { Time = at, Kind = Kind.NetworkReply, Actor = account, Post = NewPost(account, at, everyday: false), Ref = answered.Id, Target = answered.Author });
            _countReplies++;
            evidence.NetworkReplies++;
        }

        switch (role)
        {
            case OffenderRole.Creator:
                for (var n = _random.Poisson(0.03 * pace); n > 0 && imagesBefore > 0; n--)
                {
                    Distribute(o, dayStart, imagesBefore);
                }

                break;
            case OffenderRole.Distributor:
                var posts = Math.Max(_random.Poisson(0.25 * pace), day >= _guaranteeDay[o] && evidence.KnownMediaPosts == 0 ? 1 : 0);

                for (var n = 0; n < posts && imagesBefore > 0; n++)
                {
                    Distribute(o, dayStart, imagesBefore);
                }

                break;
            case OffenderRole.Amplifier:
                // From its guarantee day until it has one, an amplifier's first repost of the day is a known-image post.
                var due = day >= _guaranteeDay[o] && evidence.KnownReposts == 0;
                var reposts = Math.Max(_random.Poisson(0.3 * pace), due ? 1 : 0);
                for (var n = 0; n < reposts; n++)
                {
                    if (!due && _random.Chance(_options.Camouflage) && _recentOrdinary.Count > 0)
                    {
                        var ordinary = _recentOrdinary.Pick(_random);
                        var at = After(dayStart, ordinary.Time, 5_000, 12 * HourMs);
                        Add(new PendingEvent { Time = at, Kind = Kind.Repost, Actor = account, Post = NewPost(account, at, everyday: false), Ref = ordinary.Id, Target = ordinary.Author });
                        _countReposts++;
                        continue;
                    }

                    if (knownBefore == 0)
                    {
                        break;
                    }

                    // Mostly recent known-image posts.
                    var known = _knownPosts[knownBefore - 1 - _random.Next(Math.Min(knownBefore, 2_000))];
                    var time = dayStart + _random.NextLong(DayMs);
                    var quote = _random.Chance(0.1);
                    Add(new PendingEvent { Time = time, Kind = quote ? Kind.NetworkQuote : Kind.Repost, Actor = account, Post = NewPost(account, time, everyday: false), Ref = known.Id, Target = known.Author });
                    CountReaction(quote ? Kind.Quote : Kind.Repost);
                    evidence.KnownReposts++;
                    due = false;
                }

                break;
            case OffenderRole.Solicitor:
                var owed = day >= _guaranteeDay[o] && evidence.SolicitingReplies == 0;
                var replies = Math.Max(_random.Poisson(0.35 * pace), owed ? 1 : 0);
                for (var n = 0; n < replies; n++)
                {
                    if (!owed && _random.Chance(_options.Camouflage))
                    {
                        EverydayReplyToOrdinary(account, dayStart);
                        continue;
                    }

                    if (_recentOrdinaryPhotos.Count == 0)
                    {
                        break;
                    }

                    var photo = _recentOrdinaryPhotos.Pick(_random);
                    var at = After(dayStart, photo.Time, 30_000, 6 * HourMs);
                    var id = NewPost(account, at, everyday: false);
                    Add(new PendingEvent { Time = at, Kind = Kind.SolicitingReply, Actor = account, Post = id, Ref = photo.Id, Target = photo.Author });
                    _countReplies++;
                    evidence.SolicitingReplies++;
                    owed = false;
                    if (_random.Chance(0.05))
                    {
                        // The photo's owner reports the reply, sometimes the account.
                        var subject = new PostRef(id, at, account);
                        Report(photo.Author, subject, After(dayStart, at, 60_000, DayMs), _random.Chance(0.3) ? Tags.AccountSubject : Tags.None);
                    }
                }

                break;
            default:
                break;
        }
    }

    /// <summary>A distributor (or creator) posts an image already first-posted on an earlier day: 30% the exact file, else a near copy.</summary>
    private void Distribute(int o, long dayStart, int imagesBefore)
    {
        var image = _imagesByFirstTime[_random.Next(imagesBefore)];
        KnownMediaPost(_offenders[o], dayStart + _random.NextLong(DayMs), image, exact: _random.Chance(0.3), firstPost: false);
    }

    private void KnownMediaPost(int account, long time, int image, bool exact, bool firstPost)
    {
        var tags = exact ? Tags.ExactCopy : Tags.None;
        if (_random.Chance(0.3))
        {
            tags |= Tags.Watch;
        }

        if (time >= _coOptedFrom && _random.Chance(0.6))
        {
            tags |= Tags.CoOpted;
            _coOptedOffender++;
        }

        var community = _offenderCommunity >= 0 && time > _offenderCommunityTime && _random.Chance(0.3) ? _offenderCommunity : -1;
        var id = NewPost(account, time, everyday: false);
        Add(new PendingEvent { Time = time, Kind = Kind.KnownMediaPost, Actor = account, Post = id, Image = image, Tags = tags, Community = community, Target = -1 });
        _countPosts++;
        _countPhotoPosts++;
        _countKnownPosts++;
        _knownPosts.Add(new PostRef(id, time, account));
        ref var evidence = ref _evidence[_ordinal[account]];
        evidence.KnownMediaPosts++;
        if (firstPost)
        {
            evidence.FirstPosts++;
        }

        if (_random.Chance(0.04))
        {
            Report(ActiveOrdinaryAccount(), new PostRef(id, time, account), time + _random.Between(600_000, (int)(2 * DayMs)), _random.Chance(0.2) ? Tags.AccountSubject : Tags.None);
        }
    }

    private void EverydayReplyToOrdinary(int account, long dayStart)
    {
        if (_recentOrdinary.Count == 0)
        {
            return;
        }

        var target = _recentOrdinary.Pick(_random);
        var at = After(dayStart, target.Time, 5_000, 12 * HourMs);
        Add(new PendingEvent { Time = at, Kind = Kind.Reply, Actor = account, Post = NewPost(account, at, everyday: false), Ref = target.Id, Target = target.Author });
        _countReplies++;
    }

    private void Report(int reporter, PostRef subject, long time, Tags tags)
    {
        Add(new PendingEvent { Time = time, Kind = Kind.Report, Actor = reporter, Post = _nextReport++, Ref = subject.Id, Target = subject.Author, Tags = tags });
        _countReports++;
    }

    private void CountReaction(Kind kind)
    {
        switch (kind)
        {
            case Kind.Reply:
                _countReplies++;
                break;
            case Kind.Repost:
                _countReposts++;
                break;
            default:
                _countQuotes++;
                break;
        }
    }

    /// <summary>A time in today that is at least <paramref name="minDelay"/> after <paramref name="after"/> (replies come after what they answer; they may spill into the next day).</summary>
    private long After(long dayStart, long after, int minDelay, long maxDelay)
    {
        var time = dayStart + _random.NextLong(DayMs);
        return time > after + minDelay ? time : after + minDelay + _random.NextLong(maxDelay);
    }

    private int NewPost(int account, long time, bool everyday)
    {
        var id = _nextPost++;
        if (time >= _lastPostTime[account] && (everyday || _role[account] == OffenderRole.None))
        {
            _lastPost[account] = id;
            _lastPostTime[account] = time;
        }

        return id;
    }

    private ReadOnlySpan<int> Followees(int account) => _followTarget.AsSpan(_followStart[account], _followStart[account + 1] - _followStart[account]);

    private void Add(PendingEvent pending)
    {
        pending.Seq = _seq++;
        if (pending.Seed == 0)
        {
            pending.Seed = _random.NextUInt64();
        }

        _pending.Add(pending);
    }

    private PlatformCounts BuildCounts() => new()
    {
        AccountCreated = _countAccounts,
        CommunityCreated = _countCommunities,
        FollowCreated = _countFollows,
        Posts = _countPosts,
        PhotoPosts = _countPhotoPosts,
        KnownMediaPosts = _countKnownPosts,
        Replies = _countReplies,
        Reposts = _countReposts,
        Quotes = _countQuotes,
        ReportCreated = _countReports,
    };

    /// <summary>One generated event, before it becomes JSON.</summary>
    private struct PendingEvent
    {
        public long Time;
        public int Seq;
        public Kind Kind;
        public Tags Tags;
        public int Actor;
        public int Target;
        public int Post;
        public int Ref;
        public int Image;
        public int Community;
        public ulong Seed;
    }

    /// <summary>A post someone can react to.</summary>
    private readonly record struct PostRef(int Id, long Time, int Author);

    /// <summary>What one offender did: the evidence behind their role.</summary>
    private struct OffenderEvidence
    {
        public int FirstPosts;
        public int KnownMediaPosts;
        public int KnownReposts;
        public int SolicitingReplies;
        public int NetworkReplies;
    }

    /// <summary>The most recent posts of a kind, for picking reply and repost targets.</summary>
    private sealed class PostRing(int capacity)
    {
        private readonly PostRef[] _items = new PostRef[capacity];
        private long _added;

        public int Count => (int)Math.Min(_added, _items.Length);

        public void Add(PostRef post) => _items[_added++ % _items.Length] = post;

        public PostRef Pick(PlatformRandom random) => _items[random.Next(Count)];
    }
}
