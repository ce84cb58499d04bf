using Haven.Media;

namespace Haven.Server;

/// <summary>
/// Admission of synchronous media work (<c>POST /v1/media/match</c>): request bodies buffered at once are capped (each is
/// at most the media byte limit), and decodes take the process-wide <see cref="DecodeBudget"/> shared with the signals
/// stage. Either wait is bounded by <see cref="HavenServerOptions.DecodeWait"/>; past it the caller answers 503 busy.
/// Memory on this path is therefore at most <see cref="MaxBufferedBodies"/> × the byte limit plus the decode budget.
/// </summary>
internal sealed class MediaAdmission(DecodeBudget budget, HavenServerOptions options)
{
    private readonly SemaphoreSlim _bodies = new(MaxBufferedBodiesFor(options), MaxBufferedBodiesFor(options));

    /// <summary>Request bodies buffered at once: twice the decodes allowed, so the next bodies stream in while others decode.</summary>
    public int MaxBufferedBodies => MaxBufferedBodiesFor(options);

    /// <summary>The shared decode budget.</summary>
    public DecodeBudget Budget => budget;

    /// <summary>Seconds a client is told to wait before retrying a busy answer.</summary>
    public int RetryAfterSeconds => Math.Max(1, (int)Math.Ceiling(options.DecodeWait.TotalSeconds));

    /// <summary>A slot to buffer one body in, or null when none frees up within the wait.</summary>
    public async Task<IDisposable?> EnterBodyAsync(CancellationToken cancellationToken) =>
        await _bodies.WaitAsync(options.DecodeWait, cancellationToken).ConfigureAwait(false) ? new Slot(_bodies) : null;

    /// <summary>Decode budget for <paramref name="bytes"/>, or null when it is not granted within the wait.</summary>
    public async Task<DecodeBudget.Lease?> AcquireDecodeAsync(long bytes, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.DecodeWait);
        try
        {
            return await budget.AcquireAsync(bytes, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private static int MaxBufferedBodiesFor(HavenServerOptions options) => (int)Math.Min(1024, 2L * options.MaxParallelDecodes);

    private sealed class Slot(SemaphoreSlim semaphore) : IDisposable
    {
        private SemaphoreSlim? _semaphore = semaphore;

        public void Dispose() => Interlocked.Exchange(ref _semaphore, null)?.Release();
    }
}
