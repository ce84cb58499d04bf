using System.Data.Common;
using Dapper;
using Microsoft.Extensions.Logging;

namespace Haven.Storage;

/// <summary>Brings a database up to <see cref="Migrations.LatestVersion"/> inside one transaction.</summary>
internal static class MigrationRunner
{
    /// <summary>
    /// Applies the missing migrations, or refuses (and changes nothing) when the database is newer than this build.
    /// Returns the schema version after the run.
    /// </summary>
    public static async Task<Result<int, StoreOpenError>> ApplyAsync(
        DbConnection connection, StoreProvider provider, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (provider == StoreProvider.Postgres)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                AdvisoryLocks.XactLockSql, new { key = AdvisoryLocks.Migrations }, transaction, cancellationToken: cancellationToken));
        }

        await connection.ExecuteAsync(new CommandDefinition(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER NOT NULL PRIMARY KEY,
                name TEXT NOT NULL,
                applied_at BIGINT NOT NULL
            )
            """, transaction: transaction, cancellationToken: cancellationToken));

        var current = await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", transaction: transaction, cancellationToken: cancellationToken));

        if (current > Migrations.LatestVersion)
        {
            await transaction.RollbackAsync(cancellationToken);
            StoreLog.SchemaTooNew(logger, current, Migrations.LatestVersion);
            return new SchemaTooNew(current, Migrations.LatestVersion);
        }

        foreach (var migration in Migrations.All)
        {
            if (migration.Version <= current)
            {
                continue;
            }

            await connection.ExecuteAsync(new CommandDefinition(
                Migrations.Render(migration.Sql, provider), transaction: transaction, cancellationToken: cancellationToken));
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @appliedAt)",
                new { version = migration.Version, name = migration.Name, appliedAt = time.GetUtcNow().ToUnixTimeMilliseconds() },
                transaction, cancellationToken: cancellationToken));
            StoreLog.MigrationApplied(logger, migration.Version, migration.Name);
        }

        await transaction.CommitAsync(cancellationToken);
        return Migrations.LatestVersion;
    }
}
