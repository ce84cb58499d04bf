using System.Buffers.Binary;
using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using Haven.Storage;

namespace Haven.Audit;

/// <summary>One audit entry as stored.</summary>
/// <param name="Seq">1, 2, 3, … with no gaps.</param>
/// <param name="Actor">Who: <c>cli</c>, <c>apikey:ID</c>, <c>system</c>.</param>
/// <param name="Action">What, dotted: <c>bank.created</c>, <c>apikey.revoked</c>, …</param>
/// <param name="Subject">What it was done to: <c>bank:NAME</c>, <c>apikey:ID</c>.</param>
/// <param name="Details">JSON with ids and counts only; never content, hash values or secrets.</param>
/// <param name="PrevHash">SHA-256 (hex) of the previous entry; 64 zeros for the first.</param>
/// <param name="Hash">SHA-256 (hex) of this entry's fields and <paramref name="PrevHash"/>.</param>
internal sealed record AuditEntry(long Seq, DateTimeOffset At, string Actor, string Action, string Subject, string Details, string PrevHash, string Hash);

/// <summary>The outcome of <see cref="AuditLog.VerifyAsync"/>.</summary>
/// <param name="Entries">Entries checked.</param>
/// <param name="HeadHash">Hash of the last entry: record it outside the database to detect a rewrite of the whole chain.</param>
/// <param name="FirstBadSeq">The first entry that was edited, deleted, inserted or reordered, or null when the chain holds.</param>
/// <param name="Problem">What is wrong there.</param>
internal sealed record AuditVerification(long Entries, string HeadHash, long? FirstBadSeq, string? Problem)
{
    public bool Intact => FirstBadSeq is null;
}

/// <summary>Who is acting in the current flow (set by the CLI or the API-key middleware); flows through async calls.</summary>
internal static class AuditContext
{
    private static readonly AsyncLocal<string?> CurrentActor = new();

    /// <summary>The actor recorded on entries appended in this flow; <c>system</c> when none was set.</summary>
    public static string Actor
    {
        get => CurrentActor.Value ?? "system";
        set => CurrentActor.Value = value;
    }
}

/// <summary>
/// Append-only, hash-chained audit log in the store. Every entry carries the SHA-256 of the previous one, so editing,
/// deleting, inserting or reordering any entry breaks the chain at that point; the <c>audit_seq</c> counter catches a
/// truncated tail. Appends happen inside the caller's write transaction, so an entry exists exactly when its change does.
/// </summary>
internal sealed class AuditLog(HavenStore store)
{
    /// <summary>The previous-hash of the first entry.</summary>
    public static readonly string Genesis = new('0', 64);

    private const string SeqCounter = "audit_seq";

    /// <summary>Appends an entry in the caller's transaction. <paramref name="details"/> is serialised as JSON and must hold no content.</summary>
    public static async Task<AuditEntry> AppendAsync(
        HavenStore store, DbConnection connection, DbTransaction transaction,
        string action, string subject, object details, CancellationToken cancellationToken = default)
    {
        // The counter row lock orders concurrent appenders (PostgreSQL); SQLite has one writer anyway.
        var seq = await HavenStore.BumpCounterAsync(connection, transaction, SeqCounter, cancellationToken).ConfigureAwait(false);
        var prev = seq == 1
            ? Genesis
            : await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
                "SELECT hash FROM audit_log WHERE seq = @seq", new { seq = seq - 1 }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false)
              ?? throw new InvalidOperationException($"Audit entry {seq - 1} is missing; run 'haven audit verify'.");
        var at = store.Time.GetUtcNow();
        var atMs = at.ToUnixTimeMilliseconds();
        var actor = AuditContext.Actor;
        var json = JsonSerializer.Serialize(details);
        var hash = ComputeHash(seq, atMs, actor, action, subject, json, prev);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO audit_log (seq, at, actor, action, subject, details, prev_hash, hash) VALUES (@seq, @atMs, @actor, @action, @subject, @json, @prev, @hash)",
            new { seq, atMs, actor, action, subject, json, prev, hash }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new AuditEntry(seq, DateTimeOffset.FromUnixTimeMilliseconds(atMs), actor, action, subject, json, prev, hash);
    }

    /// <summary>Appends an entry in its own transaction.</summary>
    public async Task<AuditEntry> AppendAsync(string action, string subject, object details, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await store.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var entry = await AppendAsync(store, connection, transaction, action, subject, details, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return entry;
    }

    /// <summary>Reads entries in sequence order, optionally the last <paramref name="last"/> only.</summary>
    public async Task<IReadOnlyList<AuditEntry>> ReadAsync(int? last = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var sql = last is null
            ? "SELECT seq, at, actor, action, subject, details, prev_hash, hash FROM audit_log ORDER BY seq"
            : "SELECT * FROM (SELECT seq, at, actor, action, subject, details, prev_hash, hash FROM audit_log ORDER BY seq DESC LIMIT @last) t ORDER BY seq";
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(sql, new { last }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToEntry())];
    }

    /// <summary>
    /// Walks the whole chain in order and reports the first entry whose sequence number, previous hash or own hash does
    /// not hold, or a tail shorter than the append counter says.
    /// </summary>
    public async Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await store.BeginSnapshotReadAsync(connection, cancellationToken).ConfigureAwait(false);
        var counter = await HavenStore.ReadCounterAsync(connection, transaction, SeqCounter, cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT seq, at, actor, action, subject, details, prev_hash, hash FROM audit_log ORDER BY seq";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        long expected = 1;
        var prev = Genesis;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var seq = reader.GetInt64(0);
            var (at, actor, action, subject, details) = (reader.GetInt64(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5));
            var (storedPrev, storedHash) = (reader.GetString(6), reader.GetString(7));
            if (seq != expected)
            {
                return new AuditVerification(expected - 1, prev, expected, seq > expected
                    ? $"entries {expected}–{seq - 1} are missing (deleted)"
                    : $"entry {seq} appears out of order");
            }

            if (!string.Equals(storedPrev, prev, StringComparison.Ordinal))
            {
                return new AuditVerification(expected - 1, prev, seq, $"entry {seq} does not follow entry {seq - 1} (previous hash differs: an entry was edited, replaced or reordered)");
            }

            if (!string.Equals(ComputeHash(seq, at, actor, action, subject, details, storedPrev), storedHash, StringComparison.Ordinal))
            {
                return new AuditVerification(expected - 1, prev, seq, $"entry {seq} was edited (its content no longer matches its hash)");
            }

            prev = storedHash;
            expected++;
        }

        var count = expected - 1;
        return count != counter
            ? new AuditVerification(count, prev, count + 1, $"the log ends at entry {count} but {counter} were appended: entries {count + 1}–{counter} were deleted")
            : new AuditVerification(count, prev, null, null);
    }

    /// <summary>SHA-256 over every field, each length-prefixed so that no two different entries encode alike.</summary>
    internal static string ComputeHash(long seq, long atUnixMs, string actor, string action, string subject, string details, string prevHash)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> number = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(number, seq);
        hash.AppendData(number);
        BinaryPrimitives.WriteInt64LittleEndian(number, atUnixMs);
        hash.AppendData(number);
        foreach (var field in (ReadOnlySpan<string>)[actor, action, subject, details, prevHash])
        {
            var bytes = Encoding.UTF8.GetBytes(field);
            BinaryPrimitives.WriteInt64LittleEndian(number, bytes.Length);
            hash.AppendData(number);
            hash.AppendData(bytes);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private sealed record Row(long Seq, long At, string Actor, string Action, string Subject, string Details, string Prev_hash, string Hash)
    {
        public AuditEntry ToEntry() => new(Seq, DateTimeOffset.FromUnixTimeMilliseconds(At), Actor, Action, Subject, Details, Prev_hash, Hash);
    }
}
