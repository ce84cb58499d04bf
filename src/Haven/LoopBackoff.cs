using Haven.Enforcement;
using Microsoft.Extensions.Logging;

namespace Haven;

/// <summary>
/// The failure side of a background loop (signals processor, outbox dispatchers, index refresher): a loop survives
/// any exception, reports it (a log line with the loop's name and the exception's type only, never its message, which
/// may quote content; <c>haven_background_failures{loop}</c>) and waits before trying again, exponentially longer
/// while failures follow each other (<see cref="RetryPolicy.Backoff"/>: doubling from the base, capped, with jitter).
/// A success resets it.
/// </summary>
internal sealed partial class LoopBackoff(string loop, ILogger logger, TimeProvider time, TimeSpan baseDelay, TimeSpan maxDelay, Func<double>? jitter = null)
{
    private readonly Func<double> _jitter = jitter ?? Random.Shared.NextDouble;

    /// <summary>Failures since the last success.</summary>
    public int ConsecutiveFailures { get; private set; }

    /// <summary>Records a success: the next failure waits the base delay again.</summary>
    public void Succeeded() => ConsecutiveFailures = 0;

    /// <summary>Reports <paramref name="exception"/> and returns how long to wait before the next try.</summary>
    public TimeSpan Failed(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ConsecutiveFailures = ConsecutiveFailures == int.MaxValue ? int.MaxValue : ConsecutiveFailures + 1;
        var delay = RetryPolicy.Backoff(ConsecutiveFailures, baseDelay, maxDelay, _jitter());
        HavenMetrics.BackgroundFailures.Add(1, new KeyValuePair<string, object?>(HavenMetrics.Tags.Loop, loop));
        LoopFailed(logger, loop, exception.GetType().Name, ConsecutiveFailures, (long)delay.TotalMilliseconds);
        return delay;
    }

    /// <summary>Reports <paramref name="exception"/> and waits; false when cancelled while waiting (the loop should end).</summary>
    public async Task<bool> FailedAndWaitAsync(Exception exception, CancellationToken cancellationToken)
    {
        var delay = Failed(exception);
        try
        {
            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 1800, Level = LogLevel.Error, Message = "Background loop {Loop} failed ({ErrorType}), failure {Consecutive} in a row; next try in {DelayMs} ms")]
    private static partial void LoopFailed(ILogger logger, string loop, string errorType, int consecutive, long delayMs);
}
