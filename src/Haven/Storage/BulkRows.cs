using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace Haven.Storage;

/// <summary>One column of a <see cref="BulkRows{TRow}"/> table: its name and how to read it from a typed row.</summary>
/// <typeparam name="TRow">The row type (a record struct: rows cost no allocation each).</typeparam>
internal abstract class BulkColumn<TRow>(string name)
{
    /// <summary>The column's name in the table.</summary>
    public string Name { get; } = name;

    /// <summary>The type SQLite binds the value as.</summary>
    public abstract SqliteType SqliteType { get; }

    /// <summary>The row's value, boxed, for SQLite's re-executed prepared statement (null as <see cref="DBNull"/>).</summary>
    public abstract object Value(in TRow row);

    /// <summary>The column of every row as one PostgreSQL array parameter for <c>unnest</c>.</summary>
    public abstract NpgsqlParameter Array(string parameter, List<TRow> rows);
}

/// <summary>Builders of typed <see cref="BulkColumn{TRow}"/>s.</summary>
internal static class BulkColumn
{
    /// <summary>Text (nullable).</summary>
    public static BulkColumn<TRow> Text<TRow>(string name, Func<TRow, string?> get) => new TextColumn<TRow>(name, get);

    /// <summary>64-bit integer (nullable).</summary>
    public static BulkColumn<TRow> BigInt<TRow>(string name, Func<TRow, long?> get) => new BigIntColumn<TRow>(name, get);

    /// <summary>Boolean: SQLite 0/1, PostgreSQL <c>BOOLEAN</c>.</summary>
    public static BulkColumn<TRow> Bool<TRow>(string name, Func<TRow, bool> get) => new BoolColumn<TRow>(name, get);

    private sealed class TextColumn<TRow>(string name, Func<TRow, string?> get) : BulkColumn<TRow>(name)
    {
        public override SqliteType SqliteType => SqliteType.Text;

        public override object Value(in TRow row) => get(row) ?? (object)DBNull.Value;

        public override NpgsqlParameter Array(string parameter, List<TRow> rows) =>
            new(parameter, NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = rows.ConvertAll(r => get(r)).ToArray() };
    }

    private sealed class BigIntColumn<TRow>(string name, Func<TRow, long?> get) : BulkColumn<TRow>(name)
    {
        public override SqliteType SqliteType => SqliteType.Integer;

        public override object Value(in TRow row) => get(row) is { } value ? value : DBNull.Value;

        public override NpgsqlParameter Array(string parameter, List<TRow> rows) =>
            new(parameter, NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = rows.ConvertAll(r => get(r)).ToArray() };
    }

    private sealed class BoolColumn<TRow>(string name, Func<TRow, bool> get) : BulkColumn<TRow>(name)
    {
        public override SqliteType SqliteType => SqliteType.Integer;

        public override object Value(in TRow row) => get(row);

        public override NpgsqlParameter Array(string parameter, List<TRow> rows) =>
            new(parameter, NpgsqlDbType.Array | NpgsqlDbType.Boolean) { Value = rows.ConvertAll(r => get(r)).ToArray() };
    }
}

/// <summary>
/// Typed rows for one table, buffered and then written in the caller's transaction in as few round trips as the
/// provider allows: one prepared statement re-executed per row on SQLite (in-process, so a row costs microseconds), one
/// <c>INSERT … SELECT FROM unnest(arrays)</c> per flush on PostgreSQL (a network round trip per row would dominate).
/// </summary>
/// <typeparam name="TRow">The row type.</typeparam>
internal sealed class BulkRows<TRow>(string table, IReadOnlyList<BulkColumn<TRow>> columns, string onConflict = "")
{
    private readonly List<TRow> _rows = [];

    /// <summary>Rows waiting to be written.</summary>
    public int Count => _rows.Count;

    /// <summary>A buffered row, by the index <see cref="Add"/> returned (valid until a flush or a removal).</summary>
    public TRow this[int index]
    {
        get => _rows[index];
        set => _rows[index] = value;
    }

    /// <summary>Adds one row; returns its index among the buffered rows.</summary>
    public int Add(in TRow row)
    {
        _rows.Add(row);
        return _rows.Count - 1;
    }

    /// <summary>Removes buffered rows that match <paramref name="predicate"/>; returns how many.</summary>
    public int RemoveWhere(Predicate<TRow> predicate) => _rows.RemoveAll(predicate);

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
            var arrays = string.Join(", ", columns.Select((c, i) => $"@p{i}"));
            await using var command = new NpgsqlCommand($"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}){suffix}", npgsql, (NpgsqlTransaction)transaction);
            for (var i = 0; i < columns.Count; i++)
            {
                command.Parameters.Add(columns[i].Array($"p{i}", _rows));
            }

            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await using var command = (SqliteCommand)connection.CreateCommand();
            command.Transaction = (SqliteTransaction)transaction;
            command.CommandText = $"INSERT INTO {table} ({names}) VALUES ({string.Join(", ", columns.Select((_, i) => $"$p{i}"))}){suffix}";
            var parameters = columns.Select((c, i) => command.Parameters.Add($"$p{i}", c.SqliteType)).ToArray();
            command.Prepare();
            foreach (var row in _rows)
            {
                for (var i = 0; i < parameters.Length; i++)
                {
                    parameters[i].Value = columns[i].Value(row);
                }

                command.ExecuteNonQuery();
            }
        }

        _rows.Clear();
    }
}
