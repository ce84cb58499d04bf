namespace Haven.Storage;

/// <summary>Where the store lives. Bound from configuration section <see cref="SectionName"/>.</summary>
internal sealed class StoreOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Store";

    /// <summary><c>sqlite</c> (default, one file <c>haven.db</c> in <see cref="DataFolder"/>) or <c>postgres</c>.</summary>
    public string Provider { get; set; } = "sqlite";

    /// <summary>Folder for the SQLite file; created if missing.</summary>
    public string DataFolder { get; set; } = "./haven-data";

    /// <summary>Npgsql connection string; required when <see cref="Provider"/> is <c>postgres</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>How long a SQLite connection waits for a competing writer before giving up.</summary>
    public int BusyTimeoutMilliseconds { get; set; } = 5_000;
}

/// <summary>The database engine behind a store.</summary>
internal enum StoreProvider
{
    /// <summary>Embedded SQLite file (default).</summary>
    Sqlite,

    /// <summary>PostgreSQL server (production).</summary>
    Postgres,
}
