using System.Data.Common;
using Haven.Storage;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace Haven.Banks;

/// <summary>
/// Bulk insert of validated entries into one bank, inside the caller's transaction. Duplicates of entries the bank
/// already holds (same signal type and value) are left alone; each batch returns how many rows were actually added.
/// Raw ADO.NET rather than Dapper: this is the one path that must move millions of rows (see docs/adr/0002-store-access.md).
/// </summary>
internal abstract class BankEntryWriter : IAsyncDisposable
{
    private protected const string InsertColumns = "bank_id, signal_type, value, quality, category, source, external_id, added_at";

    /// <summary>Creates the writer for the store's provider.</summary>
    public static BankEntryWriter Create(HavenStore store, DbConnection connection, DbTransaction transaction, long bankId, long addedAt) =>
        store.Provider switch
        {
            StoreProvider.Sqlite => new SqliteWriter((SqliteConnection)connection, (SqliteTransaction)transaction, bankId, addedAt),
            StoreProvider.Postgres => new PostgresWriter((NpgsqlConnection)connection, (NpgsqlTransaction)transaction, bankId, addedAt),
            _ => throw new ArgumentOutOfRangeException(nameof(store)),
        };

    /// <summary>Writes one batch; returns the number of entries newly added (the rest were already present).</summary>
    public abstract Task<long> WriteAsync(IReadOnlyList<NewBankEntry> batch, CancellationToken cancellationToken);

    /// <inheritdoc />
    public abstract ValueTask DisposeAsync();

    private static object DbValue(string? text) => text is null ? DBNull.Value : text;

    /// <summary>
    /// SQLite: one prepared INSERT … ON CONFLICT DO NOTHING, re-bound per row, all inside the caller's transaction.
    /// SQLite has no faster bulk path; without the per-row journal sync of autocommit this runs at hundreds of thousands of rows/s.
    /// </summary>
    private sealed class SqliteWriter : BankEntryWriter
    {
        private readonly SqliteCommand _command;
        private readonly SqliteParameter _type;
        private readonly SqliteParameter _value;
        private readonly SqliteParameter _quality;
        private readonly SqliteParameter _category;
        private readonly SqliteParameter _source;
        private readonly SqliteParameter _externalId;

        public SqliteWriter(SqliteConnection connection, SqliteTransaction transaction, long bankId, long addedAt)
        {
            _command = connection.CreateCommand();
            _command.Transaction = transaction;
            _command.CommandText =
                $"INSERT INTO bank_entries ({InsertColumns}) VALUES ($bank, $type, $value, $quality, $category, $source, $external, $added) " +
                "ON CONFLICT (bank_id, value, signal_type) DO NOTHING";
            _command.Parameters.AddWithValue("$bank", bankId);
            _command.Parameters.AddWithValue("$added", addedAt);
            _type = _command.Parameters.Add("$type", SqliteType.Text);
            _value = _command.Parameters.Add("$value", SqliteType.Text);
            _quality = _command.Parameters.Add("$quality", SqliteType.Integer);
            _category = _command.Parameters.Add("$category", SqliteType.Text);
            _source = _command.Parameters.Add("$source", SqliteType.Text);
            _externalId = _command.Parameters.Add("$external", SqliteType.Text);
            _command.Prepare();
        }

        public override Task<long> WriteAsync(IReadOnlyList<NewBankEntry> batch, CancellationToken cancellationToken)
        {
            // Microsoft.Data.Sqlite's async methods complete synchronously anyway; the sync calls skip a Task per row.
            long added = 0;
            for (var i = 0; i < batch.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var entry = batch[i];
                _type.Value = entry.SignalType.Name();
                _value.Value = entry.Value;
                _quality.Value = entry.Quality is { } q ? q : DBNull.Value;
                _category.Value = DbValue(entry.Category);
                _source.Value = DbValue(entry.Source);
                _externalId.Value = DbValue(entry.ExternalId);
                added += _command.ExecuteNonQuery();
            }

            return Task.FromResult(added);
        }

        public override ValueTask DisposeAsync() => _command.DisposeAsync();
    }

    /// <summary>
    /// PostgreSQL: binary COPY of the batch into a temporary table, then one INSERT … SELECT … ON CONFLICT DO NOTHING.
    /// COPY cannot skip conflicting rows itself, and row-by-row INSERTs cost a round trip each.
    /// </summary>
    private sealed class PostgresWriter(NpgsqlConnection connection, NpgsqlTransaction transaction, long bankId, long addedAt) : BankEntryWriter
    {
        private bool _tableCreated;

        public override async Task<long> WriteAsync(IReadOnlyList<NewBankEntry> batch, CancellationToken cancellationToken)
        {
            if (batch.Count == 0)
            {
                return 0;
            }

            if (!_tableCreated)
            {
                // ON COMMIT DROP (and rollback) removes it, so a pooled connection never carries it to the next user.
                await ExecuteAsync(
                    "CREATE TEMP TABLE haven_import_batch (signal_type TEXT NOT NULL, value TEXT COLLATE \"C\" NOT NULL, " +
                    "quality SMALLINT NULL, category TEXT NULL, source TEXT NULL, external_id TEXT NULL) ON COMMIT DROP",
                    cancellationToken);
                _tableCreated = true;
            }

            await using (var importer = await connection.BeginBinaryImportAsync(
                "COPY haven_import_batch (signal_type, value, quality, category, source, external_id) FROM STDIN (FORMAT BINARY)",
                cancellationToken))
            {
                foreach (var entry in batch)
                {
                    await importer.StartRowAsync(cancellationToken);
                    await importer.WriteAsync(entry.SignalType.Name(), NpgsqlDbType.Text, cancellationToken);
                    await importer.WriteAsync(entry.Value, NpgsqlDbType.Text, cancellationToken);
                    if (entry.Quality is { } quality)
                    {
                        await importer.WriteAsync((short)quality, NpgsqlDbType.Smallint, cancellationToken);
                    }
                    else
                    {
                        await importer.WriteNullAsync(cancellationToken);
                    }

                    await WriteTextOrNullAsync(importer, entry.Category, cancellationToken);
                    await WriteTextOrNullAsync(importer, entry.Source, cancellationToken);
                    await WriteTextOrNullAsync(importer, entry.ExternalId, cancellationToken);
                }

                await importer.CompleteAsync(cancellationToken);
            }

            await using var insert = new NpgsqlCommand(
                $"INSERT INTO bank_entries ({InsertColumns}) " +
                "SELECT @bank, signal_type, value, quality, category, source, external_id, @added FROM haven_import_batch " +
                "ON CONFLICT (bank_id, value, signal_type) DO NOTHING",
                connection,
                transaction);
            insert.Parameters.AddWithValue("bank", bankId);
            insert.Parameters.AddWithValue("added", addedAt);
            long added = await insert.ExecuteNonQueryAsync(cancellationToken);
            await ExecuteAsync("TRUNCATE haven_import_batch", cancellationToken);
            return added;
        }

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

        private static Task WriteTextOrNullAsync(NpgsqlBinaryImporter importer, string? text, CancellationToken cancellationToken) =>
            text is null ? importer.WriteNullAsync(cancellationToken) : importer.WriteAsync(text, NpgsqlDbType.Text, cancellationToken);

        private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
