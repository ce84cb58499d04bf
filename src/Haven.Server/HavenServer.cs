using Haven.Server.Console;
using Haven.Server.Telemetry;
using Haven.Storage;

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

        builder.Services
            .AddHavenStore(options, store)
            .AddHavenMatching(options, store)
            .AddHavenEvents(options, store)
            .AddHavenSignals(options, store)
            .AddHavenDiscovery(store)
            .AddHavenCases(options, store)
            .AddHavenSecurity(options, store)
            .AddHavenConsole(options.Console, store, options.LoopbackOnly)
            .AddHavenHealthChecks()
            .AddHavenTelemetry(options.Telemetry)
            .AddHavenHttp();

        var app = builder.Build();
        app.UseMiddleware<RequestLogMiddleware>();
        app.UseMiddleware<Console.ConsoleHeaders>();
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
        app.MapHavenMetrics(options.Telemetry);
        app.MapHavenApi();
        app.MapHavenConsole();
        return app;
    }

    private static int StatusCodeFor(Exception exception) => exception switch
    {
        // Malformed JSON bodies and bad route/query values surface as BadHttpRequestException.
        Microsoft.AspNetCore.Http.BadHttpRequestException bad => bad.StatusCode,
        _ => StatusCodes.Status500InternalServerError,
    };
}
