namespace Haven.Media;

/// <summary>
/// The process-wide bound on decode working memory: bytes in flight (each decode's cost estimated from its header by
/// <see cref="ImageDecoder.Estimate"/> before any pixel is decoded) and a cap on decodes running at once. One instance is
/// shared by every decoding path of a process (<c>POST /v1/media/match</c> and the signals stage), so memory stays bounded
/// under any mix of requests and events, not per image.
/// </summary>
/// <remarks>
/// Waiters are granted strictly in arrival order, so a large decode is never starved by a stream of small ones. A decode
/// that costs more than the whole budget is not refused (the pixel limit already bounds it): it waits until nothing else
/// holds the budget and then runs alone, while later arrivals queue behind it.
/// </remarks>
public sealed class DecodeBudget
{
    /// <summary>Default bytes of decode working memory in flight: 512 MiB.</summary>
    public const long DefaultMaxBytes = 512L * 1024 * 1024;

    private readonly object _gate = new();
    private readonly LinkedList<Waiter> _queue = new();
    private long _inUseBytes;
    private int _running;
    private long _peakBytes;
    private int _peakRunning;

    /// <param name="maxBytes">Bytes of decode working memory in flight; at least 1.</param>
    /// <param name="maxParallel">Decodes running at once; at least 1 (default: the processor count).</param>
    public DecodeBudget(long maxBytes = DefaultMaxBytes, int? maxParallel = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        var parallel = maxParallel ?? Environment.ProcessorCount;
        ArgumentOutOfRangeException.ThrowIfLessThan(parallel, 1);
        MaxBytes = maxBytes;
        MaxParallel = parallel;
    }

    /// <summary>A budget that never waits (the behaviour before the budget existed); for baselines and tests.</summary>
    public static DecodeBudget Unbounded() => new(long.MaxValue, int.MaxValue);

    /// <summary>Bytes of decode working memory allowed in flight.</summary>
    public long MaxBytes { get; }

    /// <summary>Decodes allowed to run at once.</summary>
    public int MaxParallel { get; }

    /// <summary>Bytes held right now.</summary>
    public long InUseBytes
    {
        get
        {
            lock (_gate)
            {
                return _inUseBytes;
            }
        }
    }

    /// <summary>Most bytes ever held at once (an oversize decode running alone counts in full).</summary>
    public long PeakBytes
    {
        get
        {
            lock (_gate)
            {
                return _peakBytes;
            }
        }
    }

    /// <summary>Most decodes ever running at once.</summary>
    public int PeakRunning
    {
        get
        {
            lock (_gate)
            {
                return _peakRunning;
            }
        }
    }

    /// <summary>Decodes waiting for budget right now.</summary>
    public int Waiting
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>
    /// Waits until <paramref name="bytes"/> fit (in arrival order) and returns the lease that holds them; dispose it when
    /// the decode's memory is released. Cancelling gives up the place in the queue and throws
    /// <see cref="OperationCanceledException"/>.
    /// </summary>
    public async ValueTask<Lease> AcquireAsync(long bytes, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        cancellationToken.ThrowIfCancellationRequested();
        Waiter waiter;
        lock (_gate)
        {
            if (_queue.Count == 0 && Fits(bytes))
            {
                Take(bytes);
                return new Lease(this, bytes);
            }

            waiter = new Waiter(bytes);
            waiter.Node = _queue.AddLast(waiter);
        }

        using (cancellationToken.Register(() => Abandon(waiter, cancellationToken)))
        {
            await waiter.Granted.Task.ConfigureAwait(false);
        }

        return new Lease(this, bytes);
    }

    private void Abandon(Waiter waiter, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (waiter.Node?.List is null)
            {
                // Already granted: the lease exists and is released by its owner.
                return;
            }

            _queue.Remove(waiter.Node);
            waiter.Node = null;
            // The head may have been what blocked the waiters behind it.
            GrantWaiting();
        }

        waiter.Granted.TrySetCanceled(cancellationToken);
    }

    private bool Fits(long bytes) =>
        _running == 0 || (_running < MaxParallel && bytes <= MaxBytes - _inUseBytes);

    private void Take(long bytes)
    {
        _inUseBytes += bytes;
        _running++;
        _peakBytes = Math.Max(_peakBytes, _inUseBytes);
        _peakRunning = Math.Max(_peakRunning, _running);
    }

    private void Release(long bytes)
    {
        lock (_gate)
        {
            _inUseBytes -= bytes;
            _running--;
            GrantWaiting();
        }
    }

    /// <summary>Grants queued waiters from the head while they fit. Called under the lock; completions run asynchronously.</summary>
    private void GrantWaiting()
    {
        while (_queue.First is { } head && Fits(head.Value.Bytes))
        {
            _queue.RemoveFirst();
            head.Value.Node = null;
            Take(head.Value.Bytes);
            head.Value.Granted.TrySetResult();
        }
    }

    private sealed class Waiter(long bytes)
    {
        public long Bytes { get; } = bytes;

        public LinkedListNode<Waiter>? Node { get; set; }

        public TaskCompletionSource Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Budget held by one decode; disposing returns it (once).</summary>
    public sealed class Lease : IDisposable
    {
        private DecodeBudget? _budget;

        internal Lease(DecodeBudget budget, long bytes)
        {
            _budget = budget;
            Bytes = bytes;
        }

        /// <summary>Bytes held.</summary>
        public long Bytes { get; }

        /// <inheritdoc />
        public void Dispose() => Interlocked.Exchange(ref _budget, null)?.Release(Bytes);
    }
}
