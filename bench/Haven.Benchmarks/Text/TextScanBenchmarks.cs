using System.Globalization;
using System.Text.RegularExpressions;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Haven.Kernels.Text;
using Haven.Text;

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
        var (defaults, _) = DefaultLexicon.ReadAsync().GetAwaiter().GetResult();
        var defaultMatcher = LexiconMatcher.Build(DefaultLexicon.ToMatcherEntries(defaults));
        _hits.Clear();
        defaultMatcher.Scan(_corpus, _hits);
        Console.WriteLine($"// TextScan: default lexicon ({defaults.Count} entries) false hits on the benign corpus: {_hits.Count} "
            + $"({_hits.Count / (_corpus.Length / 1e6):F2} per MB) by entry line: {string.Join(", ", _hits.GroupBy(h => h.EntryId).Select(g => $"{g.Key}×{g.Count()}"))}");
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
