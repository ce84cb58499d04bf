using System.Text.Json;
using System.Text.Json.Serialization;
using Haven.Banks;
using Haven.Events;
using Haven.Matching;
using Haven.Media;
using Haven.Pipeline;
using Haven.Security;
using Haven.Server.Endpoints;
using Haven.Server.Security;
using Haven.Storage;

namespace Haven.Server;

/// <summary>
/// The server's modules: each registers its services from <see cref="HavenServerOptions"/> (validated once, before any
/// module runs) and, where it has HTTP, maps its endpoints. <see cref="HavenServer"/> only composes them.
/// </summary>
internal static class ServerModules
{
    /// <summary>The store, its clock and the options.</summary>
    public static IServiceCollection AddHavenStore(this IServiceCollection services, HavenServerOptions options, HavenStore store) =>
        services.AddSingleton(options).AddSingleton(store).AddSingleton(store.Time);

    /// <summary>Banks, the match index kept current off the request path, and bounded media decoding.</summary>
    public static IServiceCollection AddHavenMatching(this IServiceCollection services, HavenServerOptions options, HavenStore store)
    {
        services.AddSingleton(new BankService(store));
        services.AddSingleton<MatchIndexHolder>();
        services.AddSingleton(new MediaHasher(new ImageDecoder(options.MediaLimits, options.ScaledJpegDecode) { WholeFramePng = options.WholeFramePng }));
        services.AddSingleton(new DecodeBudget(options.DecodeBudgetBytes, options.MaxParallelDecodes));
        services.AddSingleton<MediaAdmission>();
        services.AddSingleton<IndexRefresher>();
        return services.AddHostedService(sp => sp.GetRequiredService<IndexRefresher>());
    }

    /// <summary>The event log (ingest).</summary>
    public static IServiceCollection AddHavenEvents(this IServiceCollection services, HavenServerOptions options, HavenStore store) =>
        services.AddSingleton(new EventLog(store, options.EventLimits with { MaxMediaBytes = options.MediaLimits.MaxBytes }));

    /// <summary>
    /// The signals stage (when this server processes) and the outbox dispatchers (one per configured adapter), both from
    /// the same settings as <c>haven process</c>: rows are claimed with leases, so several servers may dispatch.
    /// </summary>
    public static IServiceCollection AddHavenSignals(this IServiceCollection services, HavenServerOptions options, HavenStore store)
    {
        foreach (var (run, owned) in options.Enforcement.CreateDispatchers(store))
        {
            services.AddHostedService(_ => new OutboxDispatcherService(run, owned));
        }

        if (options.ProcessEvents)
        {
            var settings = options.Signals();
            services.AddSingleton(sp => SignalsPipeline.Create(store, settings, sp.GetRequiredService<MediaHasher>(), sp.GetRequiredService<DecodeBudget>(),
                sp.GetRequiredService<MatchIndexHolder>(), sp.GetRequiredService<ILogger<Haven.Signals.SignalProcessor>>()));
            services.AddSingleton<ProcessorService>();
            services.AddHostedService(sp => sp.GetRequiredService<ProcessorService>());
        }

        return services;
    }

    /// <summary>Cases for people: the service the /v1/cases endpoints and the console share.</summary>
    public static IServiceCollection AddHavenCases(this IServiceCollection services, HavenServerOptions options, HavenStore store) =>
        services.AddSingleton(new Haven.Cases.CaseService(store, options.Cases, options.Enforcement.Adapters));

    /// <summary>Network discovery's snapshot cache.</summary>
    public static IServiceCollection AddHavenDiscovery(this IServiceCollection services, HavenStore store) =>
        services.AddSingleton(new Haven.Graph.NetworkSnapshotCache(store));

    /// <summary>API keys (authentication, per-endpoint scopes, deny by default) and per-key rate limits.</summary>
    public static IServiceCollection AddHavenSecurity(this IServiceCollection services, HavenServerOptions options, HavenStore store)
    {
        services.AddSingleton(new ApiKeyService(store));
        services.AddHavenAuthorization();
        return services.AddApiKeyRateLimits(options);
    }

    /// <summary>Problem details with codes, the exception logger, JSON conventions and OpenAPI.</summary>
    public static IServiceCollection AddHavenHttp(this IServiceCollection services)
    {
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
        return services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(k => k.AddServerHeader = false);
    }

    /// <summary>The /v1 API: each module's endpoints.</summary>
    public static void MapHavenApi(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1");
        v1.MapMatchEndpoints();
        v1.MapBankEndpoints();
        v1.MapEventEndpoints();
        v1.MapDiscoveryEndpoints();
        v1.MapAppealEndpoints();
        v1.MapCaseEndpoints();
    }
}
