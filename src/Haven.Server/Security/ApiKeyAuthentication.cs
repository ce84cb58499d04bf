using System.Security.Claims;
using System.Text.Encodings.Web;
using Haven.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Haven.Server.Security;

/// <summary>Names of the API-key scheme and the claims it issues.</summary>
internal static class ApiKeyDefaults
{
    /// <summary>The authentication scheme of machines (platform integrations): an API key per request.</summary>
    public const string Scheme = "ApiKey";

    /// <summary>One claim per scope the key holds.</summary>
    public const string ScopeClaim = "haven:scope";

    /// <summary>The key's id.</summary>
    public const string KeyIdClaim = "haven:key_id";

    /// <summary>The header that may carry the key (besides <c>Authorization: Bearer</c>).</summary>
    public const string HeaderName = "X-Api-Key";

    /// <summary>Set in <see cref="HttpContext.Items"/> when a key was presented but is unknown or revoked.</summary>
    public const string InvalidKeyItem = "haven:invalid_api_key";

    /// <summary>The key presented with <paramref name="request"/>, or null.</summary>
    public static string? PresentedKey(HttpRequest request)
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
}

/// <summary>
/// Authenticates API keys (<c>Authorization: Bearer KEY</c> or <c>X-Api-Key: KEY</c>) as an ASP.NET Core authentication
/// scheme, so that authorization is attached to endpoints rather than to spellings of a path: an endpoint is reached
/// only through routing, and routing runs the endpoint's policy whatever case, escapes or dot segments the path used.
/// No key: no result (the policy then challenges with 401). An unknown or revoked key: failure (401). The key itself
/// is never logged.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyService keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = ApiKeyDefaults.PresentedKey(Request);
        if (presented is null)
        {
            return AuthenticateResult.NoResult();
        }

        var key = await keys.FindActiveAsync(presented, Context.RequestAborted).ConfigureAwait(false);
        if (key is null)
        {
            Context.Items[ApiKeyDefaults.InvalidKeyItem] = true;
            return AuthenticateResult.Fail("The API key is not valid or has been revoked.");
        }

        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, $"apikey:{key.Id}"),
            new(ClaimTypes.Name, $"apikey:{key.Id}"),
            new(ApiKeyDefaults.KeyIdClaim, key.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        };
        claims.AddRange(key.Scopes.Select(s => new Claim(ApiKeyDefaults.ScopeClaim, s)));
        Context.Items[typeof(ApiKeyInfo)] = key;
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme.Name));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));
    }
}
