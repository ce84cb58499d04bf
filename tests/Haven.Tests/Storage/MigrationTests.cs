using Dapper;
using Haven.Banks;
using Haven.Storage;

namespace Haven.Tests.Storage;

public abstract class MigrationTests : StoreSuite
{
    [StoreFact]
    public async Task Open_records_every_migration_once()
    {
        var versions = await QueryVersionsAsync(Store);

        Assert.Equal(Migrations.All.Select(m => m.Version), versions);
        Assert.Equal(Migrations.LatestVersion, Store.SchemaVersion);
    }

    [StoreFact]
    public async Task Reopening_is_idempotent_and_keeps_data()
    {
        var banks = new BankService(Store);
        Assert.True((await banks.CreateAsync("kept")).IsSuccess);

        var second = await OpenAsync();
        var third = await OpenAsync();

        Assert.Equal(Migrations.All.Select(m => m.Version), await QueryVersionsAsync(third));
        Assert.NotNull(await new BankService(second).FindAsync("kept"));
    }

    [StoreFact]
    public async Task Open_applies_only_missing_migrations_in_order()
    {
        await using (var connection = await Store.OpenConnectionAsync())
        {
            // Roll the database back to version 1 by hand: undo every later migration, whatever tables it made (so a
            // new migration needs no edit here): drop every table but version 1's, and every counter but its one.
            var tables = (await connection.QueryAsync<string>(Provider == StoreProvider.Sqlite
                ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                : "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).ToList();
            foreach (var table in tables.Except(["banks", "bank_entries", "store_counters", "schema_migrations"]))
            {
                await connection.ExecuteAsync($"DROP TABLE {table}" + (Provider == StoreProvider.Postgres ? " CASCADE" : string.Empty));
            }

            await connection.ExecuteAsync("DELETE FROM store_counters WHERE name <> 'banks_version'");
            await connection.ExecuteAsync("DELETE FROM schema_migrations WHERE version > 1");
        }

        var reopened = await OpenAsync();

        Assert.Equal(Migrations.All.Select(m => m.Version), await QueryVersionsAsync(reopened));
        await using var check = await reopened.OpenConnectionAsync();
        Assert.Equal(0, await check.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM api_keys"));
    }

    [StoreFact]
    public async Task Open_refuses_a_newer_schema_and_changes_nothing()
    {
        await using (var connection = await Store.OpenConnectionAsync())
        {
            await connection.ExecuteAsync(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'from the future', 0)");
        }

        var result = await TryOpenAsync();

        Assert.False(result.IsSuccess);
        var error = Assert.IsType<SchemaTooNew>(result.Error);
        Assert.Equal(999, error.DatabaseVersion);
        Assert.Equal(Migrations.LatestVersion, error.CodeVersion);
        Assert.Contains("999", error.Message);
        Assert.Contains("Upgrade Haven", error.Message);
        Assert.Equal([.. Migrations.All.Select(m => m.Version), 999], await QueryVersionsAsync(Store));
    }

    private static async Task<List<int>> QueryVersionsAsync(HavenStore store)
    {
        await using var connection = await store.OpenConnectionAsync();
        return [.. await connection.QueryAsync<int>("SELECT version FROM schema_migrations ORDER BY version")];
    }
}

public sealed class SqliteMigrationTests : MigrationTests
{
    internal override StoreProvider Provider => StoreProvider.Sqlite;

    [Fact]
    public async Task Sqlite_store_is_one_wal_file_in_the_data_folder()
    {
        Assert.True(File.Exists(Path.Combine(Options.DataFolder, "haven.db")));
        await using var connection = await Store.OpenConnectionAsync();
        Assert.Equal("wal", await connection.ExecuteScalarAsync<string>("PRAGMA journal_mode"));
        Assert.Equal(5000, await connection.ExecuteScalarAsync<long>("PRAGMA busy_timeout"));
        Assert.Equal(1, await connection.ExecuteScalarAsync<long>("PRAGMA foreign_keys"));
    }
}

[PostgresSuite]
public sealed class PostgresMigrationTests : MigrationTests
{
    internal override StoreProvider Provider => StoreProvider.Postgres;
}
