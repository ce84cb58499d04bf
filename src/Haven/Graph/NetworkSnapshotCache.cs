using Dapper;
using Haven.Storage;

namespace Haven.Graph;

/// <summary>
/// Holds the discovery snapshot for a long-running host: loaded on first use, then refreshed incrementally (new rows
/// merged into the graph) when the signals stage has processed more events and the snapshot is older than
/// <see cref="MaxAge"/>, with a full load every <see cref="FullRebuildInterval"/>. Readers use the snapshot they got;
/// a refresh swaps a new one in.
/// </summary>
internal sealed class NetworkSnapshotCache(HavenStore store, TimeSpan? maxAge = null) : IDisposable
{
    private readonly SemaphoreSlim _building = new(1, 1);
    // A reference, swapped whole: readers outside the lock never see a torn (snapshot, checkpoint, time).
    private volatile Entry? _current;

    private DateTimeOffset _lastFull;

    /// <summary>How often the snapshot is loaded in full rather than refreshed.</summary>
    public TimeSpan FullRebuildInterval { get; init; } = TimeSpan.FromMinutes(10);

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

            var due = store.Time.GetUtcNow() - _lastFull >= FullRebuildInterval;
            if (_current is { } current && !due && (current.Checkpoint == checkpoint || store.Time.GetUtcNow() - current.BuiltAt < MaxAge))
            {
                return (current.Snapshot, current.BuiltAt);
            }

            // Merge what is new into the last snapshot; a full load now and then also picks up what a merge cannot
            // (follow removals, PDQ near-duplicates, hashtags watched after the fact).
            var now = store.Time.GetUtcNow();
            var full = _current is null || now - _lastFull >= FullRebuildInterval;
            var snapshot = full
                ? await NetworkSnapshot.LoadAsync(store, cancellationToken: cancellationToken).ConfigureAwait(false)
                : await _current!.Snapshot.RefreshAsync(store, cancellationToken).ConfigureAwait(false);
            if (full)
            {
                _lastFull = now;
            }

            _current = new Entry(snapshot, checkpoint, now);
            return (snapshot, now);
        }
        finally
        {
            _building.Release();
        }
    }

    public void Dispose() => _building.Dispose();

    private sealed record Entry(NetworkSnapshot Snapshot, long Checkpoint, DateTimeOffset BuiltAt);
}
