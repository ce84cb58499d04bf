using Npgsql;

namespace Haven.Tests.Storage;

/// <summary>
/// The PostgreSQL the store suite runs against: <c>HAVEN_TEST_POSTGRES</c> (a connection string to a server where the
/// user may create databases; <c>eval "$(bash eng/start-postgres.sh)"</c> sets it). Each test gets its own database.
/// </summary>
internal static class PostgresTestServer
{
    public const string EnvironmentVariable = "HAVEN_TEST_POSTGRES";

    public static string? ConnectionString =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } value ? value : null;

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Null when the PostgreSQL tests must run: configured, or under CI (where missing configuration is a failure).</summary>
    public static string? SkipReason => ConnectionString is null && !IsCi
        ? $"PostgreSQL not configured: set {EnvironmentVariable} (eval \"$(bash eng/start-postgres.sh)\"). Under CI=true these tests fail instead."
        : null;

    /// <summary>Creates a uniquely named empty database and returns a connection string to it.</summary>
    public static async Task<(string ConnectionString, string Database)> CreateDatabaseAsync()
    {
        var server = ConnectionString ?? throw new InvalidOperationException(
            $"CI=true but {EnvironmentVariable} is not set: the PostgreSQL store tests must run in CI. " +
            "Start a server first: eval \"$(bash eng/start-postgres.sh)\".");
        var database = "haven_test_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {database}", connection);
            await command.ExecuteNonQueryAsync();
        }

        return (new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString, database);
    }

    public static async Task DropDatabaseAsync(string database)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();

        // FORCE ends sessions a test left open, so a failing test cannot leak its database.
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
