using System.Diagnostics.Metrics;
using Dapper;
using Haven.Events;
using Haven.Matching;
using Haven.Storage;

namespace Haven.Server.Telemetry;

/// <summary>
/// Reads the pipeline's state from the store once per export interval (never on the scrape path, which must not wait on
/// the database) and publishes it as gauges: processor lag in events and seconds, outbox actions waiting or dead by
/// adapter, and the match index's entries. The gauges live on this sampler's own meter, disposed with it.
/// </summary>
internal sealed class PipelineSampler : BackgroundService
{
    private readonly HavenStore _store;
    private readonly MatchIndexHolder _index;
    private readonly TelemetryOptions _options;
    private readonly LoopBackoff _backoff;
    private readonly Meter _meter = new(HavenMetrics.MeterName);
    private volatile Sample _last = Sample.None;

    public PipelineSampler(HavenStore store, MatchIndexHolder index, HavenServerOptions options, TimeProvider time, ILogger<PipelineSampler> logger)
    {
        _store = store;
        _index = index;
        _options = options.Telemetry;
        _backoff = new LoopBackoff("telemetry_sampler", logger, time, _options.ExportInterval, TimeSpan.FromMinutes(5));
        _meter.CreateObservableGauge<long>("haven.processor.lag.events", () => _last.Ready ? [new Measurement<long>(_last.Lag.Waiting)] : Array.Empty<Measurement<long>>(), "{event}", "Events stored and not yet processed by the signals stage.");
        _meter.CreateObservableGauge<double>("haven.processor.lag.duration", () => _last.Ready ? [new Measurement<double>(_last.LagSeconds)] : Array.Empty<Measurement<double>>(), "s", "How long the oldest unprocessed event has waited.");
        _meter.CreateObservableGauge<long>("haven.outbox.actions", () => _last.Outbox.Select(o => new Measurement<long>(o.Count, new(HavenMetrics.Tags.Adapter, o.Adapter), new(HavenMetrics.Tags.OutboxState, o.State))), "{action}", "Outbox actions waiting or dead, by adapter and state.");
        _meter.CreateObservableGauge<long>("haven.match.index.entries", () =>
        {
            var current = _index.Current;
            return (IEnumerable<Measurement<long>>)[new Measurement<long>(current.PdqCount, new KeyValuePair<string, object?>(HavenMetrics.Tags.IndexKind, "pdq")), new Measurement<long>(current.ExactCount, new KeyValuePair<string, object?>(HavenMetrics.Tags.IndexKind, "exact"))];
        }, "{entry}", "Entries in the match index in memory, by kind.");
    }

    /// <summary>Takes one sample now.</summary>
    public async Task SampleAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var lag = await EventRecords.ReadLagAsync(connection, EventRecords.SignalsCheckpoint, cancellationToken).ConfigureAwait(false);
        // Delivered rows are history and grow without bound; the (state, next_attempt_at) index serves the other two.
        var outbox = await connection.QueryAsync<(string Adapter, string State, long Count)>(new CommandDefinition(
            "SELECT adapter, state, COUNT(*) FROM outbox WHERE state IN ('pending', 'dead') GROUP BY adapter, state", cancellationToken: cancellationToken)).ConfigureAwait(false);
        _last = new Sample(true, lag, lag.OldestWait(_store.NowUnixMilliseconds).TotalSeconds, [.. outbox]);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SampleAsync(stoppingToken).ConfigureAwait(false);
                _backoff.Succeeded();
                await Task.Delay(_options.ExportInterval, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                if (!await _backoff.FailedAndWaitAsync(e, stoppingToken).ConfigureAwait(false))
                {
                    return;
                }
            }
        }
    }

    public override void Dispose()
    {
        _meter.Dispose();
        base.Dispose();
    }

    private sealed record Sample(bool Ready, LogLag Lag, double LagSeconds, IReadOnlyList<(string Adapter, string State, long Count)> Outbox)
    {
        public static Sample None { get; } = new(false, default, 0, []);
    }
}
