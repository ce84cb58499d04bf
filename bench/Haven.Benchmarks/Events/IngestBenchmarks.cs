using BenchmarkDotNet.Attributes;
using Haven.Events;
using Haven.Storage;

namespace Haven.Benchmarks.Events;

/// <summary>
/// Durable event ingest: 5,000 text events per committed batch vs the same log with one event per commit (the naive
/// integration) as in-run baseline. SQLite in a temp folder; PostgreSQL too when HAVEN_BENCH_POSTGRES holds a
/// connection string. Target (DESIGN §5): ≥ 50,000 text events/s to SQLite.
/// </summary>
[MemoryDiagnoser]
public class IngestBenchmarks
{
    private const int Batch = 5_000;
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "haven-bench-" + Guid.NewGuid().ToString("N"));
    private HavenStore _store = null!;
    private EventLog _log = null!;
    private int _next;

    [Params("sqlite", "postgres")]
    public string Provider { get; set; } = "sqlite";

    [GlobalSetup]
    public void Setup()
    {
        var postgres = Environment.GetEnvironmentVariable("HAVEN_BENCH_POSTGRES");
        if (Provider == "postgres" && string.IsNullOrEmpty(postgres))
        {
            throw new InvalidOperationException("Set HAVEN_BENCH_POSTGRES to a PostgreSQL connection string to run the postgres case.");
        }

        var options = Provider == "sqlite" ? new StoreOptions { DataFolder = _folder } : new StoreOptions { Provider = "postgres", ConnectionString = postgres };
        _store = HavenStore.OpenAsync(options).GetAwaiter().GetResult().Value;
        _log = new EventLog(_store);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = 200, Description = "one event per commit")]
    public async Task OnePerCommit()
    {
        for (var i = 0; i < 200; i++)
        {
            await _log.IngestAsync([Event(_next++)]);
        }
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "5,000 events per commit")]
    public Task Batched()
    {
        var lines = new List<string>(Batch);
        for (var i = 0; i < Batch; i++)
        {
            lines.Add(Event(_next++));
        }

        return _log.IngestAsync(lines);
    }

    private string Event(int i) =>
        $"{{\"id\":\"bench-{_folder[^8..]}-{i}\",\"type\":\"post.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"acct-{i % 20_000}\",\"post\":{{\"id\":\"p-{i}\",\"text\":\"lantern club meets tonight by the harbour, bring a friend\",\"hashtags\":[\"lanternclub\"]}}}}";
}
