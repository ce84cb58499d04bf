using Microsoft.AspNetCore.Diagnostics;

namespace Haven.Server;

/// <summary>
/// Logs an unhandled exception by type and stack trace, never its message (messages can quote request content), then
/// lets the exception handler answer 500 <c>internal_error</c>. The framework's own exception log line is filtered out
/// in <see cref="HavenServer"/> because it carries the message.
/// </summary>
internal sealed partial class ExceptionLogger(ILogger<ExceptionLogger> logger) : IExceptionHandler
{
    public ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException)
        {
            LogUnhandled(logger, exception.GetType().FullName ?? exception.GetType().Name, httpContext.Items["haven:route"] as string ?? "(unmatched)", exception.StackTrace ?? string.Empty);
        }

        return ValueTask.FromResult(false);
    }

    [LoggerMessage(EventId = 3202, Level = LogLevel.Error, Message = "Unhandled {ExceptionType} while answering {Route}; stack: {StackTrace}")]
    private static partial void LogUnhandled(ILogger logger, string exceptionType, string route, string stackTrace);
}
