using Haven.Signals;

namespace Haven.Server;

/// <summary>
/// Runs the signals stage beside the API: processes batches while the log has new events, then waits for the idle
/// interval or a nudge from the events endpoint. A failed batch is rolled back as a whole and retried after a pause.
/// </summary>
internal sealed partial class ProcessorService(SignalProcessor processor, HavenServerOptions options, ILogger<ProcessorService> logger) : BackgroundService
{
    private readonly SemaphoreSlim _nudge = new(0, 1);

    /// <summary>Wakes the processor now (new events were accepted).</summary>
    public void Nudge()
    {
        if (_nudge.CurrentCount == 0)
        {
            try
            {
                _nudge.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already nudged.
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var (events, _, _) = await processor.ProcessBatchAsync(stoppingToken).ConfigureAwait(false);
                if (events > 0)
                {
                    continue;
                }

                await _nudge.WaitAsync(options.ProcessIdleInterval, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogBatchFailed(logger, e.GetType().Name);
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken).ConfigureAwait(false);
            }
        }
    }

    public override void Dispose()
    {
        _nudge.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Error, Message = "Signal processing batch failed ({ErrorType}); nothing of it was kept, retrying")]
    private static partial void LogBatchFailed(ILogger logger, string errorType);
}
