using Haven.Storage;

namespace Haven.Tests.Storage;

/// <summary>
/// Base of the one store suite: every test runs once per provider through a SQLite and a PostgreSQL subclass,
/// each test on a fresh database (a temp folder, or a newly created PostgreSQL database dropped afterwards).
/// </summary>
public abstract class StoreSuite : IAsyncLifetime
{
    private readonly List<HavenStore> _opened = [];
    private string? _sqliteFolder;
    private string? _postgresDatabase;

    internal abstract StoreProvider Provider { get; }

    internal ManualTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));

    internal ListLoggerProvider Logs { get; } = new();

    internal StoreOptions Options { get; private set; } = new();

    internal HavenStore Store { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (Provider == StoreProvider.Sqlite)
        {
            _sqliteFolder = Path.Combine(Path.GetTempPath(), "haven-store-tests", Guid.NewGuid().ToString("N"));
            Options = new StoreOptions { Provider = "sqlite", DataFolder = _sqliteFolder };
        }
        else
        {
            var (connectionString, database) = await PostgresTestServer.CreateDatabaseAsync();
            _postgresDatabase = database;
            Options = new StoreOptions { Provider = "postgres", ConnectionString = connectionString };
        }

        Store = await OpenAsync();
        await InitializeAsyncCore();
    }

    /// <summary>Per-suite set-up after the store is open.</summary>
    public virtual Task InitializeAsyncCore() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var store in _opened)
        {
            await store.DisposeAsync();
        }

        if (_sqliteFolder is not null && Directory.Exists(_sqliteFolder))
        {
            Directory.Delete(_sqliteFolder, recursive: true);
        }

        if (_postgresDatabase is not null)
        {
            await PostgresTestServer.DropDatabaseAsync(_postgresDatabase);
        }
    }

    /// <summary>Opens (another) store on this test's database; fails the test on any open error.</summary>
    internal async Task<HavenStore> OpenAsync()
    {
        var result = await TryOpenAsync();
        Assert.True(result.IsSuccess, result.IsSuccess ? string.Empty : result.Error.Message);
        return result.Value;
    }

    internal async Task<Result<HavenStore, StoreOpenError>> TryOpenAsync()
    {
        var result = await HavenStore.OpenAsync(Options, Time, Logs.Factory);
        if (result.IsSuccess)
        {
            _opened.Add(result.Value);
        }

        return result;
    }
}

/// <summary>A clock the tests move by hand.</summary>
internal sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
