namespace Haven.Server.Telemetry;

/// <summary>What the server exports about itself (docs/operations.md): off unless asked for.</summary>
internal sealed class TelemetryOptions
{
    /// <summary>Serve <c>/metrics</c> in the Prometheus text format (API key with scope <c>read</c>).</summary>
    public bool Prometheus { get; set; }

    /// <summary>An OpenTelemetry collector to push metrics and traces to; null exports nothing over OTLP.</summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary><c>http/protobuf</c> (the default; the endpoint is the collector's base, e.g. http://collector:4318) or <c>grpc</c> (e.g. http://collector:4317).</summary>
    public string OtlpProtocol { get; set; } = "http/protobuf";

    /// <summary>How often metrics are pushed over OTLP, and how often the pipeline gauges (lag, outbox) are sampled from the store.</summary>
    public TimeSpan ExportInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Whether anything is exported (and the sampler runs).</summary>
    public bool Enabled => Prometheus || OtlpEndpoint is not null;

    /// <summary>Why these options cannot work, or null.</summary>
    public string? Validate() =>
        OtlpEndpoint is { } endpoint && (!endpoint.IsAbsoluteUri || endpoint.Scheme is not ("http" or "https")) ? "Telemetry: the OTLP endpoint must be an http(s) URL."
        : OtlpProtocol is not ("http/protobuf" or "grpc") ? $"Telemetry: OTLP protocol '{OtlpProtocol}' is not http/protobuf or grpc."
        : ExportInterval < TimeSpan.FromMilliseconds(100) || ExportInterval > TimeSpan.FromHours(1) ? "Telemetry: the export interval must be between 100 ms and 1 hour."
        : null;
}
