using System.Diagnostics;

namespace Haven.Server;

/// <summary>
/// One log line per request: method, the endpoint's route template (never the path or query the client sent, which may
/// carry keys, account ids or text), status and time. The framework's own request lines, which log the full URL with
/// its query string, are filtered out in <see cref="HavenServer"/>.
/// </summary>
internal sealed partial class RequestLogMiddleware(RequestDelegate next, ILogger<RequestLogMiddleware> logger)
{
    private static readonly HashSet<string> KnownMethods = new(StringComparer.Ordinal) { "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS" };

    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            var route = context.Items[RouteItem] as string ?? RouteOf(context) ?? "(unmatched)";
            var method = KnownMethods.Contains(context.Request.Method) ? context.Request.Method : "OTHER";
            LogRequest(logger, method, route, context.Response.StatusCode, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    private const string RouteItem = "haven:route";

    /// <summary>Keeps the matched route for the log line: the exception handler clears the endpoint before it is written.</summary>
    public static void RememberRoute(HttpContext context) => context.Items[RouteItem] = RouteOf(context);

    private static string? RouteOf(HttpContext context) => context.GetEndpoint() is RouteEndpoint endpoint ? endpoint.RoutePattern.RawText ?? "?" : null;

    [LoggerMessage(EventId = 3201, Level = LogLevel.Information, Message = "HTTP {Method} {Route} answered {Status} in {ElapsedMs} ms")]
    private static partial void LogRequest(ILogger logger, string method, string route, int status, long elapsedMs);
}
