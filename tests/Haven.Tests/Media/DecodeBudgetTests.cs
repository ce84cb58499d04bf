using Haven.Media;

namespace Haven.Tests.Media;

public sealed class DecodeBudgetTests
{
    [Fact]
    public async Task ConcurrentUseNeverExceedsTheBytesOrTheParallelism()
    {
        const long max = 1_000;
        var budget = new DecodeBudget(max, maxParallel: 3);
        var random = new Random(20261203);
        var sizes = Enumerable.Range(0, 400).Select(_ => (long)random.Next(1, (int)max + 1)).ToArray();
        long inUse = 0, observed = 0;
        long running = 0, observedRunning = 0;

        await Task.WhenAll(sizes.Select(size => Task.Run(async () =>
        {
            using var lease = await budget.AcquireAsync(size);
            var now = Interlocked.Add(ref inUse, size);
            var parallel = Interlocked.Increment(ref running);
            InterlockedMax(ref observed, now);
            InterlockedMax(ref observedRunning, parallel);
            await Task.Yield();
            Interlocked.Decrement(ref running);
            Interlocked.Add(ref inUse, -size);
        })));

        Assert.InRange(observed, 1, max);
        Assert.InRange(observedRunning, 1, 3);
        Assert.InRange(budget.PeakBytes, 1, max);
        Assert.Equal(0, budget.InUseBytes);
        Assert.Equal(0, budget.Waiting);
    }

    [Fact]
    public async Task WaitersAreGrantedInArrivalOrderWhenBudgetIsReleased()
    {
        var budget = new DecodeBudget(100, maxParallel: 8);
        var first = await budget.AcquireAsync(60);
        var big = budget.AcquireAsync(70).AsTask();
        var small = budget.AcquireAsync(10).AsTask();

        // 10 would fit, but it arrived after 70: it queues behind it, so large decodes are never starved.
        Assert.False(big.IsCompleted);
        Assert.False(small.IsCompleted);
        first.Dispose();
        using var bigLease = await big;
        using var smallLease = await small;
        Assert.Equal(80, budget.InUseBytes);
    }

    [Fact]
    public async Task CancellingAWaitGivesUpItsPlaceAndUnblocksThoseBehind()
    {
        var budget = new DecodeBudget(100, maxParallel: 8);
        using var held = await budget.AcquireAsync(50);
        using var cancel = new CancellationTokenSource();
        var blocked = budget.AcquireAsync(80, cancel.Token).AsTask();
        var behind = budget.AcquireAsync(40).AsTask();
        Assert.False(behind.IsCompleted);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocked);
        using var lease = await behind;
        Assert.Equal(90, budget.InUseBytes);
        Assert.Equal(0, budget.Waiting);
    }

    [Fact]
    public async Task AlreadyCancelledTokenThrowsWithoutTakingBudget()
    {
        var budget = new DecodeBudget(100);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await budget.AcquireAsync(1, new CancellationToken(canceled: true)));
        Assert.Equal(0, budget.InUseBytes);
    }

    [Fact]
    public async Task AnOversizeDecodeRunsAloneOnceEverythingElseHasDrained()
    {
        var budget = new DecodeBudget(100, maxParallel: 8);
        var small = await budget.AcquireAsync(30);
        var oversize = budget.AcquireAsync(500).AsTask();
        var later = budget.AcquireAsync(10).AsTask();
        Assert.False(oversize.IsCompleted);

        small.Dispose();
        var lease = await oversize;
        Assert.Equal(500, budget.InUseBytes);
        Assert.False(later.IsCompleted);

        lease.Dispose();
        using var laterLease = await later;
        Assert.Equal(10, budget.InUseBytes);
        Assert.Equal(500, budget.PeakBytes);
    }

    [Fact]
    public async Task LeasesReleaseOnce()
    {
        var budget = new DecodeBudget(100);
        var lease = await budget.AcquireAsync(40);
        lease.Dispose();
        lease.Dispose();
        Assert.Equal(0, budget.InUseBytes);
    }

    private static void InterlockedMax(ref long target, long value)
    {
        for (var current = Volatile.Read(ref target); value > current; current = Volatile.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, current) == current)
            {
                return;
            }
        }
    }
}
