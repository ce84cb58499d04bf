using System.Text.Json;

namespace Haven.Storage;

/// <summary>
/// The SQL that differs between SQLite and PostgreSQL outside the migrations (whose type placeholders live in
/// <see cref="Migrations"/>) and the bulk writer (<see cref="BulkRows{TRow}"/>). What both accept is written once in
/// place: <c>INSERT … ON CONFLICT … DO NOTHING</c>, <c>RETURNING</c>, times as Unix milliseconds bound from
/// <see cref="HavenStore.Time"/> (never the database's <c>now()</c>, so a test clock drives both).
/// </summary>
internal static class SqlDialect
{
    /// <summary>Row locks for a read that a write in the same transaction depends on; SQLite has one writer and needs none.</summary>
    public static string ForUpdate(StoreProvider provider) => provider == StoreProvider.Postgres ? " FOR UPDATE" : string.Empty;

    /// <summary>Claims rows no other worker holds (several dispatchers share a queue); SQLite has one writer.</summary>
    public static string ForUpdateSkipLocked(StoreProvider provider) => provider == StoreProvider.Postgres ? " FOR UPDATE SKIP LOCKED" : string.Empty;

    /// <summary>
    /// <c>column</c> is one of a text list bound as one parameter, whatever its length: a PostgreSQL array
    /// (<c>= ANY</c>) or an SQLite JSON array read by <c>json_each</c> (no limit on bound parameters). Bind the list with
    /// <see cref="TextList"/>.
    /// </summary>
    public static string InTextList(StoreProvider provider, string column, string parameter) => provider == StoreProvider.Postgres
        ? $"{column} = ANY(@{parameter})"
        : $"{column} IN (SELECT value FROM json_each(@{parameter}))";

    /// <summary>The value to bind for <see cref="InTextList"/>.</summary>
    public static object TextList(StoreProvider provider, string[] values) =>
        provider == StoreProvider.Postgres ? values : JsonSerializer.Serialize(values);

    /// <summary>
    /// <c>column</c> is one of an array parameter of any element type: PostgreSQL <c>= ANY</c>; on SQLite Dapper expands
    /// <c>IN @parameter</c> to one parameter per element, so callers keep such lists in chunks.
    /// </summary>
    public static string InArray(StoreProvider provider, string column, string parameter) => provider == StoreProvider.Postgres
        ? $"{column} = ANY(@{parameter})"
        : $"{column} IN @{parameter}";
}
