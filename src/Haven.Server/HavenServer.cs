using System.Text.Json;
using System.Text.Json.Serialization;
using Haven.Banks;
using Haven.Events;
using Haven.Matching;
using Haven.Media;
using Haven.Security;
using Haven.Server.Endpoints;
using Haven.Server.Security;
using Haven.Storage;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Haven.Server;

/// <summary>Composes the HTTP host: modules register services, then map their endpoints under /v1.</summary>
internal static class HavenServer
{
    /// <summary>Largest request body of any endpoint (bank imports); media has its own, smaller limit.</summary>
    public const long MaxRequestBytes = 1L << 30;

    /// <summary>Builds the application over an opened store. The caller starts it (RunAsync / StartAsync).</summary>
    public static WebApplication Build(HavenServerOptions options, HavenStore store, Action<ILoggingBuilder>? logging = null)
    {
        if (options.Validate() is { } invalid)
        {
            throw new ArgumentException("Invalid server options: " + invalid, nameof(options));
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "Haven.Server" });
        builder.WebHost.UseUrls(options.Urls);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = MaxRequestBytes);
        if (logging is not null)
        {
            logging(builder.Logging);
        }

        // After the caller's configuration, so no log level can bring them back: the hosting diagnostics log every
        // request's full URL with its query string (which may carry keys or personal data), the exception handler logs
        // exception messages (which may quote input), Kestrel's bad-request lines quote the request line, and routing's
        // debug lines quote the path.
        // RequestLogMiddleware logs the route template instead, and unhandled exceptions are logged by type.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Diagnostics.ExceptionHandlerMiddleware", LogLevel.None);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Server.Kestrel.BadRequests", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Http.Result", LogLevel.Information);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Routing", LogLevel.Information);

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(store);
        services.AddSingleton(store.Time);
        services.AddSingleton(new BankService(store));
        services.AddSingleton(new ApiKeyService(store));
        services.AddSingleton(new EventLog(store, options.EventLimits with { MaxMediaBytes = options.MediaLimits.MaxBytes }));
        services.AddSingleton<MatchIndexHolder>();
        services.AddSingleton(new MediaHasher(new ImageDecoder(options.MediaLimits, options.ScaledJpegDecode) { WholeFramePng = options.WholeFramePng }));
        services.AddSingleton(new DecodeBudget(options.DecodeBudgetBytes, options.MaxParallelDecodes));
        services.AddSingleton<MediaAdmission>();
        services.AddSingleton<IndexRefresher>();
        services.AddHostedService(sp => sp.GetRequiredService<IndexRefresher>());
        // The outbox is dispatched off the request path; several workers may run it: rows are claimed with leases.
        var enforcement = new Haven.Enforcement.EnforcementTargets(options.Webhook, options.Mastodon);
        foreach (var (run, owned) in enforcement.CreateDispatchers(store))
        {
            services.AddHostedService(_ => new OutboxDispatcherService(run, owned));
        }

        if (options.ProcessEvents)
        {
            services.AddSingleton(sp => new Haven.Signals.SignalProcessor(store, new Haven.Signals.ProcessorOptions
            {
                Policy = options.Policy ?? Haven.Policy.PolicyLoader.LoadBuiltIn(),
                Hasher = sp.GetRequiredService<MediaHasher>(),
                DecodeBudget = sp.GetRequiredService<DecodeBudget>(),
                Index = sp.GetRequiredService<MatchIndexHolder>(),
                Fetcher = options.MediaFetch is { } fetch ? new MediaFetcher(fetch) : null,
                Adapters = enforcement.Adapters,
            }, sp.GetRequiredService<ILogger<Haven.Signals.SignalProcessor>>()));
            services.AddSingleton<ProcessorService>();
            services.AddHostedService(sp => sp.GetRequiredService<ProcessorService>());
        }

        services.AddSingleton(new Haven.Graph.NetworkSnapshotCache(store));
        services.AddSingleton<MetricsCollector>();
        services.AddHavenHealthChecks();
        services.AddHavenAuthorization();
        services.AddApiKeyRateLimits(options);
        services.AddProblemDetails(problems => problems.CustomizeProblemDetails = ProblemCodes.Customize);
        services.AddExceptionHandler<ExceptionLogger>();
        // Body binding failures throw, so that the exception handler can say what was wrong (with a code) instead of
        // answering a bare 400.
        services.Configure<RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true);
        services.AddOpenApi();
        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
            json.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        });
        services.Configure<KestrelServerOptions>(k => k.AddServerHeader = false);

        var app = builder.Build();
        _ = app.Services.GetRequiredService<MetricsCollector>(); // counts from start-up, not from the first scrape
        app.UseMiddleware<RequestLogMiddleware>();
        app.UseExceptionHandler(new ExceptionHandlerOptions { StatusCodeSelector = StatusCodeFor });
        app.UseStatusCodePages();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.Use((context, next) =>
        {
            // Audit entries name the authenticated caller; the endpoint's policy has already required one.
            Haven.Audit.AuditContext.Actor = context.User.Identity is { IsAuthenticated: true, Name: { } name } ? name : "anonymous";
            RequestLogMiddleware.RememberRoute(context);
            return next(context);
        });
        app.MapOpenApi().AllowAnonymous();
        app.MapHavenHealthChecks();
        app.MapGet("/metrics", (MetricsCollector metrics) => TypedResults.Text(metrics.Render(), "text/plain; version=0.0.4"))
            .WithSummary("Counters in the Prometheus text format (media errors by reason, ingested lines by status and code, events processed).")
            .RequireScope(Haven.Security.ApiScopes.Read);

        var v1 = app.MapGroup("/v1");
        v1.MapMatchEndpoints();
        v1.MapBankEndpoints();
        v1.MapEventEndpoints();
        v1.MapDiscoveryEndpoints();
        return app;
    }

    private static int StatusCodeFor(Exception exception) => exception switch
    {
        // Malformed JSON bodies and bad route/query values surface as BadHttpRequestException.
        Microsoft.AspNetCore.Http.BadHttpRequestException bad => bad.StatusCode,
        _ => StatusCodes.Status500InternalServerError,
    };
}
