namespace Haven.Storage;

/// <summary>
/// Every PostgreSQL advisory lock id Haven takes, in one place so two purposes can never share an id by accident. All are
/// transaction-scoped (<c>pg_advisory_xact_lock</c>): released at commit or rollback. SQLite has one writer and needs none.
/// </summary>
internal static class AdvisoryLocks
{
    /// <summary>
    /// Migrations (<see cref="MigrationRunner"/>): any constant works as long as every Haven process sharing the database
    /// uses the same one, so two workers starting together do not both try to create the tables ("HAVEN" + 1).
    /// </summary>
    public const long Migrations = 0x4841_5645_4E00_0001;

    /// <summary>
    /// Event ingest (<c>Events/EventLog</c>): writers take turns, so sequence numbers become visible in commit order and
    /// the signals stage's checkpoint never skips an event that committed late (ADR 0004).
    /// </summary>
    public const long EventIngest = 7_262_500_001;

    /// <summary>
    /// Decision writers (<c>Policy/DecisionLog</c>: the signals stage, discovery cases) take turns, so a status is never
    /// folded from a row another writer is changing, and the log's order is the order statuses were folded in.
    /// </summary>
    public const long DecisionLog = 7_262_500_002;

    /// <summary>The statement that takes the transaction-scoped lock <c>@key</c> (bind the id as <c>key</c>).</summary>
    public const string XactLockSql = "SELECT pg_advisory_xact_lock(@key)";
}
