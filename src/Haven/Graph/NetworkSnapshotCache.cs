using Dapper;
using Haven.Storage;

namespace Haven.Graph;

/// <summary>
/// Holds the discovery snapshot for a long-running host: built on first use, rebuilt off the request path's lock when
/// the signals stage has processed more events and the snapshot is older than <see cref="MaxAge"/>. Readers use the
/// snapshot they got; a rebuild swaps a new one in.
/// </summary>
internal sealed class NetworkSnapshotCache(HavenStore store, TimeSpan? maxAge = null) : IDisposable
{
    private readonly SemaphoreSlim _building = new(1, 1);
    private (NetworkSnapshot Snapshot, long Checkpoint, DateTimeOffset BuiltAt)? _current;

    /// <summary>How stale a snapshot may get while events keep arriving.</summary>
    public TimeSpan MaxAge { get; } = maxAge ?? TimeSpan.FromSeconds(5);

    /// <summary>The current snapshot, (re)built first when there is none or it is stale.</summary>
    public async Task<(NetworkSnapshot Snapshot, DateTimeOffset BuiltAt)> GetAsync(CancellationToken cancellationToken)
    {
        if (_current is { } fresh && store.Time.GetUtcNow() - fresh.BuiltAt < MaxAge)
        {
            return (fresh.Snapshot, fresh.BuiltAt);
        }

        await _building.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            long checkpoint;
            await using (var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
            {
                checkpoint = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
                    "SELECT MAX(last_seq) FROM processor_checkpoints", cancellationToken: cancellationToken)).ConfigureAwait(false) ?? 0;
            }

            if (_current is { } current && (current.Checkpoint == checkpoint || store.Time.GetUtcNow() - current.BuiltAt < MaxAge))
            {
                return (current.Snapshot, current.BuiltAt);
            }

            var snapshot = await NetworkSnapshot.LoadAsync(store, cancellationToken: cancellationToken).ConfigureAwait(false);
            _current = (snapshot, checkpoint, store.Time.GetUtcNow());
            return (snapshot, _current.Value.BuiltAt);
        }
        finally
        {
            _building.Release();
        }
    }

    public void Dispose() => _building.Dispose();
}
