using System.Text.Json;
using System.Text.Json.Serialization;

namespace Haven.Simulation;

/// <summary>
/// The ground truth of a simulated platform (truth.json): every planted offender with its role and the evidence it
/// left, the hashtags, suggested seeds, the parameters and the event counts. Network discovery is scored against it.
/// </summary>
internal sealed record GroundTruth(
    string Format,
    TruthParameters Parameters,
    TruthHashtags Hashtags,
    TruthSeeds Seeds,
    IReadOnlyList<TruthOffender> Offenders,
    TruthKnownImages KnownImages,
    TruthCommunities Communities,
    IReadOnlyDictionary<string, long> EventsByType,
    PlatformCounts Counts,
    TruthFiles Files)
{
    /// <summary>The value of <see cref="Format"/> this code writes and reads.</summary>
    public const string CurrentFormat = "haven-simulate-truth/1";

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>Reads a truth.json written by <c>haven simulate</c>.</summary>
    /// <exception cref="InvalidDataException">The file is not a ground truth of a known format.</exception>
    public static GroundTruth Load(string path)
    {
        using var stream = File.OpenRead(path);
        GroundTruth? truth;
        try
        {
            truth = JsonSerializer.Deserialize<GroundTruth>(stream, Options);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a ground truth file: {e.Message}", e);
        }

        return truth is { Format: CurrentFormat, Offenders: not null, Parameters: not null }
            ? truth
            : throw new InvalidDataException($"{path}: not a ground truth file of format {CurrentFormat}");
    }

    /// <summary>The offenders' account ids by role.</summary>
    public IReadOnlySet<string> AccountsWithRole(OffenderRole role) => Offenders.Where(o => o.Role == role).Select(o => o.Account).ToHashSet(StringComparer.Ordinal);

    /// <summary>Every offender's account id.</summary>
    public IReadOnlySet<string> OffenderAccounts() => Offenders.Select(o => o.Account).ToHashSet(StringComparer.Ordinal);

    /// <summary>Writes the truth as indented JSON (LF line ends, same bytes for the same truth).</summary>
    public void Write(string path)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);
        JsonSerializer.Serialize(stream, this, Options);
        stream.WriteByte((byte)'\n');
    }
}

/// <summary>The options the platform was generated with.</summary>
internal sealed record TruthParameters(int Accounts, int Network, int Seed, int Days, int Images, double Camouflage, double Unwitting, DateTimeOffset Start, DateTimeOffset ActivityStart, DateTimeOffset ActivityEnd);

/// <summary>The co-opted and the watched hashtag, with how often each side used the co-opted one.</summary>
/// <param name="CoOpted">Used by ordinary users all along; offenders take it over from <paramref name="CoOptedFrom"/>.</param>
/// <param name="Watch">The hashtag the placeholder lexicon lists.</param>
internal sealed record TruthHashtags(string CoOpted, DateTimeOffset CoOptedFrom, string Watch, long OrdinaryUsesBefore, long OrdinaryUsesAfter, long OffenderUses);

/// <summary>Suggested starting points for discovery.</summary>
/// <param name="Creator">The creator with the most first posts.</param>
/// <param name="Mixed">Ten offenders: one creator, three distributors, four amplifiers, two solicitors.</param>
internal sealed record TruthSeeds(string Creator, IReadOnlyList<string> Mixed);

/// <summary>One planted offender and what it did.</summary>
/// <param name="FirstPosts">Known images this account posted first.</param>
/// <param name="KnownMediaPosts">Posts carrying a known image (first posts included).</param>
/// <param name="KnownReposts">Reposts and quotes of known-image posts.</param>
/// <param name="SolicitingReplies">Replies with lexicon words on ordinary users' photo posts.</param>
/// <param name="NetworkReplies">Replies to other offenders with trade or contact words.</param>
internal sealed record TruthOffender(string Account, OffenderRole Role, int FirstPosts, int KnownMediaPosts, int KnownReposts, int SolicitingReplies, int NetworkReplies);

/// <summary>The bank of known images.</summary>
/// <param name="Banked">Images in bank.csv (each a PDQ, an MD5 and a SHA-256 row).</param>
/// <param name="Posted">Banked images that appear in the events.</param>
/// <param name="Embedded">Known images whose first post carries the JPEG bytes instead of hashes.</param>
internal sealed record TruthKnownImages(int Banked, int Posted, int Embedded);

/// <summary>Communities: the offenders' own, and how many ordinary ones exist.</summary>
internal sealed record TruthCommunities(IReadOnlyList<string> Offender, int Ordinary);

/// <summary>The files written next to truth.json.</summary>
internal sealed record TruthFiles(string Events, string Bank, string Lexicon);

/// <summary>Building the truth from the simulator's state.</summary>
internal sealed partial class PlatformSimulator
{
    private GroundTruth Truth()
    {
        var offenders = new TruthOffender[_offenders.Length];
        for (var o = 0; o < _offenders.Length; o++)
        {
            var e = _evidence[o];
            offenders[o] = new TruthOffender(AccountId(_offenders[o]), _role[_offenders[o]], e.FirstPosts, e.KnownMediaPosts, e.KnownReposts, e.SolicitingReplies, e.NetworkReplies);
        }

        var creators = Members(OffenderRole.Creator);
        var best = creators.OrderByDescending(c => _evidence[_ordinal[c]].FirstPosts).ThenBy(c => c).First();
        var mixed = new List<string> { AccountId(best) };
        foreach (var (role, wanted) in new[] { (OffenderRole.Distributor, 3), (OffenderRole.Amplifier, 4), (OffenderRole.Solicitor, 2) })
        {
            var members = Members(role);
            var picked = new HashSet<int>();
            while (picked.Count < Math.Min(wanted, members.Length))
            {
                var candidate = members[_random.Next(members.Length)];
                if (picked.Add(candidate))
                {
                    mixed.Add(AccountId(candidate));
                }
            }
        }

        var counts = BuildCounts();
        var byType = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (type, count) in counts.ByType())
        {
            byType[type] = count;
        }

        var start = DateTimeOffset.FromUnixTimeMilliseconds(_start);
        return new GroundTruth(
            GroundTruth.CurrentFormat,
            new TruthParameters(
                _options.Accounts, _options.Network, _options.Seed, _options.Days, _options.Images, _options.Camouflage, _options.Unwitting,
                start, DateTimeOffset.FromUnixTimeMilliseconds(_activityStart), DateTimeOffset.FromUnixTimeMilliseconds(_activityStart + (_options.Days * DayMs))),
            new TruthHashtags(PlatformText.CoOptedHashtag, DateTimeOffset.FromUnixTimeMilliseconds(_coOptedFrom), PlatformText.WatchHashtag, _coOptedOrdinaryFirstHalf, _coOptedOrdinarySecondHalf, _coOptedOffender),
            new TruthSeeds(AccountId(best), mixed),
            offenders,
            new TruthKnownImages(_knownImages, _imageFirstTime.Count(t => t >= 0), _imageBytes.Count(b => b is not null)),
            new TruthCommunities(_offenderCommunity >= 0 ? [CommunityId(_offenderCommunity)] : [], _ordinaryCommunities),
            byType,
            counts,
            new TruthFiles(EventsFile, BankFile, LexiconFileName));
    }
}
