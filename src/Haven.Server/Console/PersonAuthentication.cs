using System.Globalization;
using System.Security.Claims;
using Haven.People;
using Haven.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;

namespace Haven.Server.Console;

/// <summary>
/// People sign in to the console with a cookie session (or through OpenID Connect, which ends in the same cookie).
/// API keys never open the console and a session never calls /v1: each endpoint names its scheme.
/// </summary>
internal static class PersonAuthentication
{
    /// <summary>The cookie scheme of people's sessions.</summary>
    public const string Scheme = "HavenPerson";

    /// <summary>The OpenID Connect scheme, registered only when configured.</summary>
    public const string OidcScheme = "HavenOidc";

    /// <summary>The session cookie's name.</summary>
    public const string CookieName = "haven-session";

    /// <summary>Claim: the person's role name.</summary>
    public const string RoleClaim = "haven:role";

    /// <summary>Claim: the security stamp the session was issued under (password sign-in only).</summary>
    public const string StampClaim = "haven:stamp";

    /// <summary>Claim: when the session began (Unix ms), for the absolute timeout.</summary>
    public const string IssuedClaim = "haven:issued";

    /// <summary>Claim present (value <c>true</c>) while the person must change a one-time password.</summary>
    public const string MustChangeClaim = "haven:must_change";

    /// <summary>Claim: <c>password</c> or <c>oidc</c>.</summary>
    public const string SourceClaim = "haven:source";

    /// <summary>The principal of a session for <paramref name="person"/>, begun at <paramref name="now"/>.</summary>
    public static ClaimsPrincipal Principal(Person person, DateTimeOffset now)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.Name, person.Name),
            new(RoleClaim, person.Role.Name()),
            new(StampClaim, person.SecurityStamp),
            new(IssuedClaim, now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)),
            new(SourceClaim, "password"),
        };
        if (person.MustChangePassword)
        {
            claims.Add(new Claim(MustChangeClaim, "true"));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme, ClaimTypes.Name, RoleClaim));
    }

    /// <summary>The signed-in person of a console request, or null.</summary>
    public static Actor? ActorOf(ClaimsPrincipal user) =>
        user.Identity is { IsAuthenticated: true, AuthenticationType: Scheme or OidcScheme } && user.Identity.Name is { } name &&
        PersonRoles.TryParse(user.FindFirstValue(RoleClaim), out var role)
            ? new Actor(name, role)
            : null;

    /// <summary>Registers the cookie scheme (and OpenID Connect when configured), the role policies and antiforgery.</summary>
    public static void AddPersonAuthentication(this IServiceCollection services, ConsoleOptions options, HavenStore store, bool loopbackOnly)
    {
        var authentication = services.AddAuthentication();
        authentication.AddCookie(Scheme, cookie =>
        {
            cookie.Cookie.Name = CookieName;
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.Cookie.Path = "/console";
            // Secure always, except on a loopback-only server (a laptop), where browsers also accept it over http.
            cookie.Cookie.SecurePolicy = loopbackOnly ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
            cookie.ExpireTimeSpan = options.IdleTimeout;
            cookie.SlidingExpiration = true;
            cookie.TimeProvider = store.Time;
            cookie.LoginPath = ConsolePaths.SignIn;
            cookie.AccessDeniedPath = ConsolePaths.SignIn;
            cookie.Events.OnValidatePrincipal = context => ValidateAsync(context, options, store);
        });
        if (options.OpenIdConnect is { } oidc)
        {
            authentication.AddOpenIdConnect(OidcScheme, o =>
            {
                o.Authority = oidc.Authority.ToString();
                o.ClientId = oidc.ClientId;
                o.ClientSecret = oidc.ClientSecret;
                o.ResponseType = "code";
                o.UsePkce = true;
                o.SignInScheme = Scheme;
                o.CallbackPath = ConsolePaths.OidcCallback;
                o.SignedOutCallbackPath = ConsolePaths.Root + "/oidc/signed-out";
                o.RequireHttpsMetadata = !oidc.Authority.IsLoopback;
                o.Scope.Clear();
                o.Scope.Add("openid");
                o.Scope.Add("profile");
                o.MapInboundClaims = false;
                o.TimeProvider = store.Time;
                o.CorrelationCookie.SameSite = SameSiteMode.Lax;
                o.NonceCookie.SameSite = SameSiteMode.Lax;
                o.Events.OnTokenValidated = context => MapOidcPrincipal(context, oidc, store);
            });
        }

        services.AddSingleton<IAuthorizationHandler, PersonRoleRequirementHandler>();
        var policies = services.AddAuthorizationBuilder();
        foreach (var role in PersonRoles.All)
        {
            policies.AddPolicy(PersonRoleRequirement.PolicyName(role), new AuthorizationPolicyBuilder(Scheme).RequireAuthenticatedUser().AddRequirements(new PersonRoleRequirement(role)).Build());
        }

        services.AddAntiforgery(antiforgery =>
        {
            antiforgery.Cookie.Name = "haven-csrf";
            antiforgery.Cookie.Path = "/console";
            antiforgery.Cookie.SameSite = SameSiteMode.Strict;
            antiforgery.Cookie.HttpOnly = true;
            antiforgery.Cookie.SecurePolicy = loopbackOnly ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
            antiforgery.FormFieldName = ConsoleForms.FieldName;
            antiforgery.HeaderName = null;
        });
    }

    /// <summary>
    /// Runs on every request that carries a session: ends it when the absolute timeout has passed, or (password
    /// sessions) when the person is gone, disabled, or their security stamp changed (password reset, role change).
    /// </summary>
    private static async Task ValidateAsync(CookieValidatePrincipalContext context, ConsoleOptions options, HavenStore store)
    {
        var principal = context.Principal!;
        var issued = long.TryParse(principal.FindFirstValue(IssuedClaim), NumberStyles.None, CultureInfo.InvariantCulture, out var ms) ? ms : 0;
        var expired = store.Time.GetUtcNow().ToUnixTimeMilliseconds() - issued > (long)options.AbsoluteTimeout.TotalMilliseconds;
        var valid = !expired;
        if (valid && principal.FindFirstValue(SourceClaim) == "password")
        {
            var people = context.HttpContext.RequestServices.GetRequiredService<PeopleService>();
            var person = await people.GetAsync(principal.Identity?.Name ?? string.Empty, context.HttpContext.RequestAborted).ConfigureAwait(false);
            valid = person is { Disabled: false } && person.SecurityStamp == principal.FindFirstValue(StampClaim) && person.Role.Name() == principal.FindFirstValue(RoleClaim);
        }

        if (!valid)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Scheme).ConfigureAwait(false);
        }
    }

    private static Task MapOidcPrincipal(Microsoft.AspNetCore.Authentication.OpenIdConnect.TokenValidatedContext context, OpenIdConnectSettings oidc, HavenStore store)
    {
        var external = context.Principal!;
        var name = external.FindFirstValue(oidc.NameClaim)?.ToLowerInvariant();
        var roles = external.FindAll(oidc.RoleClaim).Select(c => c.Value).ToList();
        var role = PersonRoles.All.Where(r => roles.Contains(r.Name(), StringComparer.Ordinal)).Select(r => (PersonRole?)r).Max();
        if (PeopleService.NameProblem(name) is not null || role is null)
        {
            context.Fail($"The identity provider's token carries no usable '{oidc.NameClaim}' or no Haven role in '{oidc.RoleClaim}' (viewer, reviewer, specialist, lead or admin).");
            return Task.CompletedTask;
        }

        var claims = new List<Claim>
        {
            new(ClaimTypes.Name, name!),
            new(RoleClaim, role.Value.Name()),
            new(IssuedClaim, store.Time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)),
            new(SourceClaim, "oidc"),
        };
        context.Principal = new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme, ClaimTypes.Name, RoleClaim));
        return Task.CompletedTask;
    }
}

/// <summary>The signed-in person's role must be <see cref="Role"/> or above.</summary>
internal sealed record PersonRoleRequirement(PersonRole Role) : IAuthorizationRequirement
{
    /// <summary>The policy name for <paramref name="role"/>, e.g. <c>person:lead</c>.</summary>
    public static string PolicyName(PersonRole role) => "person:" + role.Name();
}

/// <summary>Grants <see cref="PersonRoleRequirement"/> to a console session whose role is high enough.</summary>
internal sealed class PersonRoleRequirementHandler : AuthorizationHandler<PersonRoleRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, PersonRoleRequirement requirement)
    {
        if (PersonAuthentication.ActorOf(context.User) is { } actor && actor.AtLeast(requirement.Role))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
