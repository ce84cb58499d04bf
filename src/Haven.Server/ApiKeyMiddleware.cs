using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Haven.Security;
using Haven.Server.Endpoints;

namespace Haven.Server;

/// <summary>
/// Every /v1 call needs a valid, unrevoked API key: <c>Authorization: Bearer KEY</c> or <c>X-Api-Key: KEY</c>.
/// Missing or invalid keys get 401 ProblemDetails; the key is never logged.
/// </summary>
/// <remarks>Middleware rather than an endpoint filter, so that it answers before any body is read or bound.</remarks>
internal sealed class ApiKeyMiddleware(RequestDelegate next, ApiKeyService keys, HavenServerOptions options)
{
    private readonly ConcurrentDictionary<(long KeyId, int PerMinute), RateLimiter> _limiters = new();

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

        // Every /v1 endpoint declares its scope; one that forgot fails closed to admin.
        var endpoint = context.GetEndpoint();
        var scope = endpoint?.Metadata.GetMetadata<RequiredScope>()?.Scope ?? (endpoint is null ? null : ApiScopes.Admin);
        if (scope is not null && !key.Allows(scope))
        {
            await Problems.Create(
                StatusCodes.Status403Forbidden, "insufficient_scope", "Forbidden.",
                $"This call needs the '{scope}' scope; key {key.Id} has {(key.Scopes.Count == 0 ? "none" : string.Join(", ", key.Scopes))}. Create a key with 'haven apikey create NAME --scope {scope}'.")
                .ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        var perMinute = key.RateLimitPerMinute ?? options.DefaultRateLimitPerMinute;
        var limiter = _limiters.GetOrAdd((key.Id, perMinute), static k => new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = k.PerMinute,
            TokensPerPeriod = k.PerMinute,
            ReplenishmentPeriod = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
        using var lease = limiter.AttemptAcquire();
        if (!lease.IsAcquired)
        {
            var retry = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromMinutes(1);
            context.Response.Headers.RetryAfter = ((int)Math.Ceiling(retry.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            await Problems.Create(
                StatusCodes.Status429TooManyRequests, "rate_limited", "Too many requests.",
                $"Key {key.Id} may make {perMinute:N0} requests per minute; retry after {Math.Ceiling(retry.TotalSeconds):N0} s.")
                .ExecuteAsync(context).ConfigureAwait(false);
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

/// <summary>Endpoint metadata: the API-key scope a /v1 endpoint needs.</summary>
internal sealed record RequiredScope(string Scope);

/// <summary>Declares scopes on endpoints.</summary>
internal static class RequiredScopeExtensions
{
    /// <summary>Only keys holding <paramref name="scope"/> (or admin) may call these endpoints.</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new RequiredScope(scope));
}
