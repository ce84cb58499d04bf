using System.Data;
using System.Data.Common;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Haven.Storage;

/// <summary>The production store: PostgreSQL through one pooled <see cref="NpgsqlDataSource"/>.</summary>
internal sealed class PostgresStore : HavenStore
{
    private readonly NpgsqlDataSource _dataSource;

    public PostgresStore(string connectionString, TimeProvider time, ILoggerFactory loggerFactory)
        : base(time, loggerFactory)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.UseLoggerFactory(loggerFactory);
        _dataSource = builder.Build();
    }

    /// <inheritdoc />
    public override StoreProvider Provider => StoreProvider.Postgres;

    /// <summary>The underlying data source (binary COPY needs the concrete connection type).</summary>
    internal NpgsqlDataSource DataSource => _dataSource;

    /// <inheritdoc />
    public override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default) =>
        await _dataSource.OpenConnectionAsync(cancellationToken);

    /// <inheritdoc />
    public override async Task<DbTransaction> BeginSnapshotReadAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);

    /// <inheritdoc />
    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
