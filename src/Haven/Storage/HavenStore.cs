using System.Data;
using System.Data.Common;
using Dapper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Haven.Storage;

/// <summary>
/// The durable store: a migrated database plus the knowledge of which dialect it speaks.
/// Modules (banks, API keys, …) open connections from it and own their own SQL.
/// Thread-safe; open once per process and share.
/// </summary>
internal abstract class HavenStore : IAsyncDisposable
{
    private protected HavenStore(TimeProvider time, ILoggerFactory loggerFactory)
    {
        Time = time;
        LoggerFactory = loggerFactory;
    }

    /// <summary>The engine behind this store.</summary>
    public abstract StoreProvider Provider { get; }

    /// <summary>Clock for every stored timestamp.</summary>
    public TimeProvider Time { get; }

    /// <summary>Logger factory handed to the services built over this store.</summary>
    public ILoggerFactory LoggerFactory { get; }

    /// <summary>Schema version after opening (always <see cref="Migrations.LatestVersion"/>).</summary>
    public int SchemaVersion { get; private set; }

    /// <summary>Current time as stored: Unix milliseconds.</summary>
    internal long NowUnixMilliseconds => Time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// Opens (creating when needed) and migrates the store described by <paramref name="options"/>.
    /// Expected failures (bad options, a database newer than this build, an unreachable server) come back as errors.
    /// </summary>
    public static async Task<Result<HavenStore, StoreOpenError>> OpenAsync(
        StoreOptions options,
        TimeProvider? time = null,
        ILoggerFactory? loggerFactory = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        time ??= TimeProvider.System;
        loggerFactory ??= NullLoggerFactory.Instance;
        var logger = loggerFactory.CreateLogger<HavenStore>();

        HavenStore store;
        switch (options.Provider.Trim().ToLowerInvariant())
        {
            case "sqlite":
                if (string.IsNullOrWhiteSpace(options.DataFolder))
                {
                    return new StoreOptionsInvalid("DataFolder is empty.");
                }

                if (options.BusyTimeoutMilliseconds < 0)
                {
                    return new StoreOptionsInvalid("BusyTimeoutMilliseconds must not be negative.");
                }

                try
                {
                    Directory.CreateDirectory(options.DataFolder);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    return new StoreUnavailable($"data folder '{options.DataFolder}' cannot be created: {ex.Message}");
                }

                store = new SqliteStore(Path.Combine(options.DataFolder, SqliteStore.FileName), options.BusyTimeoutMilliseconds, time, loggerFactory);
                break;
            case "postgres" or "postgresql":
                if (string.IsNullOrWhiteSpace(options.ConnectionString))
                {
                    return new StoreOptionsInvalid("provider 'postgres' needs a ConnectionString.");
                }

                try
                {
                    store = new PostgresStore(options.ConnectionString, time, loggerFactory);
                }
                catch (ArgumentException ex)
                {
                    return new StoreOptionsInvalid("the PostgreSQL connection string is malformed: " + ex.Message);
                }

                break;
            default:
                return new StoreOptionsInvalid($"unknown provider '{options.Provider}'; use 'sqlite' or 'postgres'.");
        }

        try
        {
            await store.InitializeAsync(cancellationToken);
            await using var connection = await store.OpenConnectionAsync(cancellationToken);
            var migrated = await MigrationRunner.ApplyAsync(connection, store.Provider, time, logger, cancellationToken);
            if (!migrated.IsSuccess)
            {
                await store.DisposeAsync();
                return migrated.Error;
            }

            store.SchemaVersion = migrated.Value;
        }
        catch (DbException ex)
        {
            StoreLog.OpenFailed(logger, store.Provider, ex);
            await store.DisposeAsync();
            return new StoreUnavailable(ex.Message);
        }

        StoreLog.Opened(logger, store.Provider, store.SchemaVersion);
        return store;
    }

    /// <summary>Opens a pooled connection, configured for this store. The caller disposes it.</summary>
    public abstract Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default);

    /// <summary>Starts a write transaction (SQLite: takes the write lock up front so it never fails half-way on upgrade).</summary>
    public virtual async Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);

    /// <summary>Starts a read-only transaction whose reads all see one snapshot.</summary>
    public abstract Task<DbTransaction> BeginSnapshotReadAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>
    /// Readies <paramref name="connection"/> for one forward pass over a large table, whose pages are read once: a
    /// provider whose connections keep a large page cache shrinks it for this connection, so that the pass does not
    /// leave the process holding the table. The next <see cref="OpenConnectionAsync"/> sets the usual cache again.
    /// </summary>
    public virtual Task PrepareForScanAsync(DbConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Reads a named counter (e.g. <c>banks_version</c>).</summary>
    internal static Task<long> ReadCounterAsync(DbConnection connection, DbTransaction? transaction, string name, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT value FROM store_counters WHERE name = @name", new { name }, transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// Increments a named counter in the caller's transaction and returns the new value. On PostgreSQL the row lock
    /// also orders concurrent writers, so readers never see a version without the changes it stands for.
    /// </summary>
    internal static Task<long> BumpCounterAsync(DbConnection connection, DbTransaction transaction, string name, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "UPDATE store_counters SET value = value + 1 WHERE name = @name RETURNING value", new { name }, transaction, cancellationToken: cancellationToken));

    /// <summary>Per-provider set-up before the first connection (folders, pragmas that persist in the file).</summary>
    private protected virtual Task InitializeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public abstract ValueTask DisposeAsync();
}
