using System.Text;
using Haven.Text;

namespace Haven.Simulation;

/// <summary>
/// The words of the simulated platform. Lexicon terms are invented placeholder words that stand in for the categories
/// of DESIGN §3.3; they carry no meaning. Ordinary text is drawn from everyday neutral words that no lexicon entry can
/// be assembled from (a term also matches when its halves stand apart, so no two ordinary words may join into one).
/// </summary>
internal static class PlatformText
{
    /// <summary>The hashtag ordinary users use all along and offenders take over in the second half (not in the lexicon: discovery must find it).</summary>
    public const string CoOptedHashtag = "orchardglow";

    /// <summary>The hashtag the lexicon watches.</summary>
    public const string WatchHashtag = "quillharbor";

    private const string Source = "haven simulate placeholder";

    /// <summary>Placeholder lexicon: (pattern, category, weight).</summary>
    public static IReadOnlyList<(string Pattern, string Category, float Weight)> Lexicon { get; } =
    [
        ("zephyrquill", LexiconCategories.Sexualising, 0.9f),
        ("glimmerfawn", LexiconCategories.Sexualising, 0.9f),
        ("velvetprism", LexiconCategories.Sexualising, 0.8f),
        ("tinsprout", LexiconCategories.AgeReference, 0.5f),
        ("acornling", LexiconCategories.AgeReference, 0.5f),
        ("pipwhistle", LexiconCategories.AgeReference, 0.5f),
        ("swapmoth", LexiconCategories.TradeRequest, 1f),
        ("tradewick", LexiconCategories.TradeRequest, 1f),
        ("brindle swapkin", LexiconCategories.TradeRequest, 0.9f),
        ("whisperkite", LexiconCategories.Solicitation, 0.9f),
        ("plumelure", LexiconCategories.Solicitation, 0.8f),
        ("burrowlink", LexiconCategories.OffplatformContact, 0.7f),
        ("mistchannel", LexiconCategories.OffplatformContact, 0.7f),
        ("driftcode", LexiconCategories.OffplatformContact, 0.6f),
        ("lanternmoth", LexiconCategories.CseTerm, 1f),
        ("quillshade", LexiconCategories.CseTerm, 1f),
        ("#" + WatchHashtag, LexiconCategories.CseTerm, 0.8f),
    ];

    private static readonly string[] Sexualising = Of(LexiconCategories.Sexualising);
    private static readonly string[] AgeReference = Of(LexiconCategories.AgeReference);
    private static readonly string[] Trade = Of(LexiconCategories.TradeRequest);
    private static readonly string[] Solicitation = Of(LexiconCategories.Solicitation);
    private static readonly string[] Contact = Of(LexiconCategories.OffplatformContact);
    private static readonly string[] CseTerms = [.. Of(LexiconCategories.CseTerm).Where(p => !p.StartsWith('#'))];

    private static readonly string[] EverydayWords =
    [
        "sunny", "morning", "coffee", "walk", "park", "river", "garden", "bike", "train", "weekend", "dinner", "friends",
        "family", "music", "concert", "recipe", "bread", "soup", "rain", "cloud", "beach", "hike", "trail", "city",
        "market", "book", "film", "game", "team", "match", "goal", "school", "work", "office", "holiday", "photo",
        "view", "bridge", "sky", "snow", "autumn", "spring", "summer", "winter", "tea", "cake", "dog", "cat", "puppy",
        "kitten", "birthday", "party", "today", "tonight", "great", "lovely", "happy", "new", "old", "best", "favourite",
        "really", "very", "so", "just", "finally", "again", "with", "and", "the", "our", "my", "at", "in", "on", "for",
    ];

    private static readonly string[] Replies =
    [
        "love this", "so nice", "great shot", "congrats", "haha yes", "same here", "looks fun", "where is this",
        "beautiful", "well done", "agreed", "so true", "miss this", "need this", "happy for you", "amazing view",
    ];

    private static readonly string[] Fillers = ["so", "hey", "wow", "more", "please", "now", "any", "who", "ok", "yes"];

    private static readonly string[] TagFirst = ["sunday", "harbour", "meadow", "city", "garden", "river", "coffee", "weekend", "trail", "market", "photo", "family"];

    private static readonly string[] TagSecond = ["walk", "life", "vibes", "club", "days", "view", "time", "love", "snap", "notes"];

    /// <summary>The ordinary hashtags, most popular first (Zipf).</summary>
    public static IReadOnlyList<string> OrdinaryHashtags { get; } = [.. TagFirst.SelectMany(a => TagSecond.Select(b => a + b))];

    /// <summary>Lookalike letters from other scripts (UTS #39 confusables: Cyrillic а е о р с х у).</summary>
    private static readonly (char Latin, char Lookalike)[] Confusables =
        [('a', '\u0430'), ('e', '\u0435'), ('o', '\u043E'), ('p', '\u0440'), ('c', '\u0441'), ('x', '\u0445'), ('y', '\u0443')];

    private static readonly (char Letter, char Digit)[] Leet = [('a', '4'), ('e', '3'), ('o', '0'), ('s', '5'), ('t', '7'), ('i', '1'), ('l', '1'), ('b', '8'), ('g', '9')];

    /// <summary>Writes the placeholder lexicon in the CSV format of docs/lexicon.md.</summary>
    public static void WriteLexicon(TextWriter writer)
    {
        writer.Write("pattern,category,weight,mode,source\n");
        foreach (var (pattern, category, weight) in Lexicon)
        {
            writer.Write(FormattableString.Invariant($"{pattern},{category},{weight:0.##},word,{Source}\n"));
        }
    }

    /// <summary>An everyday post of 3–10 words.</summary>
    public static string Everyday(PlatformRandom random)
    {
        var builder = new StringBuilder(64);
        var words = random.Between(3, 10);
        for (var i = 0; i < words; i++)
        {
            if (i > 0)
            {
                builder.Append(' ');
            }

            builder.Append(EverydayWords[random.Next(EverydayWords.Length)]);
        }

        return builder.ToString();
    }

    /// <summary>An everyday reply.</summary>
    public static string EverydayReply(PlatformRandom random) => Replies[random.Next(Replies.Length)];

    /// <summary>A solicitor's reply on a photo post: sexualising, age-reference, trade-request, solicitation or contact words.</summary>
    public static string SolicitingReply(PlatformRandom random) => random.Next(5) switch
    {
        0 => Join(random, Pick(random, Sexualising), Pick(random, AgeReference)),
        1 => Join(random, Fillers[random.Next(Fillers.Length)], Pick(random, Sexualising)),
        2 => Join(random, Pick(random, Trade), Pick(random, AgeReference), Pick(random, Contact)),
        3 => Join(random, Pick(random, Solicitation), Pick(random, Contact)),
        _ => Join(random, Pick(random, AgeReference), Pick(random, Sexualising), Fillers[random.Next(Fillers.Length)], Pick(random, Trade)),
    };

    /// <summary>Offenders talking among themselves: trade requests and off-platform contact.</summary>
    public static string NetworkReply(PlatformRandom random) => random.Next(3) switch
    {
        0 => Join(random, Pick(random, Trade), Pick(random, Contact)),
        1 => Join(random, Fillers[random.Next(Fillers.Length)], Pick(random, Trade)),
        _ => Join(random, Pick(random, Contact), Pick(random, CseTerms)),
    };

    /// <summary>The text on a post that carries a known image: often empty, else terms.</summary>
    public static string? KnownMediaText(PlatformRandom random) => random.Next(3) switch
    {
        0 => null,
        1 => Join(random, Pick(random, CseTerms), Pick(random, Trade)),
        _ => Pick(random, CseTerms),
    };

    /// <summary>
    /// Writes a lexicon word the way evaders do, about half the time: leetspeak, separators, lookalike letters,
    /// repeated letters or changed case; otherwise as it is.
    /// </summary>
    public static string Obfuscate(string word, PlatformRandom random)
    {
        if (word.Contains(' ', StringComparison.Ordinal) || random.Chance(0.5))
        {
            return word;
        }

        var chars = word.ToCharArray();
        switch (random.Next(6))
        {
            case 0:
                // Leet digits strictly inside the word (at its edges they read as numbers or punctuation).
                for (var n = 0; n < 2; n++)
                {
                    var at = random.Between(1, chars.Length - 2);
                    foreach (var (letter, digit) in Leet)
                    {
                        if (chars[at] == letter)
                        {
                            chars[at] = digit;
                            break;
                        }
                    }
                }

                return new string(chars);
            case 1:
                {
                    var separator = ".-_ "[random.Next(4)];
                    return string.Join<char>(separator, chars);
                }

            case 2:
                {
                    // Never between two letters that fold alike ("l|l", "i|l"): repeats are not collapsed across a
                    // separator, so such a split reads one letter longer than the entry (a normaliser limit, see docs/simulate.md).
                    var cut = random.Between(2, chars.Length - 2);
                    return FoldsAlike(word[cut - 1], word[cut]) ? word : word[..cut] + "._-"[random.Next(3)] + word[cut..];
                }

            case 3:
                for (var i = 0; i < chars.Length; i++)
                {
                    foreach (var (latin, lookalike) in Confusables)
                    {
                        if (chars[i] == latin && random.Chance(0.6))
                        {
                            chars[i] = lookalike;
                        }
                    }
                }

                return new string(chars);
            case 4:
                {
                    // Not 'm': its confusable skeleton is "rn", and the normaliser collapses repeats after the skeleton,
                    // so "mmm" reads "rnrnrn" and no longer meets the entry (a normaliser limit, see docs/simulate.md).
                    var at = random.Next(chars.Length);
                    if (word[at] == 'm')
                    {
                        return word;
                    }

                    return word[..at] + new string(word[at], random.Between(2, 4)) + word[(at + 1)..];
                }

            default:
                return random.Chance(0.5) ? word.ToUpperInvariant() : char.ToUpperInvariant(word[0]) + word[1..];
        }
    }

    private static bool FoldsAlike(char a, char b) => a == b || (a is 'i' or 'l' && b is 'i' or 'l');

    private static string Pick(PlatformRandom random, string[] words) => Obfuscate(words[random.Next(words.Length)], random);

    private static string Join(PlatformRandom random, params string[] words) => string.Join(random.Chance(0.2) ? ", " : " ", words);

    private static string[] Of(string category) => [.. Lexicon.Where(e => e.Category == category).Select(e => e.Pattern)];
}
