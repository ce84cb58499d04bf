using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Haven.Storage;

/// <summary>The embedded default: one file, WAL journal, a busy timeout so concurrent writers wait instead of failing.</summary>
internal sealed class SqliteStore : HavenStore
{
    /// <summary>File name inside the data folder.</summary>
    public const string FileName = "haven.db";

    private readonly string _connectionString;
    private readonly string _connectionPragmas;

    public SqliteStore(string path, int busyTimeoutMilliseconds, TimeProvider time, ILoggerFactory loggerFactory)
        : base(time, loggerFactory)
    {
        DatabasePath = Path.GetFullPath(path);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            ForeignKeys = true,
            DefaultTimeout = Math.Max(1, busyTimeoutMilliseconds / 1000),
        }.ToString();

        // Per-connection settings. synchronous=NORMAL is the documented safe pairing with WAL: a power cut may lose the
        // last commits but never corrupts the file. A 64 MiB page cache (a ceiling, filled lazily) keeps the unique
        // index hot during bulk imports of random hashes; the 2 MiB default made every insert a page miss.
        _connectionPragmas = $"PRAGMA busy_timeout = {busyTimeoutMilliseconds}; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536;";
    }

    /// <summary>Full path of the database file.</summary>
    public string DatabasePath { get; }

    /// <inheritdoc />
    public override StoreProvider Provider => StoreProvider.Sqlite;

    /// <inheritdoc />
    public override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = _connectionPragmas;
            await command.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc />
    public override Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();

        // BEGIN IMMEDIATE: a deferred transaction that later needs the write lock fails with SQLITE_BUSY at once,
        // without waiting on the busy timeout.
        return Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));
    }

    /// <inheritdoc />
    public override async Task PrepareForScanAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        // 2 MiB, SQLite's default: a scan gains nothing from caching pages it reads once (64 MiB at a 1M-entry bank).
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA cache_size = -2048;";
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <inheritdoc />
    public override Task<DbTransaction> BeginSnapshotReadAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();

        // In WAL mode a deferred transaction reads one snapshot from its first read until it ends, without blocking writers.
        return Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: true));
    }

    private protected override async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();

        // journal_mode is stored in the file, so setting it once per open is enough.
        command.CommandText = "PRAGMA journal_mode = WAL;";
        await command.ExecuteScalarAsync(cancellationToken);
    }

    /// <inheritdoc />
    public override ValueTask DisposeAsync()
    {
        // Pooled handles keep the file (and its -wal/-shm) open; release them so the folder can be moved or deleted.
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
        return ValueTask.CompletedTask;
    }
}
