using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace Haven.Storage;

/// <summary>Column types a <see cref="BulkRows"/> table can carry.</summary>
internal enum BulkType
{
    /// <summary>Text (nullable).</summary>
    Text,

    /// <summary>64-bit integer (nullable).</summary>
    BigInt,

    /// <summary>Boolean: SQLite 0/1, PostgreSQL <c>BOOLEAN</c>.</summary>
    Bool,
}

/// <summary>
/// Rows for one table, buffered and then written in the caller's transaction in as few round trips as the provider
/// allows: one prepared statement re-executed per row on SQLite (in-process, so a row costs microseconds), one
/// <c>INSERT … SELECT FROM unnest(arrays)</c> per flush on PostgreSQL (a network round trip per row would dominate).
/// </summary>
internal sealed class BulkRows(string table, IReadOnlyList<(string Name, BulkType Type)> columns, string onConflict = "")
{
    private readonly List<object?[]> _rows = [];

    /// <summary>Rows waiting to be written.</summary>
    public int Count => _rows.Count;

    /// <summary>Adds one row; values in column order (string, long, int, bool or null).</summary>
    public void Add(params object?[] values)
    {
        if (values.Length != columns.Count)
        {
            throw new ArgumentException($"{table} has {columns.Count} columns; got {values.Length} values.", nameof(values));
        }

        _rows.Add(values);
    }

    /// <summary>Removes buffered rows that match <paramref name="predicate"/>; returns how many.</summary>
    public int RemoveWhere(Func<object?[], bool> predicate) => _rows.RemoveAll(r => predicate(r));

    /// <summary>Writes the buffered rows in the caller's transaction and clears the buffer.</summary>
    public async Task FlushAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        if (_rows.Count == 0)
        {
            return;
        }

        var names = string.Join(", ", columns.Select(c => c.Name));
        var suffix = onConflict.Length == 0 ? string.Empty : " " + onConflict;
        if (connection is NpgsqlConnection npgsql)
        {
            var casts = string.Join(", ", columns.Select((c, i) => $"@p{i}"));
            await using var command = new NpgsqlCommand($"INSERT INTO {table} ({names}) SELECT * FROM unnest({casts}){suffix}", npgsql, (NpgsqlTransaction)transaction);
            for (var i = 0; i < columns.Count; i++)
            {
                command.Parameters.Add(new NpgsqlParameter($"p{i}", NpgsqlDbType.Array | PgType(columns[i].Type)) { Value = Column(i) });
            }

            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await using var command = (SqliteCommand)connection.CreateCommand();
            command.Transaction = (SqliteTransaction)transaction;
            command.CommandText = $"INSERT INTO {table} ({names}) VALUES ({string.Join(", ", columns.Select((_, i) => $"$p{i}"))}){suffix}";
            var parameters = columns.Select((c, i) => command.Parameters.Add($"$p{i}", c.Type == BulkType.Text ? SqliteType.Text : SqliteType.Integer)).ToArray();
            command.Prepare();
            foreach (var row in _rows)
            {
                for (var i = 0; i < parameters.Length; i++)
                {
                    parameters[i].Value = row[i] ?? DBNull.Value;
                }

                command.ExecuteNonQuery();
            }
        }

        _rows.Clear();
    }

    private Array Column(int index) => columns[index].Type switch
    {
        BulkType.Text => _rows.Select(r => (string?)r[index]).ToArray(),
        BulkType.Bool => _rows.Select(r => (bool)r[index]!).ToArray(),
        _ => _rows.Select(r => r[index] is null ? (long?)null : Convert.ToInt64(r[index], System.Globalization.CultureInfo.InvariantCulture)).ToArray(),
    };

    private static NpgsqlDbType PgType(BulkType type) => type switch
    {
        BulkType.Text => NpgsqlDbType.Text,
        BulkType.Bool => NpgsqlDbType.Boolean,
        _ => NpgsqlDbType.Bigint,
    };
}
