using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Haven.Kernels.Text;

namespace Haven.Benchmarks.Text;

/// <summary>
/// Scan throughput over ~1 MB of benign English (the prose of the .NET reference XML docs, tags stripped; a seeded
/// pseudo-English fallback when the reference pack is missing) with a 10,000-entry lexicon of random placeholder
/// words, normalisation included, beside a compiled Regex alternation of the same entries.
/// </summary>
[Config(typeof(TextScanConfig))]
public class TextScanBenchmarks
{
    /// <summary>Corpus size in UTF-16 characters (= UTF-8 bytes, the corpus is ASCII prose).</summary>
    public const int CorpusChars = 1_000_000;

    private const int LexiconSize = 10_000;

    private string _corpus = "";
    private LexiconMatcher? _matcher;
    private Regex? _regex;
    private readonly List<LexiconHit> _hits = [];

    [GlobalSetup]
    public void Setup()
    {
        _corpus = TextCorpus.Load(CorpusChars);
        var entries = TextCorpus.RandomLexicon(LexiconSize, seed: 20261125);
        _matcher = LexiconMatcher.Build(entries);

        // Naive baseline: one alternation of every entry as written, case-insensitive, whole words.
        var alternation = string.Join("|", entries.Select(e => Regex.Escape(e.Pattern)));
        _regex = new Regex($@"(?<!\w)(?:{alternation})(?!\w)", RegexOptions.Compiled | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        _hits.Clear();
        _matcher.Scan(_corpus, _hits);
        Console.WriteLine($"// TextScan: corpus {_corpus.Length:N0} chars, lexicon {entries.Count:N0} entries, {_matcher.StateCount:N0} states, "
            + $"{_matcher.MemoryBytes / 1048576.0:F1} MiB automaton; random-lexicon hits {_hits.Count}, regex hits {_regex.Count(_corpus)}");
        var placeholders = LexiconMatcher.Build(TextCorpus.PlaceholderLexicon());
        _hits.Clear();
        placeholders.Scan(_corpus, _hits);
        Console.WriteLine($"// TextScan: placeholder lexicon ({placeholders.Entries.Count} entries) false hits on the benign corpus: {_hits.Count} "
            + $"({_hits.Count / (_corpus.Length / 1e6):F2} per MB)");
    }

    [Benchmark(Baseline = true)]
    public int RegexAlternation() => _regex!.Count(_corpus);

    [Benchmark]
    public int LexiconScan()
    {
        _hits.Clear();
        _matcher!.Scan(_corpus, _hits);
        return _hits.Count;
    }
}

/// <summary>Normalisation alone, to see how the scan's time divides.</summary>
[Config(typeof(TextScanConfig))]
public class TextNormalizeBenchmarks
{
    private string _corpus = "";
    private readonly NormalizedText _buffer = new();

    [GlobalSetup]
    public void Setup() => _corpus = TextCorpus.Load(TextScanBenchmarks.CorpusChars);

    [Benchmark]
    public int Normalize()
    {
        TextNormalizer.Normalize(_corpus, _buffer);
        return _buffer.Length;
    }
}

/// <summary>The benign corpus and the placeholder lexicons.</summary>
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

/// <summary>Adds throughput in MB/s (corpus characters, = UTF-8 bytes for this ASCII corpus, per second at the median).</summary>
public sealed class TextScanConfig : ManualConfig
{
    public TextScanConfig() => AddColumn(new ThroughputColumn());

    private sealed class ThroughputColumn : IColumn
    {
        public string Id => nameof(ThroughputColumn);

        public string ColumnName => "MB/s";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "Corpus megabytes (10^6 ASCII characters) scanned per second at the median";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var median = summary[benchmarkCase]?.ResultStatistics?.Median;
            return median is > 0 ? (TextScanBenchmarks.CorpusChars / median.Value * 1e3).ToString("F1", CultureInfo.InvariantCulture) : "-";
        }

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }
}
