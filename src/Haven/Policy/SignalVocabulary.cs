using System.Collections.Frozen;
using Haven.Banks;
using Haven.Text;

namespace Haven.Policy;

/// <summary>
/// Every signal name the engine computes and a policy may name: counters, text categories, bank classes and signal
/// types. The stages that emit signals (<c>Signals/AccountCounters</c>, <c>Signals/SignalProcessor</c>,
/// <c>Graph/DiscoveryCases</c>) take their names from here and the validator checks policies against it, so a name
/// in a policy that no stage emits is refused instead of silently reading 0. It lives in Policy because the emitting
/// stages already depend on Policy (docs/architecture.md); text categories stay owned by <see cref="LexiconCategories"/>
/// and signal types by <see cref="SignalTypes"/>, and are read through here.
/// </summary>
internal static class SignalVocabulary
{
    /// <summary>Distinct owners of photos the account replied to with sexualising, age-reference or trade language, last 24 hours.</summary>
    public const string SexualisingOwners24h = "sexualising_replies_distinct_owners_24h";

    /// <summary>The same over 7 days (the default policy's rule).</summary>
    public const string SexualisingOwners7d = "sexualising_replies_distinct_owners_7d";

    /// <summary>The same over 30 days.</summary>
    public const string SexualisingOwners30d = "sexualising_replies_distinct_owners_30d";

    /// <summary>Sexualising replies on other people's photos, last 7 days.</summary>
    public const string SexualisingReplies7d = "sexualising_replies_7d";

    /// <summary>Posts with trade-request or solicitation language, last 7 days.</summary>
    public const string TradeRequests7d = "trade_requests_7d";

    /// <summary>Distinct accounts addressed by those trade or solicitation requests (replies), last 7 days.</summary>
    public const string TradeRequestOwners7d = "trade_requests_distinct_owners_7d";

    /// <summary>Counter on a content signal set: this post is a sexualising engagement (a reply or quote on someone's photo).</summary>
    public const string SexualisingEngagement = "sexualising_engagement";

    /// <summary>Counter on a content signal set: this post asks to trade or solicits.</summary>
    public const string TradeRequest = "trade_request";

    /// <summary>Counter on a discovered account: 1.</summary>
    public const string NetworkDiscovered = "network_discovered";

    /// <summary>Counter on a discovered account: its rank in the discovery run (1 = first).</summary>
    public const string NetworkRank = "network_rank";

    /// <summary>Counter on a discovered account: hops to the nearest seed.</summary>
    public const string NetworkHops = "network_hops";

    /// <summary>Role of an account in a network (Graph/AccountEvidence): first poster of matched media.</summary>
    public const string RoleCreator = "creator";

    /// <summary>Role: posts matched media.</summary>
    public const string RoleDistributor = "distributor";

    /// <summary>Role: reposts or quotes posts with matched media.</summary>
    public const string RoleAmplifier = "amplifier";

    /// <summary>Role: trade or sexualising replies.</summary>
    public const string RoleSolicitor = "solicitor";

    private const string NetworkRolePrefix = "network_role_";

    /// <summary>Counters computed per account over event time (Signals/AccountCounters).</summary>
    public static IReadOnlyList<string> AccountCounters { get; } =
        [SexualisingOwners24h, SexualisingOwners7d, SexualisingOwners30d, SexualisingReplies7d, TradeRequests7d, TradeRequestOwners7d];

    /// <summary>Counters the signals stage sets on a post's own signal set.</summary>
    public static IReadOnlyList<string> ContentCounters { get; } = [SexualisingEngagement, TradeRequest];

    /// <summary>Every role discovery can assign, strongest first.</summary>
    public static IReadOnlyList<string> NetworkRoles { get; } = [RoleCreator, RoleDistributor, RoleAmplifier, RoleSolicitor];

    /// <summary>Counters set on a discovered account (Graph/DiscoveryCases), one <c>network_role_ROLE</c> per role.</summary>
    public static IReadOnlyList<string> DiscoveryCounters { get; } =
        [NetworkDiscovered, NetworkRank, NetworkHops, .. NetworkRoles.Select(NetworkRoleCounter)];

    /// <summary>Every counter name a <c>counter</c> condition may use.</summary>
    public static IReadOnlyList<string> Counters { get; } = [.. AccountCounters, .. ContentCounters, .. DiscoveryCounters];

    /// <summary>The lexicon categories every deployment knows; a policy declares operators' own in <c>customTextCategories</c>.</summary>
    public static IReadOnlyList<string> TextCategories => LexiconCategories.Standard;

    /// <summary>Lexicon categories that make a reply or quote on someone's photo a sexualising engagement.</summary>
    public static IReadOnlySet<string> EngagementCategories { get; } = FrozenSet.Create(
        StringComparer.Ordinal, LexiconCategories.Sexualising, LexiconCategories.AgeReference, LexiconCategories.TradeRequest, LexiconCategories.Solicitation);

    /// <summary>Lexicon categories that make a post a trade or solicitation request, wherever it appears.</summary>
    public static IReadOnlySet<string> TradeCategories { get; } = FrozenSet.Create(StringComparer.Ordinal, LexiconCategories.TradeRequest, LexiconCategories.Solicitation);

    /// <summary>
    /// The classes of the industry classification scheme (NCMEC, hash-sharing programmes): letter = age group,
    /// digit = class of content. Bank categories are free-form (any import tag), so only names of this letter-digit
    /// form are checked against the list; see <see cref="LooksLikeBankClass"/>.
    /// </summary>
    public static IReadOnlyList<string> BankClasses { get; } = ["A1", "A2", "B1", "B2"];

    /// <summary>Names of every signal type: <c>pdq</c>, <c>md5</c>, <c>sha256</c>.</summary>
    public static IReadOnlyList<string> SignalTypeNames { get; } = [.. SignalTypes.All.Select(t => t.Name())];

    private static readonly FrozenSet<string> CounterSet = Counters.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>The counter set on a discovered account that holds <paramref name="role"/>.</summary>
    public static string NetworkRoleCounter(string role) => NetworkRolePrefix + role;

    /// <summary>Whether a stage of the engine emits a counter of this name.</summary>
    public static bool IsCounter(string name) => CounterSet.Contains(name);

    /// <summary>Whether a bank category is written in the classification's form (one letter, one digit), e.g. <c>A1</c> or a mistyped <c>a1</c>.</summary>
    public static bool LooksLikeBankClass(string category) => category.Length == 2 && char.IsAsciiLetter(category[0]) && char.IsAsciiDigit(category[1]);

    /// <summary>
    /// The known name closest to <paramref name="name"/>: one that differs only in case, else the nearest by edit
    /// distance when it is close enough to be a typo (1 edit for names of up to 3 characters, else a third of the length
    /// and at least 2); otherwise null.
    /// </summary>
    public static string? Closest(string name, IReadOnlyCollection<string> known)
    {
        if (known.FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase)) is { } sameLetters)
        {
            return sameLetters;
        }

        // On short names (A1, md5) two edits reach almost anything, so only one is a typo there.
        var limit = name.Length <= 3 ? 1 : Math.Max(2, name.Length / 3);
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in known)
        {
            var distance = EditDistance(name, candidate);
            if (distance <= limit && distance < bestDistance)
            {
                (best, bestDistance) = (candidate, distance);
            }
        }

        return best;
    }

    /// <summary>"did you mean 'x'?" when a known name is close, else the list of known names.</summary>
    public static string Suggest(string name, IReadOnlyCollection<string> known) =>
        Closest(name, known) is { } closest ? $"did you mean '{closest}'?" : $"known: {string.Join(", ", known)}";

    // Levenshtein over two rows; names are at most 128 characters, so this is cheap.
    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
