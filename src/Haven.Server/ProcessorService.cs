
namespace Haven.Server;

/// <summary>
/// Runs the signals stage beside the API: processes batches while the log has new events, then waits for the idle
/// interval or a nudge from the events endpoint. A batch whose events fail alone sets them aside (docs/pipeline.md,
/// "Failures"); any other failure is rolled back, reported and retried with exponential backoff (1 s doubling to 2 min),
/// and never ends the loop.
/// </summary>
internal sealed class ProcessorService(Haven.Pipeline.SignalsPipeline pipeline, HavenServerOptions options, TimeProvider time, ILogger<ProcessorService> logger) : BackgroundService
{
    private readonly SemaphoreSlim _nudge = new(0, 1);
    private readonly LoopBackoff _backoff = new("processor", logger, time, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2));

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
            var started = time.GetTimestamp();
            try
            {
                int events;
                using (var span = HavenMetrics.Activities.StartActivity("signals batch"))
                {
                    try
                    {
                        (events, _, _) = await pipeline.Processor.ProcessBatchAsync(stoppingToken).ConfigureAwait(false);
                    }
                    catch (Exception e) when (span is not null && e is not OperationCanceledException)
                    {
                        span.SetStatus(System.Diagnostics.ActivityStatusCode.Error, e.GetType().Name);
                        throw;
                    }

                    span?.SetTag("haven.batch.events", events);
                    if (span is not null && events == 0)
                    {
                        // An idle poll is not worth a span: not recorded, so not exported.
                        span.ActivityTraceFlags &= ~System.Diagnostics.ActivityTraceFlags.Recorded;
                    }
                }

                if (events > 0)
                {
                    HavenMetrics.BatchDuration.Record(time.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>(HavenMetrics.Tags.Outcome, "ok"));
                    HavenMetrics.BatchSize.Record(events);
                }

                _backoff.Succeeded();
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
                HavenMetrics.BatchDuration.Record(time.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>(HavenMetrics.Tags.Outcome, "failed"));
                if (!await _backoff.FailedAndWaitAsync(e, stoppingToken).ConfigureAwait(false))
                {
                    return;
                }
            }
        }
    }

    public override void Dispose()
    {
        _nudge.Dispose();
        base.Dispose();
    }
}
