using Haven.Security;
using Haven.Server.Endpoints;

namespace Haven.Server;

/// <summary>
/// Every /v1 call needs a valid, unrevoked API key: <c>Authorization: Bearer KEY</c> or <c>X-Api-Key: KEY</c>.
/// Missing or invalid keys get 401 ProblemDetails; the key is never logged.
/// </summary>
/// <remarks>Middleware rather than an endpoint filter, so that it answers before any body is read or bound.</remarks>
internal sealed class ApiKeyMiddleware(RequestDelegate next, ApiKeyService keys)
{
    public const string HeaderName = "X-Api-Key";

    public async Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/v1", StringComparison.Ordinal))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        var presented = PresentedKey(context.Request);
        if (presented is null)
        {
            await Unauthorized("missing_api_key", $"Send an API key as 'Authorization: Bearer <key>' or '{HeaderName}: <key>'. Create one with 'haven apikey create NAME'.").ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        var key = await keys.FindActiveAsync(presented, context.RequestAborted).ConfigureAwait(false);
        if (key is null)
        {
            await Unauthorized("invalid_api_key", "The API key is not valid or has been revoked.").ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        context.Items[typeof(ApiKeyInfo)] = key;
        Haven.Audit.AuditContext.Actor = $"apikey:{key.Id}";
        await next(context).ConfigureAwait(false);
    }

    private static string? PresentedKey(HttpRequest request)
    {
        if (request.Headers.TryGetValue(HeaderName, out var header) && !string.IsNullOrWhiteSpace(header))
        {
            return header.ToString().Trim();
        }

        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && authorization.Length > 7
            ? authorization[7..].Trim()
            : null;
    }

    private static IResult Unauthorized(string code, string detail)
    {
        var problem = Problems.Create(StatusCodes.Status401Unauthorized, code, "Unauthorized.", detail);
        return new WithHeader(problem, "WWW-Authenticate", "Bearer");
    }

    private sealed class WithHeader(IResult inner, string name, string value) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers[name] = value;
            return inner.ExecuteAsync(httpContext);
        }
    }
}
