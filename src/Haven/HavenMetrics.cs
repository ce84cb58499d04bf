using System.Diagnostics.Metrics;

namespace Haven;

/// <summary>
/// Haven's instruments (System.Diagnostics.Metrics, meter <c>Haven</c>): counts and reason codes only, never content.
/// The server exposes them at <c>/metrics</c>.
/// </summary>
internal static class HavenMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Haven";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Media items that could not be fully hashed or matched, tagged with <c>reason</c> (a stable code).</summary>
    public static readonly Counter<long> MediaErrors = Meter.CreateCounter<long>("haven_media_errors", "{item}", "Media items with an error, by reason code.");

    /// <summary>Events the signals stage has processed.</summary>
    public static readonly Counter<long> EventsProcessed = Meter.CreateCounter<long>("haven_events_processed", "{event}", "Events processed by the signals stage.");

    /// <summary>Ingested lines by outcome (<c>status</c>) and, for errors, <c>code</c>.</summary>
    public static readonly Counter<long> IngestLines = Meter.CreateCounter<long>("haven_ingest_lines", "{line}", "Ingested lines by status and error code.");

    /// <summary>Events the signals stage set aside as dead (docs/pipeline.md, "Failures"), tagged with <c>stage</c> (<c>parse</c> or <c>handle</c>).</summary>
    public static readonly Counter<long> DeadEvents = Meter.CreateCounter<long>("haven_dead_events", "{event}", "Events set aside as dead by the signals stage, by stage.");

    /// <summary>Failures of a background loop that it survived (it backs off and tries again), tagged with <c>loop</c>.</summary>
    public static readonly Counter<long> BackgroundFailures = Meter.CreateCounter<long>("haven_background_failures", "{failure}", "Failures of background loops (processor, outbox dispatchers, index refresher), by loop.");
}
