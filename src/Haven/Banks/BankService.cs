using System.Data.Common;
using Dapper;
using Haven.Audit;
using Haven.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Haven.Banks;

/// <summary>
/// Banks and their entries over a <see cref="HavenStore"/>. Every change to banks or entries bumps the banks version
/// in the same transaction, so the engine can tell when its in-memory index is stale (<see cref="GetBanksVersionAsync"/>).
/// Small queries use Dapper; the bulk paths (import, enabled-entries read, export) use raw ADO.NET.
/// </summary>
internal sealed partial class BankService
{
    /// <summary>Name of the counter in <c>store_counters</c>.</summary>
    internal const string BanksVersionCounter = "banks_version";

    private const int MaxDescriptionLength = 1024;

    // Keeps IN lists well under SQLite's bound-parameter limit.
    private const int RemoveChunkSize = 500;

    private readonly HavenStore _store;
    private readonly ILogger _logger;

    /// <summary>Creates the service over an open store.</summary>
    public BankService(HavenStore store)
    {
        _store = store;
        _logger = store.LoggerFactory.CreateLogger<BankService>();
    }

    /// <summary>Creates an empty bank.</summary>
    public async Task<Result<Bank, BankError>> CreateAsync(string name, string? description = null, bool enabled = true, CancellationToken cancellationToken = default)
    {
        if (BankName.Validate(name) is { } reason)
        {
            return new BankNameInvalid(name ?? string.Empty, reason);
        }

        description = description?.Trim() ?? string.Empty;
        if (description.Length > MaxDescriptionLength)
        {
            return new BankRequestInvalid($"The description has {description.Length} characters; the limit is {MaxDescriptionLength}.");
        }

        var createdAt = _store.NowUnixMilliseconds;
        await using var connection = await _store.OpenConnectionAsync(cancellationToken);
        await using var transaction = await _store.BeginWriteAsync(connection, cancellationToken);
        if (await FindAsync(connection, transaction, name, cancellationToken) is not null)
        {
            return new BankAlreadyExists(name);
        }

        long id;
        try
        {
            id = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "INSERT INTO banks (name, description, enabled, created_at) VALUES (@name, @description, @enabled, @createdAt) RETURNING id",
                new { name, description, enabled, createdAt },
                transaction,
                cancellationToken: cancellationToken));
        }
        catch (DbException ex) when (IsUniqueViolation(ex))
        {
            // A concurrent creator won between our check and insert (PostgreSQL read committed).
            return new BankAlreadyExists(name);
        }

        await HavenStore.BumpCounterAsync(connection, transaction, BanksVersionCounter, cancellationToken);
        await AuditLog.AppendAsync(_store, connection, transaction, "bank.created", $"bank:{name}", new { id, enabled }, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        BankLog.Created(_logger, id);
        return new Bank(id, name, description, enabled, DateTimeOffset.FromUnixTimeMilliseconds(createdAt));
    }

    /// <summary>
    /// Every bank's id and name, without counting entries: the index loader needs only the names, and counting a
    /// million entries would fill the connection's 64 MiB page cache just before the scan (docs/adr/0003-pdq-index.md).
    /// </summary>
    public async Task<IReadOnlyDictionary<long, string>> ReadNamesAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _store.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(long Id, string Name)>(new CommandDefinition("SELECT id, name FROM banks", cancellationToken: cancellationToken));
        return rows.ToDictionary(r => r.Id, r => r.Name);
    }

    /// <summary>Every bank, by name, with entry counts per signal type.</summary>
    public async Task<IReadOnlyList<BankSummary>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _store.OpenConnectionAsync(cancellationToken);
        await using var transaction = await _store.BeginSnapshotReadAsync(connection, cancellationToken);
        var banks = await connection.QueryAsync<BankRow>(new CommandDefinition(
            BankRow.Select + " ORDER BY name", transaction: transaction, cancellationToken: cancellationToken));
        var counts = await connection.QueryAsync<CountRow>(new CommandDefinition(
            "SELECT bank_id AS BankId, signal_type AS SignalType, COUNT(*) AS Count FROM bank_entries GROUP BY bank_id, signal_type",
            transaction: transaction,
            cancellationToken: cancellationToken));
        var byBank = counts.ToLookup(c => c.BankId);
        return [.. banks.Select(b => Summarize(b.ToBank(), byBank[b.Id]))];
    }

    /// <summary>One bank with its counts.</summary>
    public async Task<Result<BankSummary, BankError>> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var connection = await _store.OpenConnectionAsync(cancellationToken);
        await using var transaction = await _store.BeginSnapshotReadAsync(connection, cancellationToken);
        if (await FindAsync(connection, transaction, name, cancellationToken) is not { } bank)
        {
            return new BankNotFound(name);
        }

        var counts = await connection.QueryAsync<CountRow>(new CommandDefinition(
            "SELECT bank_id AS BankId, signal_type AS SignalType, COUNT(*) AS Count FROM bank_entries WHERE bank_id = @id GROUP BY bank_id, signal_type",
            new { id = bank.Id },
            transaction,
            cancellationToken: cancellationToken));
        return Summarize(bank, counts);
    }

    /// <summary>Lets the bank's entries feed the match index.</summary>
    public Task<Result<Bank, BankError>> EnableAsync(string name, CancellationToken cancellationToken = default) =>
        SetEnabledAsync(name, true, cancellationToken);

    /// <summary>Keeps the bank's entries out of the match index (they stay stored).</summary>
    public Task<Result<Bank, BankError>> DisableAsync(string name, CancellationToken cancellationToken = default) =>
        SetEnabledAsync(name, false, cancellationToken);

    /// <summary>Sets the enabled flag; a no-op change does not bump the version.</summary>
    public async Task<Result<Bank, BankError>> SetEnabledAsync(string name, bool enabled, CancellationToken cancellationToken = default)
    {
        await using var connection = await _store.OpenConnectionAsync(cancellationToken);
        await using var transaction = await _store.BeginWriteAsync(connection, cancellationToken);
        if (await FindAsync(connection, transaction, name, cancellationToken) is not { } bank)
        {
            return new BankNotFound(name);
        }

        if (bank.Enabled == enabled)
        {
            return bank;
        }

        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE banks SET enabled = @enabled WHERE id = @id", new { enabled, id = bank.Id }, transaction, cancellationToken: cancellationToken));
        await HavenStore.BumpCounterAsync(connection, transaction, BanksVersionCounter, cancellationToken);
        await AuditLog.AppendAsync(_store, connection, transaction, enabled ? "bank.enabled" : "bank.disabled", $"bank:{bank.Name}", new { id = bank.Id }, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        BankLog.EnabledChanged(_logger, bank.Id, enabled);
        return bank with { Enabled = enabled };
    }

    /// <summary>Deletes the bank and all its entries; returns how many entries went with it.</summary>
    public async Task<Result<long, BankError>> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var connection = await _store.OpenConnectionAsync(cancellationToken);
        await using var transaction = await _store.BeginWriteAsync(connection, cancellationToken);
        if (await FindAsync(connection, transaction, name, cancellationToken) is not { } bank)
        {
            return new BankNotFound(name);
        }

        var entries = await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM bank_entries WHERE bank_id = @id", new { id = bank.Id }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM banks WHERE id = @id", new { id = bank.Id }, transaction, cancellationToken: cancellationToken));
        await HavenStore.BumpCounterAsync(connection, transaction, BanksVersionCounter, cancellationToken);
        await AuditLog.AppendAsync(_store, connection, transaction, "bank.deleted", $"bank:{bank.Name}", new { id = bank.Id, entries }, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        BankLog.Deleted(_logger, bank.Id, entries);
        return (long)entries;
    }

    /// <summary>Removes the selected entries of a bank; returns how many were removed (keys that match nothing are ignored).</summary>
    public async Task<Result<long, BankError>> RemoveEntriesAsync(string bankName, EntrySelector selector, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(selector);
        // Typed arrays: Npgsql binds one PostgreSQL array (= ANY), while Dapper expands IN @keys into one SQLite
        // parameter per element; the chunking keeps SQLite under its bound-parameter limit.
        var (column, keys) = selector switch
        {
            EntrySelector.Ids ids => ("id", (Array)ids.Keys.Distinct().ToArray()),
            EntrySelector.Values values => ("value", values.Keys.Select(k => k.Trim().ToLowerInvariant()).Distinct().ToArray()),
            EntrySelector.ExternalIds external => ("external_id", external.Keys.Select(k => k.Trim()).Distinct().ToArray()),
            _ => throw new ArgumentOutOfRangeException(nameof(selector)),
        };
        if (keys.Length == 0)
        {
            return new BankRequestInvalid("Nothing to remove: the selection is empty.");
        }

        await using var connection = await _store.OpenConnectionAsync(cancellationToken);
        await using var transaction = await _store.BeginWriteAsync(connection, cancellationToken);
        if (await FindAsync(connection, transaction, bankName, cancellationToken) is not { } bank)
        {
            return new BankNotFound(bankName);
        }

        long removed = 0;
        for (var offset = 0; offset < keys.Length; offset += RemoveChunkSize)
        {
            var chunk = Array.CreateInstance(keys.GetType().GetElementType()!, Math.Min(RemoveChunkSize, keys.Length - offset));
            Array.Copy(keys, offset, chunk, 0, chunk.Length);
            removed += await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM bank_entries WHERE bank_id = @bankId AND " + SqlDialect.InArray(_store.Provider, column, "keys"),
                new { bankId = bank.Id, keys = chunk },
                transaction,
                cancellationToken: cancellationToken));
        }

        if (removed > 0)
        {
            await HavenStore.BumpCounterAsync(connection, transaction, BanksVersionCounter, cancellationToken);
            await AuditLog.AppendAsync(_store, connection, transaction, "bank.entries_removed", $"bank:{bank.Name}", new { id = bank.Id, by = column, requested = keys.Length, removed }, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        BankLog.EntriesRemoved(_logger, bank.Id, removed);
        return removed;
    }

    /// <summary>The current banks version: increases with every committed change to banks or entries.</summary>
    public async Task<long> GetBanksVersionAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _store.OpenConnectionAsync(cancellationToken);
        return await HavenStore.ReadCounterAsync(connection, null, BanksVersionCounter, cancellationToken);
    }

    /// <summary>
    /// Streams every entry of every enabled bank to <paramref name="onEntry"/> (no order promised) and returns the banks
    /// version of the same snapshot: an index built from these rows is exactly that version. Built for millions of rows:
    /// one forward-only reader, no per-row objects beyond the value string, category strings shared.
    /// </summary>
    public Task<long> ReadEnabledEntriesAsync(Action<EnabledEntry> onEntry, CancellationToken cancellationToken = default) =>
        ReadEnabledEntriesAsync(static _ => { }, onEntry, cancellationToken);

    /// <summary>
    /// As <see cref="ReadEnabledEntriesAsync(Action{EnabledEntry}, CancellationToken)"/>, first telling
    /// <paramref name="onPdqCount"/> how many of the rows that follow are PDQ (counted in the same snapshot), so that a
    /// caller can size its arrays once instead of growing them.
    /// </summary>
    public async Task<long> ReadEnabledEntriesAsync(Action<long> onPdqCount, Action<EnabledEntry> onEntry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onPdqCount);
        ArgumentNullException.ThrowIfNull(onEntry);
        var started = _store.Time.GetTimestamp();
        await using var connection = await _store.OpenConnectionAsync(cancellationToken);
        await _store.PrepareForScanAsync(connection, cancellationToken);
        await using var transaction = await _store.BeginSnapshotReadAsync(connection, cancellationToken);
        var version = await HavenStore.ReadCounterAsync(connection, transaction, BanksVersionCounter, cancellationToken);

        await using (var counting = connection.CreateCommand())
        {
            counting.Transaction = transaction;
            counting.CommandText =
                "SELECT COUNT(*) FROM bank_entries e JOIN banks b ON b.id = e.bank_id WHERE b.enabled AND e.signal_type = 'pdq'";
            onPdqCount(Convert.ToInt64(await counting.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture));
        }

        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText =
            "SELECT e.id, e.bank_id, e.signal_type, e.value, e.quality, e.category, e.external_id " +
            "FROM bank_entries e JOIN banks b ON b.id = e.bank_id WHERE b.enabled";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var categories = new Dictionary<string, string>(StringComparer.Ordinal);
        long count = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            string? category = null;
            if (!reader.IsDBNull(5))
            {
                var raw = reader.GetString(5);
                if (!categories.TryGetValue(raw, out category))
                {
                    // Few distinct categories across millions of rows: share one string per category.
                    category = raw;
                    categories.Add(raw, raw);
                }
            }

            onEntry(new EnabledEntry(
                reader.GetInt64(0),
                reader.GetInt64(1),
                ParseStoredType(reader.GetString(2)),
                reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetInt32(4),
                category,
                reader.IsDBNull(6) ? null : reader.GetString(6)));
            count++;
        }

        BankLog.EnabledEntriesRead(_logger, count, version, (long)_store.Time.GetElapsedTime(started).TotalMilliseconds);
        return version;
    }

    /// <summary>Streams one bank's entries in id order.</summary>
    public async IAsyncEnumerable<BankEntry> ReadEntriesAsync(long bankId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = await _store.OpenConnectionAsync(cancellationToken);
        await using var transaction = await _store.BeginSnapshotReadAsync(connection, cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText =
            "SELECT id, bank_id, signal_type, value, quality, category, source, external_id, added_at FROM bank_entries WHERE bank_id = @bankId ORDER BY id";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@bankId";
        parameter.Value = bankId;
        command.Parameters.Add(parameter);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return new BankEntry(
                reader.GetInt64(0),
                reader.GetInt64(1),
                ParseStoredType(reader.GetString(2)),
                reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetInt32(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8)));
        }
    }

    /// <summary>Looks a bank up by name (null when absent).</summary>
    public async Task<Bank?> FindAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var connection = await _store.OpenConnectionAsync(cancellationToken);
        return await FindAsync(connection, null, name, cancellationToken);
    }

    private static async Task<Bank?> FindAsync(DbConnection connection, DbTransaction? transaction, string name, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<BankRow>(new CommandDefinition(
            BankRow.Select + " WHERE name = @name", new { name }, transaction, cancellationToken: cancellationToken));
        return row?.ToBank();
    }

    private static SignalType ParseStoredType(string name) => name switch
    {
        // The three stored spellings, matched without allocation; anything else is corruption.
        "pdq" => SignalType.Pdq,
        "md5" => SignalType.Md5,
        "sha256" => SignalType.Sha256,
        _ => SignalTypes.FromStored(name),
    };

    private static BankSummary Summarize(Bank bank, IEnumerable<CountRow> counts)
    {
        long pdq = 0, md5 = 0, sha256 = 0;
        foreach (var count in counts)
        {
            switch (ParseStoredType(count.SignalType))
            {
                case SignalType.Pdq:
                    pdq = count.Count;
                    break;
                case SignalType.Md5:
                    md5 = count.Count;
                    break;
                case SignalType.Sha256:
                    sha256 = count.Count;
                    break;
            }
        }

        return new BankSummary(bank, pdq, md5, sha256);
    }

    private static bool IsUniqueViolation(DbException exception) => exception switch
    {
        SqliteException sqlite => sqlite.SqliteErrorCode == 19, // SQLITE_CONSTRAINT
        PostgresException postgres => postgres.SqlState == PostgresErrorCodes.UniqueViolation,
        _ => false,
    };

    // Dapper targets: plain settable properties convert SQLite's INTEGER and PostgreSQL's BOOLEAN alike.
    private sealed class BankRow
    {
        public const string Select = "SELECT id AS Id, name AS Name, description AS Description, enabled AS Enabled, created_at AS CreatedAt FROM banks";

        public long Id { get; set; }

        public string Name { get; set; } = string.Empty;

        public string Description { get; set; } = string.Empty;

        public bool Enabled { get; set; }

        public long CreatedAt { get; set; }

        public Bank ToBank() => new(Id, Name, Description, Enabled, DateTimeOffset.FromUnixTimeMilliseconds(CreatedAt));
    }

    private sealed class CountRow
    {
        public long BankId { get; set; }

        public string SignalType { get; set; } = string.Empty;

        public long Count { get; set; }
    }
}
