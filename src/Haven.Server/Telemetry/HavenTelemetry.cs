using System.Diagnostics;
using Haven.Server.Security;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Haven.Server.Telemetry;

/// <summary>
/// The telemetry module: OpenTelemetry metrics (Haven's meter, ASP.NET Core's HTTP server and Kestrel meters, and the
/// pipeline gauges sampled from the store) to a Prometheus scrape endpoint and/or OTLP, and traces (Haven's spans and
/// ASP.NET Core's request spans, stripped to an allow-list of tags) to OTLP. Nothing is registered when both are off.
/// </summary>
internal static class HavenTelemetry
{
    /// <summary>Span tags kept on spans from other libraries; every other tag (paths, queries, addresses, user agents) is removed.</summary>
    internal static readonly IReadOnlySet<string> AllowedForeignTags = new HashSet<string>(StringComparer.Ordinal)
    {
        "http.request.method", "http.route", "http.response.status_code", "url.scheme", "network.protocol.version", "error.type",
    };

    /// <summary>Registers the exporters and the sampler, as <paramref name="options"/> ask.</summary>
    public static IServiceCollection AddHavenTelemetry(this IServiceCollection services, TelemetryOptions options)
    {
        if (!options.Enabled)
        {
            return services;
        }

        services.AddSingleton<PipelineSampler>();
        services.AddHostedService(sp => sp.GetRequiredService<PipelineSampler>());
        var telemetry = services.AddOpenTelemetry().ConfigureResource(resource => resource.AddService("haven", serviceInstanceId: Environment.MachineName));
        telemetry.WithMetrics(metrics =>
        {
            metrics.AddMeter(HavenMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel");
            if (options.Prometheus)
            {
                metrics.AddPrometheusExporter();
            }

            if (options.OtlpEndpoint is { } endpoint)
            {
                metrics.AddOtlpExporter((exporter, reader) =>
                {
                    Configure(exporter, endpoint, options.OtlpProtocol, "v1/metrics");
                    reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)options.ExportInterval.TotalMilliseconds;
                });
            }
        });
        if (options.OtlpEndpoint is { } traces)
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource(HavenMetrics.ActivitySourceName)
                .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.RecordException = false)
                .AddProcessor(new ForeignTagFilter())
                .AddOtlpExporter(exporter => Configure(exporter, traces, options.OtlpProtocol, "v1/traces")));
        }

        return services;
    }

    /// <summary>Maps <c>/metrics</c> (Prometheus text format, scope <c>read</c>) when the Prometheus exporter is on.</summary>
    public static void MapHavenMetrics(this IEndpointRouteBuilder app, TelemetryOptions options)
    {
        if (options.Prometheus)
        {
            app.MapPrometheusScrapingEndpoint("/metrics")
                .WithSummary("Metrics in the Prometheus text format: ingest, processing lag, batches, decisions by rule, outbox by adapter, match index, HTTP durations. Counts and codes only.")
                .RequireScope(Haven.Security.ApiScopes.Read);
        }
    }

    private static void Configure(OtlpExporterOptions exporter, Uri endpoint, string protocol, string signalPath)
    {
        if (protocol == "grpc")
        {
            exporter.Protocol = OtlpExportProtocol.Grpc;
            exporter.Endpoint = endpoint;
        }
        else
        {
            // Set in code, the HTTP endpoint is used as given: the signal's path is added here, as the SDK does for the environment variable.
            exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
            var root = endpoint.AbsoluteUri.EndsWith('/') ? endpoint : new Uri(endpoint.AbsoluteUri + "/");
            exporter.Endpoint = new Uri(root, signalPath);
        }
    }

    /// <summary>Removes every tag not in <see cref="AllowedForeignTags"/> from spans that Haven did not start (ASP.NET Core's carry the path and query).</summary>
    private sealed class ForeignTagFilter : BaseProcessor<Activity>
    {
        public override void OnEnd(Activity data)
        {
            if (data.Source.Name == HavenMetrics.ActivitySourceName)
            {
                return;
            }

            foreach (var tag in data.TagObjects.ToList())
            {
                if (!AllowedForeignTags.Contains(tag.Key))
                {
                    data.SetTag(tag.Key, null);
                }
            }

            // A span named after a raw path would carry it too: name foreign spans by method and route template only.
            data.DisplayName = data.GetTagItem("http.route") is string route
                ? $"{data.GetTagItem("http.request.method")} {route}"
                : data.GetTagItem("http.request.method") as string ?? data.OperationName;
        }
    }
}
