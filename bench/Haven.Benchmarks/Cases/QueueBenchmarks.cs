using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using Dapper;
using Haven.Cases;
using Haven.Storage;
using Npgsql;

namespace Haven.Benchmarks.Cases;

/// <summary>
/// The review queue's listing with 100,000 open cases: the first page, the first page of one queue, and a deep keyset
/// page (after 90,000 rows), against a primary-key read of one case as in-run baseline. SQLite in a temp folder;
/// PostgreSQL too when HAVEN_BENCH_POSTGRES or HAVEN_TEST_POSTGRES holds a connection string (a database
/// <c>haven_bench_cases</c> is created there). The seeded store is kept between runs (it takes a while to fill).
/// Target (issue 10): p95 ≤ 100 ms per page.
/// </summary>
[Config(typeof(P95Config))]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 20)]
public class QueueBenchmarks
{
    private const int Cases = 100_000;
    private static readonly string Folder = Path.Combine(Path.GetTempPath(), "haven-bench-cases-v1");
    private HavenStore _store = null!;
    private CaseService _service = null!;
    private string _deepCursor = string.Empty;
    private string _deepReviewCursor = string.Empty;
    private long _someId;

    [Params("sqlite", "postgres")]
    public string Provider { get; set; } = "sqlite";

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    [Benchmark(Baseline = true, Description = "one case by primary key")]
    public async Task<long> ByKey() => (await _service.FindAsync(_someId))!.LastEventN;

    [Benchmark(Description = "first page, all queues")]
    public async Task<int> FirstPage() => (await _service.ListAsync(new CaseQuery())).Value.Cases.Count;

    [Benchmark(Description = "first page, specialist queue")]
    public async Task<int> FirstPageSpecialist() => (await _service.ListAsync(new CaseQuery { Queue = CaseQueues.Specialist })).Value.Cases.Count;

    [Benchmark(Description = "page after 90,000 rows")]
    public async Task<int> DeepPage() => (await _service.ListAsync(new CaseQuery { After = _deepCursor })).Value.Cases.Count;

    [Benchmark(Description = "review queue, page after 60,000 rows")]
    public async Task<int> DeepPageReview() => (await _service.ListAsync(new CaseQuery { Queue = CaseQueues.Review, After = _deepReviewCursor })).Value.Cases.Count;

    private async Task SetupAsync()
    {
        StoreOptions options;
        if (Provider == "sqlite")
        {
            options = new StoreOptions { DataFolder = Folder };
        }
        else
        {
            var postgres = Environment.GetEnvironmentVariable("HAVEN_BENCH_POSTGRES") is { Length: > 0 } bench ? bench : Environment.GetEnvironmentVariable("HAVEN_TEST_POSTGRES");
            if (string.IsNullOrEmpty(postgres))
            {
                throw new InvalidOperationException("Set HAVEN_BENCH_POSTGRES (or HAVEN_TEST_POSTGRES) to a PostgreSQL connection string to run the postgres case.");
            }

            await using (var admin = new NpgsqlConnection(postgres))
            {
                await admin.OpenAsync();
                if (await admin.ExecuteScalarAsync<int?>("SELECT 1 FROM pg_database WHERE datname = 'haven_bench_cases'") is null)
                {
                    await admin.ExecuteAsync("CREATE DATABASE haven_bench_cases");
                }
            }

            options = new StoreOptions { Provider = "postgres", ConnectionString = new NpgsqlConnectionStringBuilder(postgres) { Database = "haven_bench_cases" }.ConnectionString };
        }

        _store = (await HavenStore.OpenAsync(options)).Value;
        _service = new CaseService(_store, CaseSettings.Default);
        await using var connection = await _store.OpenConnectionAsync();
        if (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM cases WHERE status = 'open'") < Cases)
        {
            await SeedAsync();
        }

        _someId = await connection.ExecuteScalarAsync<long>("SELECT case_id FROM cases ORDER BY case_id LIMIT 1 OFFSET 50000");
        _deepCursor = await CursorAsync(connection, "status = 'open'", 90_000);
        _deepReviewCursor = await CursorAsync(connection, "status = 'open' AND queue = 'review'", 60_000);
    }

    private static async Task<string> CursorAsync(System.Data.Common.DbConnection connection, string where, int offset)
    {
        var (rank, due, id) = await connection.QuerySingleAsync<(long, long, long)>(
            $"SELECT sort_rank, due_at, case_id FROM cases WHERE {where} ORDER BY sort_rank, due_at, case_id LIMIT 1 OFFSET {offset}");
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{rank}.{due}.{id}");
    }

    // Real cases through the case log (opened, one item), in batches: a priority band and a media share spread like a
    // platform's queue (a fifth urgent, a quarter with media in the specialist queue).
    private async Task SeedAsync()
    {
        var random = new Random(10);
        var now = _store.NowUnixMilliseconds;
        for (var start = 0; start < Cases; start += 5_000)
        {
            await using var connection = await _store.OpenConnectionAsync();
            await using var transaction = await _store.BeginWriteAsync(connection, default);
            for (var i = start; i < start + 5_000; i++)
            {
                var priority = CasePriorities.All[random.Next(4)];
                var (state, _) = await CaseLog.OpenOrFindAsync(_store, connection, transaction, CaseSubjects.Account, "bench-" + i, null, priority, now + random.Next(1, 72 * 3_600_000), "system", default);
                var media = random.Next(4) == 0;
                await CaseLog.AppendAsync(_store, connection, transaction, state, CaseEventKinds.ItemAdded, "system",
                    new CaseEventData { Item = "note:" + i, Media = media ? true : null, Category = media ? CaseCategories.All[random.Next(4)] : null, Reach = random.Next(10_000), Trade = random.Next(3) == 0 ? true : null }, default);
            }

            await transaction.CommitAsync();
        }
    }

    private sealed class P95Config : ManualConfig
    {
        public P95Config() => AddColumn(StatisticColumn.P95);
    }
}
