namespace Haven.Storage;

/// <summary>One schema step. Applied in <see cref="Version"/> order, each at most once, recorded in <c>schema_migrations</c>.</summary>
/// <param name="Version">Strictly increasing, never reused, never edited once released.</param>
/// <param name="Name">Short description stored beside the version.</param>
/// <param name="Sql">SQL for both providers, with the dialect tokens of <see cref="Migrations.Render"/>.</param>
internal sealed record Migration(int Version, string Name, string Sql);

/// <summary>
/// The ordered schema history. The SQL is shared by SQLite and PostgreSQL; the only dialect differences are the
/// tokens below, so a reader sees every difference in one place:
/// <list type="table">
/// <item><term>{{IDENTITY}}</term><description>SQLite <c>INTEGER PRIMARY KEY AUTOINCREMENT</c> (ids never reused after deletes);
/// PostgreSQL <c>BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY</c>.</description></item>
/// <item><term>{{BOOL}}</term><description>SQLite <c>INTEGER</c> (0/1); PostgreSQL <c>BOOLEAN</c>. Queries only ever test <c>WHERE enabled</c> or bind a parameter, which both accept.</description></item>
/// <item><term>{{KEY_TEXT}}</term><description>Text compared byte-wise: SQLite <c>TEXT</c> (binary collation by default); PostgreSQL <c>TEXT COLLATE "C"</c>, which keeps hex-value indexes cheap.</description></item>
/// </list>
/// Times are Unix milliseconds in <c>BIGINT</c> columns on both providers, from <see cref="TimeProvider"/>.
/// </summary>
internal static class Migrations
{
    /// <summary>All migrations, ascending.</summary>
    public static IReadOnlyList<Migration> All { get; } =
    [
        new(1, "banks", """
            CREATE TABLE banks (
                id {{IDENTITY}},
                name TEXT NOT NULL,
                description TEXT NOT NULL DEFAULT '',
                enabled {{BOOL}} NOT NULL,
                created_at BIGINT NOT NULL,
                CONSTRAINT uq_banks_name UNIQUE (name)
            );
            CREATE TABLE bank_entries (
                id {{IDENTITY}},
                bank_id BIGINT NOT NULL REFERENCES banks (id) ON DELETE CASCADE,
                signal_type TEXT NOT NULL CHECK (signal_type IN ('pdq', 'md5', 'sha256')),
                value {{KEY_TEXT}} NOT NULL,
                quality SMALLINT NULL CHECK (quality BETWEEN 0 AND 100),
                category TEXT NULL,
                source TEXT NULL,
                external_id TEXT NULL,
                added_at BIGINT NOT NULL,
                CONSTRAINT uq_bank_entries_value UNIQUE (bank_id, value, signal_type)
            );
            CREATE INDEX ix_bank_entries_external_id ON bank_entries (bank_id, external_id) WHERE external_id IS NOT NULL;
            CREATE TABLE store_counters (
                name TEXT NOT NULL PRIMARY KEY,
                value BIGINT NOT NULL
            );
            INSERT INTO store_counters (name, value) VALUES ('banks_version', 0);
            """),
        new(2, "api_keys", """
            CREATE TABLE api_keys (
                id {{IDENTITY}},
                name TEXT NOT NULL,
                key_hash {{KEY_TEXT}} NOT NULL,
                scopes TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                revoked_at BIGINT NULL,
                CONSTRAINT uq_api_keys_key_hash UNIQUE (key_hash)
            );
            """),
        new(3, "audit_log", """
            CREATE TABLE audit_log (
                seq BIGINT NOT NULL PRIMARY KEY,
                at BIGINT NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                subject TEXT NOT NULL,
                details TEXT NOT NULL,
                prev_hash {{KEY_TEXT}} NOT NULL,
                hash {{KEY_TEXT}} NOT NULL
            );
            INSERT INTO store_counters (name, value) VALUES ('audit_seq', 0);
            """),
        new(4, "api_key_rate_limits", """
            ALTER TABLE api_keys ADD COLUMN rate_limit_per_minute INTEGER NULL;
            """),
        new(5, "events", """
            CREATE TABLE events (
                seq {{IDENTITY}},
                event_id {{KEY_TEXT}} NOT NULL,
                type TEXT NOT NULL,
                occurred_at BIGINT NOT NULL,
                actor TEXT NOT NULL,
                body TEXT NOT NULL,
                body_sha256 TEXT NOT NULL,
                received_at BIGINT NOT NULL,
                CONSTRAINT uq_events_event_id UNIQUE (event_id)
            );
            """),
        new(6, "lexicons", """
            CREATE TABLE lexicons (
                id {{IDENTITY}},
                name TEXT NOT NULL,
                description TEXT NOT NULL DEFAULT '',
                enabled {{BOOL}} NOT NULL,
                created_at BIGINT NOT NULL,
                CONSTRAINT uq_lexicons_name UNIQUE (name)
            );
            CREATE TABLE lexicon_entries (
                id {{IDENTITY}},
                lexicon_id BIGINT NOT NULL REFERENCES lexicons (id) ON DELETE CASCADE,
                pattern TEXT NOT NULL,
                normalized {{KEY_TEXT}} NOT NULL,
                category TEXT NOT NULL,
                weight REAL NOT NULL,
                mode TEXT NOT NULL CHECK (mode IN ('word', 'substring')),
                source TEXT NULL,
                added_at BIGINT NOT NULL,
                CONSTRAINT uq_lexicon_entries UNIQUE (lexicon_id, normalized, category, mode)
            );
            INSERT INTO store_counters (name, value) VALUES ('lexicons_version', 0);
            """),
        new(7, "outbox", """
            CREATE TABLE outbox (
                id {{IDENTITY}},
                action_id {{KEY_TEXT}} NOT NULL,
                adapter TEXT NOT NULL,
                kind TEXT NOT NULL,
                payload TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                attempts BIGINT NOT NULL DEFAULT 0,
                next_attempt_at BIGINT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
                last_error TEXT NULL,
                delivered_at BIGINT NULL,
                CONSTRAINT uq_outbox_action_id UNIQUE (action_id)
            );
            CREATE INDEX ix_outbox_due ON outbox (state, next_attempt_at);
            """),
    ];

    /// <summary>The highest version this build knows.</summary>
    public static int LatestVersion => All[^1].Version;

    /// <summary>Replaces the dialect tokens for <paramref name="provider"/>.</summary>
    public static string Render(string sql, StoreProvider provider) => provider switch
    {
        StoreProvider.Sqlite => sql
            .Replace("{{IDENTITY}}", "INTEGER PRIMARY KEY AUTOINCREMENT", StringComparison.Ordinal)
            .Replace("{{BOOL}}", "INTEGER", StringComparison.Ordinal)
            .Replace("{{KEY_TEXT}}", "TEXT", StringComparison.Ordinal),
        StoreProvider.Postgres => sql
            .Replace("{{IDENTITY}}", "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", StringComparison.Ordinal)
            .Replace("{{BOOL}}", "BOOLEAN", StringComparison.Ordinal)
            .Replace("{{KEY_TEXT}}", "TEXT COLLATE \"C\"", StringComparison.Ordinal),
        _ => throw new ArgumentOutOfRangeException(nameof(provider)),
    };
}
