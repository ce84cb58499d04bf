using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Haven.Kernels.Hamming;
using Haven.Kernels.Pdq;

namespace Haven.Benchmarks.Hamming;

/// <summary>
/// Seeded random banks and a query batch: half random hashes (almost never a hit), half copies of bank entries with
/// 0–31 bits flipped (always at least one hit), so a lookup pays for both the miss path and the hit path.
/// </summary>
public abstract class PdqIndexBenchmarkBase
{
    protected const int QueryBatch = 1000;

    [Params(1_000_000, 10_000_000)]
    public int Entries { get; set; }

    protected PdqHash[] Bank { get; private set; } = [];

    protected PdqHash[] Queries { get; private set; } = [];

    protected PdqIndex? BuiltIndex { get; private set; }

    protected List<PdqIndexHit> Results { get; } = [];

    protected void CreateBank(bool buildIndex)
    {
        var random = new Random(20261125);
        Bank = new PdqHash[Entries];
        var bytes = new byte[PdqHash.ByteLength];
        for (var i = 0; i < Bank.Length; i++)
        {
            random.NextBytes(bytes);
            Bank[i] = PdqHash.ReadFrom(bytes);
        }

        Queries = new PdqHash[QueryBatch];
        for (var i = 0; i < Queries.Length; i++)
        {
            random.NextBytes(bytes);
            Queries[i] = i % 2 == 0 ? PdqHash.ReadFrom(bytes) : Flip(Bank[random.Next(Bank.Length)], random.Next(32), random);
        }

        if (buildIndex)
        {
            BuiltIndex = PdqIndex.Build(Bank);
            Console.WriteLine($"// PdqIndex {Entries:N0} entries: layout {BuiltIndex.Layout}, {BuiltIndex.MemoryBytes / (double)Entries:F2} bytes/entry");
        }
    }

    /// <summary>The eight query variants of query i: the query itself and seven unrelated hashes, as a rotated image's would be.</summary>
    protected static void Variants(PdqHash[] queries, int i, Span<PdqHash> variants)
    {
        variants[0] = queries[i];
        for (var v = 1; v < variants.Length; v++)
        {
            variants[v] = queries[(i + (v * 131)) % queries.Length];
        }
    }

    /// <summary>The hash with <paramref name="distance"/> distinct random bits flipped.</summary>
    private static PdqHash Flip(PdqHash hash, int distance, Random random)
    {
        Span<ulong> w = [hash.W0, hash.W1, hash.W2, hash.W3];
        Span<bool> flipped = stackalloc bool[256];
        for (var done = 0; done < distance;)
        {
            var bit = random.Next(256);
            if (!flipped[bit])
            {
                flipped[bit] = true;
                w[bit >> 6] ^= 1UL << (bit & 63);
                done++;
            }
        }

        return new PdqHash(w[0], w[1], w[2], w[3]);
    }
}

/// <summary>Single-hash lookups at threshold 31 against the linear scan.</summary>
[Config(typeof(PdqIndexConfig))]
public class PdqIndexLookupBenchmarks : PdqIndexBenchmarkBase
{
    // The scan is ~10^4 times slower per query; a few queries keep an invocation near a second at 10M.
    private const int ScanBatch = 20;

    [GlobalSetup(Target = nameof(LinearScan))]
    public void SetupScan() => CreateBank(buildIndex: false);

    [GlobalSetup(Target = nameof(Index))]
    public void SetupIndex() => CreateBank(buildIndex: true);

    [Benchmark(Baseline = true, OperationsPerInvoke = ScanBatch)]
    public int LinearScan()
    {
        Results.Clear();
        for (var i = 0; i < ScanBatch; i++)
        {
            PdqLinearScan.Search(Bank, Queries[i], PdqIndex.DefaultThreshold, Results);
        }

        return Results.Count;
    }

    [Benchmark(OperationsPerInvoke = QueryBatch)]
    public int Index()
    {
        Results.Clear();
        foreach (var query in Queries)
        {
            BuiltIndex!.Search(query, PdqIndex.DefaultThreshold, Results);
        }

        return Results.Count;
    }
}

/// <summary>Eight-variant (dihedral) lookups at threshold 31 against the linear dihedral scan.</summary>
[Config(typeof(PdqIndexConfig))]
public class PdqIndexDihedralBenchmarks : PdqIndexBenchmarkBase
{
    private const int ScanBatch = 4;
    private const int IndexBatch = 100;
    private readonly PdqHash[] _variants = new PdqHash[PdqIndex.MaxVariants];

    [GlobalSetup(Target = nameof(LinearScan))]
    public void SetupScan() => CreateBank(buildIndex: false);

    [GlobalSetup(Target = nameof(Index))]
    public void SetupIndex() => CreateBank(buildIndex: true);

    [Benchmark(Baseline = true, OperationsPerInvoke = ScanBatch)]
    public int LinearScan()
    {
        Results.Clear();
        for (var i = 0; i < ScanBatch; i++)
        {
            Variants(Queries, i, _variants);
            PdqLinearScan.SearchDihedral(Bank, _variants, PdqIndex.DefaultThreshold, Results);
        }

        return Results.Count;
    }

    [Benchmark(OperationsPerInvoke = IndexBatch)]
    public int Index()
    {
        Results.Clear();
        for (var i = 0; i < IndexBatch; i++)
        {
            Variants(Queries, i, _variants);
            BuiltIndex!.SearchDihedral(_variants, PdqIndex.DefaultThreshold, Results);
        }

        return Results.Count;
    }
}

/// <summary>Building the index, beside the floor of copying the hashes (which Build also does).</summary>
[Config(typeof(PdqIndexConfig))]
public class PdqIndexBuildBenchmarks : PdqIndexBenchmarkBase
{
    [GlobalSetup]
    public void Setup() => CreateBank(buildIndex: false);

    [Benchmark(Baseline = true)]
    public PdqHash[] CopyHashes() => Bank.ToArray();

    [Benchmark]
    public PdqIndex Build() => PdqIndex.Build(Bank);
}

/// <summary>Adds the index's bytes per entry (array payloads / entries) for the chosen layout.</summary>
public sealed class PdqIndexConfig : ManualConfig
{
    public PdqIndexConfig() => AddColumn(new BytesPerEntryColumn());

    private sealed class BytesPerEntryColumn : IColumn
    {
        public string Id => nameof(BytesPerEntryColumn);

        public string ColumnName => "Bytes/entry";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "Managed bytes the index holds per entry (PdqIndex.MemoryBytes / Entries; ceiling 64)";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var entries = benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == nameof(PdqIndexBenchmarkBase.Entries))?.Value;
            if (entries is not int count)
            {
                return "-";
            }

            // EstimateMemory is asserted equal to a built index's MemoryBytes by the kernel tests.
            return (PdqIndex.EstimateMemory(count, PdqIndex.ChooseLayout(count)) / (double)count).ToString("F2", System.Globalization.CultureInfo.InvariantCulture);
        }

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }
}
