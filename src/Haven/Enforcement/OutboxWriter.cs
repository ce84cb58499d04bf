using System.Data.Common;
using Dapper;
using Haven.Storage;

namespace Haven.Enforcement;

/// <summary>
/// Writes actions to the outbox inside the caller's transaction, so an action exists exactly when the decision that
/// asks for it does: a rolled-back decision leaves no action, a committed one is delivered at least once.
/// </summary>
internal sealed class OutboxWriter(HavenStore store)
{
    /// <summary>
    /// Enqueues <paramref name="action"/>, due at once. Idempotent on <see cref="OutboxAction.ActionId"/>: returns false
    /// (and changes nothing, whatever the state of the existing row) when that id is already in the outbox.
    /// </summary>
    /// <exception cref="ArgumentException">The action is malformed (a bug in the caller).</exception>
    public async Task<bool> EnqueueAsync(DbConnection connection, DbTransaction transaction, OutboxAction action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(action);
        if (string.IsNullOrWhiteSpace(action.ActionId) || action.ActionId.Length > OutboxAction.MaxActionIdLength || action.ActionId.Any(char.IsControl))
        {
            throw new ArgumentException($"An action id is 1–{OutboxAction.MaxActionIdLength} printable characters.", nameof(action));
        }

        if (!OutboxAction.IsValidKind(action.Kind))
        {
            throw new ArgumentException($"'{action.Kind}' is not a valid action kind.", nameof(action));
        }

        if (!OutboxAction.IsKnownAdapter(action.Adapter))
        {
            throw new ArgumentException($"Unknown adapter '{action.Adapter}'.", nameof(action));
        }

        var now = store.NowUnixMilliseconds;
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO outbox (action_id, adapter, kind, payload, created_at, attempts, next_attempt_at, state) " +
            "VALUES (@actionId, @adapter, @kind, @payload, @now, 0, @now, 'pending') ON CONFLICT (action_id) DO NOTHING",
            new { actionId = action.ActionId, adapter = action.Adapter, kind = action.Kind, payload = action.PayloadJson(), now },
            transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return inserted == 1;
    }

    /// <summary>Enqueues in a transaction of its own (for callers with no decision transaction, such as tools).</summary>
    public async Task<bool> EnqueueAsync(OutboxAction action, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await store.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var inserted = await EnqueueAsync(connection, transaction, action, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return inserted;
    }
}
