using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Haven;

/// <summary>
/// Haven's instruments (System.Diagnostics.Metrics, meter <c>Haven</c>) and activity source (traces, <c>Haven</c>): counts,
/// durations, rule names and reason codes only, never content, text, account data or hashes of media. Names follow the
/// OpenTelemetry semantic conventions (dotted, lower case, units in UCUM). The server exports them (docs/operations.md).
/// </summary>
internal static class HavenMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Haven";

    /// <summary>The activity source's name (spans around batches, index rebuilds and match requests).</summary>
    public const string ActivitySourceName = "Haven";

    private static readonly Meter Meter = new(MeterName);

    // Durations in seconds, from a fast batch to a slow index rebuild (the SDK's default boundaries are for milliseconds).
    private static readonly InstrumentAdvice<double> Seconds = new() { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300] };

    // Events per batch, up to the largest batch size.
    private static readonly InstrumentAdvice<long> Events = new() { HistogramBucketBoundaries = [1, 10, 100, 1_000, 5_000, 10_000, 50_000, 100_000] };

    /// <summary>
    /// Attribute names: OpenTelemetry's <c>error.type</c> for reason codes, and Haven's own under <c>haven.</c>
    /// (application attributes are namespaced, as the semantic conventions ask).
    /// </summary>
    public static class Tags
    {
        /// <summary>A stable error or reason code (semantic conventions: <c>error.type</c>).</summary>
        public const string ErrorType = "error.type";

        /// <summary>An ingested line's outcome: accepted, duplicate, conflict, rejected.</summary>
        public const string IngestStatus = "haven.ingest.status";

        /// <summary>Where an event died: parse or handle.</summary>
        public const string DeadStage = "haven.dead.stage";

        /// <summary>A background loop's name.</summary>
        public const string Loop = "haven.loop";

        /// <summary>A policy rule's id.</summary>
        public const string Rule = "haven.policy.rule";

        /// <summary>A decision's mode: enforce or shadow.</summary>
        public const string Mode = "haven.policy.mode";

        /// <summary>An enforcement adapter's name.</summary>
        public const string Adapter = "haven.outbox.adapter";

        /// <summary>An outbox row's state: pending or dead.</summary>
        public const string OutboxState = "haven.outbox.state";

        /// <summary>How an attempt or a batch ended.</summary>
        public const string Outcome = "haven.outcome";

        /// <summary>A kind of match-index entry: pdq or exact.</summary>
        public const string IndexKind = "haven.match.kind";
    }

    /// <summary>Spans; tags carry counts and codes only.</summary>
    public static readonly ActivitySource Activities = new(ActivitySourceName);

    /// <summary>Media items that could not be fully hashed or matched, tagged with <c>error.type</c> (a stable reason code).</summary>
    public static readonly Counter<long> MediaErrors = Meter.CreateCounter<long>("haven.media.errors", "{item}", "Media items with an error, by reason code.");

    /// <summary>Events the signals stage has processed.</summary>
    public static readonly Counter<long> EventsProcessed = Meter.CreateCounter<long>("haven.events.processed", "{event}", "Events processed by the signals stage.");

    /// <summary>Events newly stored by ingest (not duplicates, not refused lines).</summary>
    public static readonly Counter<long> EventsIngested = Meter.CreateCounter<long>("haven.events.ingested", "{event}", "Events newly stored by ingest.");

    /// <summary>Ingested lines by <c>haven.ingest.status</c> and, for errors, <c>error.type</c> (the line's code).</summary>
    public static readonly Counter<long> IngestLines = Meter.CreateCounter<long>("haven.ingest.lines", "{line}", "Ingested lines by status and error code.");

    /// <summary>Events the signals stage set aside as dead (docs/pipeline.md, "Failures"), tagged with <c>haven.dead.stage</c> (<c>parse</c> or <c>handle</c>).</summary>
    public static readonly Counter<long> DeadEvents = Meter.CreateCounter<long>("haven.events.dead", "{event}", "Events set aside as dead by the signals stage, by stage.");

    /// <summary>Failures of a background loop that it survived (it backs off and tries again), tagged with <c>haven.loop</c>.</summary>
    public static readonly Counter<long> BackgroundFailures = Meter.CreateCounter<long>("haven.background.failures", "{failure}", "Failures of background loops (processor, outbox dispatchers, index refresher), by loop.");

    /// <summary>Decisions recorded, tagged with <c>haven.policy.rule</c> and <c>haven.policy.mode</c> (enforce or shadow).</summary>
    public static readonly Counter<long> Decisions = Meter.CreateCounter<long>("haven.policy.decisions", "{decision}", "Policy decisions recorded, by rule and mode.");

    /// <summary>Delivery attempts recorded by the outbox dispatchers, tagged with <c>haven.outbox.adapter</c> and <c>haven.outcome</c> (delivered, retrying, dead).</summary>
    public static readonly Counter<long> OutboxAttempts = Meter.CreateCounter<long>("haven.outbox.attempts", "{attempt}", "Outbox delivery attempts, by adapter and outcome.");

    /// <summary>Time of one signals-stage batch, tagged with <c>haven.outcome</c> (<c>ok</c> or <c>failed</c>).</summary>
    public static readonly Histogram<double> BatchDuration = Meter.CreateHistogram("haven.processor.batch.duration", "s", "Duration of a signals-stage batch.", advice: Seconds);

    /// <summary>Events in one signals-stage batch.</summary>
    public static readonly Histogram<long> BatchSize = Meter.CreateHistogram("haven.processor.batch.size", "{event}", "Events in a signals-stage batch.", advice: Events);

    /// <summary>Time to build the match index from the banks.</summary>
    public static readonly Histogram<double> IndexRebuildDuration = Meter.CreateHistogram("haven.match.index.rebuild.duration", "s", "Duration of a match index rebuild from the banks.", advice: Seconds);
}
