using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Haven.Kernels.Text;

namespace Haven.Benchmarks.Text;

/// <summary>The benign corpus and the placeholder lexicons (also compiled into Haven.Tests for the default lexicon's false-hit test).</summary>
internal static class TextCorpus
{
    private static readonly string[] Syllables =
    [
        "ba", "ke", "lo", "mu", "ri", "sa", "te", "vo", "zu", "qua", "dre", "fli", "gro", "pla", "sni", "tho",
        "wex", "yor", "zim", "kel", "mor", "nax", "pim", "rud", "sol", "tav", "ulk", "vin", "bex", "cor",
    ];

    private static readonly string[] Words =
    [
        "the", "of", "and", "a", "to", "in", "is", "that", "for", "it", "as", "with", "be", "on", "not", "this", "by",
        "value", "method", "returns", "object", "string", "specified", "instance", "current", "collection", "element",
        "number", "index", "type", "when", "which", "can", "from", "an", "or", "if", "are", "was", "at", "time",
        "people", "garden", "river", "morning", "library", "market", "evening", "window", "bird", "lantern", "club",
    ];

    public static string Load(int chars)
    {
        var packs = "/usr/share/dotnet/packs/Microsoft.NETCore.App.Ref";
        var xml = Directory.Exists(packs)
            ? Directory.GetFiles(packs, "System.Runtime.xml", SearchOption.AllDirectories).Order(StringComparer.Ordinal).LastOrDefault()
            : null;
        var text = new StringBuilder(chars + 1024);
        if (xml is not null)
        {
            // Prose only: tags stripped, entities decoded, white space collapsed.
            var raw = File.ReadAllText(xml);
            var prose = WebUtility.HtmlDecode(Regex.Replace(raw, "<[^>]*>", " "));
            text.Append(Regex.Replace(prose, @"\s+", " "));
        }

        var random = new Random(7);
        while (text.Length < chars)
        {
            // Fallback (and top-up): seeded pseudo-English sentences.
            var length = random.Next(5, 16);
            for (var w = 0; w < length; w++)
            {
                text.Append(Words[random.Next(Words.Length)]).Append(w == length - 1 ? ". " : " ");
            }
        }

        return text.ToString(0, chars);
    }

    /// <summary>Random placeholder words from nonsense syllables: 80% terms, 15% two-word phrases, 5% hashtags.</summary>
    public static List<LexiconEntry> RandomLexicon(int count, int seed)
    {
        var random = new Random(seed);
        var entries = new List<LexiconEntry>(count);
        string Word() => string.Concat(Enumerable.Range(0, random.Next(2, 5)).Select(_ => Syllables[random.Next(Syllables.Length)]));
        for (var i = 0; i < count; i++)
        {
            var roll = random.Next(100);
            var pattern = roll < 80 ? Word() : roll < 95 ? Word() + " " + Word() : "#" + Word();
            entries.Add(new LexiconEntry(i, pattern, "placeholder_" + (i % 6).ToString(CultureInfo.InvariantCulture), 1f));
        }

        return entries;
    }

    /// <summary>A small lexicon of neutral placeholder terms and phrases, for the false-hit rate on benign prose.</summary>
    public static List<LexiconEntry> PlaceholderLexicon() =>
    [
        new(1, "bluefinch", "placeholder_term", 1f),
        new(2, "trade pics", "placeholder_request", 1f),
        new(3, "lantern club", "placeholder_phrase", 1f),
        new(4, "#bluefinch", "placeholder_hashtag", 1f),
        new(5, "moonbeam", "placeholder_term", 1f),
        new(6, "silver kite", "placeholder_phrase", 1f),
        new(7, "dm me", "placeholder_contact", 1f),
        new(8, "secret garden", "placeholder_phrase", 1f),
        new(9, "pen pal", "placeholder_contact", 1f),
        new(10, "trade", "placeholder_request", 1f),
        new(11, "swap", "placeholder_request", 1f),
        new(12, "add me", "placeholder_contact", 1f),
    ];
}
