using System.Data.Common;
using Dapper;
using Haven.Audit;
using Haven.Storage;

namespace Haven.Banks;

/// <summary>The local banks that people fill in review (the cases stage puts confirmed media here).</summary>
internal sealed partial class BankService
{
    /// <summary>The local bank of media that reviewers confirmed, so a re-upload of the same media matches at once.</summary>
    public const string ConfirmedBank = "confirmed";

    /// <summary>
    /// Adds <paramref name="entries"/> to the local bank <paramref name="bankName"/> in the caller's transaction, creating
    /// the bank (enabled) on first use, with the same semantics as <see cref="CreateAsync"/> and an import: entries
    /// already present are kept as they are, and the banks version is bumped when anything was added, so every match
    /// index rebuilds. Returns the number of entries added.
    /// </summary>
    public static async Task<long> AddReviewedAsync(
        HavenStore store, DbConnection connection, DbTransaction transaction, string bankName, IReadOnlyList<NewBankEntry> entries, CancellationToken cancellationToken)
    {
        if (BankName.Validate(bankName) is { } reason)
        {
            throw new ArgumentException(reason, nameof(bankName));
        }

        if (entries.Count == 0)
        {
            return 0;
        }

        var now = store.NowUnixMilliseconds;
        var created = await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO banks (name, description, enabled, created_at) VALUES (@bankName, @description, @yes, @now) ON CONFLICT (name) DO NOTHING",
            new { bankName, description = "Media confirmed by reviewers", yes = true, now }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var bankId = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT id FROM banks WHERE name = @bankName", new { bankName }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (created == 1)
        {
            await AuditLog.AppendAsync(store, connection, transaction, "bank.created", $"bank:{bankName}", new { id = bankId, enabled = true }, cancellationToken).ConfigureAwait(false);
        }

        long added = 0;
        foreach (var entry in entries)
        {
            added += await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO bank_entries (bank_id, signal_type, value, quality, category, source, external_id, added_at) " +
                "VALUES (@bankId, @type, @Value, @quality, @Category, @Source, @ExternalId, @now) ON CONFLICT (bank_id, value, signal_type) DO NOTHING",
                new { bankId, type = entry.SignalType.Name(), entry.Value, quality = (short?)entry.Quality, entry.Category, entry.Source, entry.ExternalId, now },
                transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        if (added > 0 || created == 1)
        {
            await HavenStore.BumpCounterAsync(connection, transaction, BanksVersionCounter, cancellationToken).ConfigureAwait(false);
        }

        if (added > 0)
        {
            await AuditLog.AppendAsync(store, connection, transaction, "bank.entries_added", $"bank:{bankName}", new { id = bankId, added, alreadyPresent = entries.Count - added }, cancellationToken).ConfigureAwait(false);
        }

        return added;
    }
}
