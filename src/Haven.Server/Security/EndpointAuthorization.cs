using Haven.Security;
using Haven.Server.Endpoints;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Haven.Server.Security;

/// <summary>The caller's key must hold one of <see cref="Scopes"/> (or admin).</summary>
internal sealed record ScopeRequirement(IReadOnlyList<string> Scopes) : IAuthorizationRequirement
{
    /// <summary>The policy name for these scopes, e.g. <c>scope:read|ingest</c>.</summary>
    public string PolicyName => "scope:" + string.Join('|', Scopes);
}

/// <summary>Grants <see cref="ScopeRequirement"/> when the key's scope claims include one of the scopes or admin.</summary>
internal sealed class ScopeRequirementHandler : AuthorizationHandler<ScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        if (context.User.Identity?.IsAuthenticated == true &&
            context.User.FindAll(ApiKeyDefaults.ScopeClaim).Any(c => c.Value == ApiScopes.Admin || requirement.Scopes.Contains(c.Value, StringComparer.Ordinal)))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// The fallback policy's requirement: deny by default. A routed endpoint that declares no authorization (neither a
/// policy nor anonymous access) is refused to everyone, so forgetting to declare a scope closes an endpoint instead of
/// opening it. Requests that routing did not match (404), and the framework's own rejection endpoints (405 method not
/// allowed, 415 content type), are let through to answer with their status once the caller is authenticated.
/// </summary>
internal sealed class DeclaredEndpointRequirement : AuthorizationHandler<DeclaredEndpointRequirement>, IAuthorizationRequirement
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, DeclaredEndpointRequirement requirement)
    {
        var endpoint = (context.Resource as HttpContext)?.GetEndpoint() ?? context.Resource as Endpoint;
        if (endpoint is not RouteEndpoint)
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

/// <summary>Declares what each endpoint needs; used by every module's <c>MapXEndpoints</c>.</summary>
internal static class EndpointAuthorization
{
    /// <summary>Only keys holding one of <paramref name="scopes"/> (or admin) may call these endpoints.</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, params string[] scopes)
        where TBuilder : IEndpointConventionBuilder => builder.RequireAuthorization(new ScopeRequirement(scopes).PolicyName);

    /// <summary>Registers the API-key scheme, one policy per scope set in use, and the deny-by-default fallback.</summary>
    public static IServiceCollection AddHavenAuthorization(this IServiceCollection services)
    {
        services.AddAuthentication(ApiKeyDefaults.Scheme)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyDefaults.Scheme, null);
        services.AddSingleton<IAuthorizationHandler, ScopeRequirementHandler>();
        services.AddSingleton<IAuthorizationHandler, DeclaredEndpointRequirement>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder(ApiKeyDefaults.Scheme).RequireAuthenticatedUser().AddRequirements(new DeclaredEndpointRequirement()).Build())
            .SetDefaultPolicy(ScopePolicy([ApiScopes.Admin]));
        foreach (var scopes in ScopeSets)
        {
            services.AddAuthorizationBuilder().AddPolicy(new ScopeRequirement(scopes).PolicyName, ScopePolicy(scopes));
        }

        return services;
    }

    /// <summary>Every scope combination an endpoint may require.</summary>
    private static readonly string[][] ScopeSets =
    [
        [ApiScopes.Ingest], [ApiScopes.Match], [ApiScopes.Read], [ApiScopes.Admin], [ApiScopes.Read, ApiScopes.Ingest], [ApiScopes.Review], [ApiScopes.Read, ApiScopes.Review],
    ];

    private static AuthorizationPolicy ScopePolicy(string[] scopes) =>
        new AuthorizationPolicyBuilder(ApiKeyDefaults.Scheme).RequireAuthenticatedUser().AddRequirements(new ScopeRequirement(scopes)).Build();
}

/// <summary>
/// Answers a refused request with Haven's ProblemDetails instead of the framework's bare status: 401
/// <c>missing_api_key</c> / <c>invalid_api_key</c> (with <c>WWW-Authenticate: Bearer</c>), 403
/// <c>insufficient_scope</c> naming the scope needed, 403 <c>endpoint_not_declared</c> for an endpoint that declared
/// no authorization. Nothing of the request body has been read at this point.
/// </summary>
internal sealed class ProblemAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded)
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        if (policy.Requirements.OfType<Console.PersonRoleRequirement>().FirstOrDefault() is { } person)
        {
            await Console.ConsoleRefusals.RefuseAsync(context, person, authorizeResult).ConfigureAwait(false);
            return;
        }

        ProblemHttpResult problem;
        if (authorizeResult.Challenged || context.User.Identity?.IsAuthenticated != true)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            problem = context.Items.ContainsKey(ApiKeyDefaults.InvalidKeyItem)
                ? Problems.Create(StatusCodes.Status401Unauthorized, "invalid_api_key", "Unauthorized.", "The API key is not valid or has been revoked.")
                : Problems.Create(StatusCodes.Status401Unauthorized, "missing_api_key", "Unauthorized.",
                    $"Send an API key as 'Authorization: Bearer <key>' or '{ApiKeyDefaults.HeaderName}: <key>'. Create one with 'haven apikey create NAME'.");
        }
        else if (authorizeResult.AuthorizationFailure?.FailedRequirements.OfType<ScopeRequirement>().FirstOrDefault() is { } needed)
        {
            var held = context.User.FindAll(ApiKeyDefaults.ScopeClaim).Select(c => c.Value).ToList();
            var scope = string.Join("' or '", needed.Scopes);
            problem = Problems.Create(
                StatusCodes.Status403Forbidden, "insufficient_scope", "Forbidden.",
                $"This call needs the '{scope}' scope; {context.User.Identity.Name} has {(held.Count == 0 ? "none" : string.Join(", ", held))}. Create a key with 'haven apikey create NAME --scope {needed.Scopes[0]}'.");
        }
        else
        {
            problem = Problems.Create(StatusCodes.Status403Forbidden, "endpoint_not_declared", "Forbidden.",
                "This endpoint declares no authorization, so it is closed to everyone (deny by default).");
        }

        await problem.ExecuteAsync(context).ConfigureAwait(false);
    }
}
