namespace Haven.Server.Console;

/// <summary>How the review console signs people in and keeps their sessions (docs/review.md).</summary>
internal sealed class ConsoleOptions
{
    /// <summary>A session ends after this long without a request.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>A session ends this long after sign-in, however active.</summary>
    public TimeSpan AbsoluteTimeout { get; set; } = TimeSpan.FromHours(10);

    /// <summary>Failures in a row before a person is locked out.</summary>
    public int MaxFailedSignIns { get; set; } = 5;

    /// <summary>How long a lockout lasts.</summary>
    public TimeSpan Lockout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Optional OpenID Connect sign-in; null when people sign in with Haven passwords only.</summary>
    public OpenIdConnectSettings? OpenIdConnect { get; set; }

    /// <summary>Why these options cannot work, or null.</summary>
    public string? Validate()
    {
        if (IdleTimeout <= TimeSpan.Zero || AbsoluteTimeout <= TimeSpan.Zero)
        {
            return "Console session timeouts must be positive.";
        }

        if (AbsoluteTimeout < IdleTimeout)
        {
            return "The console's absolute session timeout must be at least its idle timeout.";
        }

        if (MaxFailedSignIns < 1 || Lockout <= TimeSpan.Zero)
        {
            return "Console lockout needs at least one attempt and a positive duration.";
        }

        return OpenIdConnect?.Validate();
    }
}

/// <summary>
/// Sign-in through an organisation's identity provider. The person's name comes from <see cref="NameClaim"/> and their
/// role from <see cref="RoleClaim"/>, whose value must be one of Haven's role names (or be mapped to one by the
/// provider); a person whose token carries no such role is refused.
/// </summary>
/// <param name="Authority">The provider's issuer URL (its <c>/.well-known/openid-configuration</c> is read from there).</param>
/// <param name="ClientId">Haven's client id at the provider.</param>
/// <param name="ClientSecret">Haven's client secret (from the environment only).</param>
/// <param name="RoleClaim">The claim holding the role (default <c>roles</c>).</param>
/// <param name="NameClaim">The claim holding the user name (default <c>preferred_username</c>).</param>
internal sealed record OpenIdConnectSettings(Uri Authority, string ClientId, string? ClientSecret, string RoleClaim = "roles", string NameClaim = "preferred_username")
{
    /// <summary>Why these settings cannot work, or null.</summary>
    public string? Validate()
    {
        if (Authority.Scheme != Uri.UriSchemeHttps && !Authority.IsLoopback)
        {
            return "The OpenID Connect authority must be an https URL (plain http only on loopback, for testing).";
        }

        return string.IsNullOrWhiteSpace(ClientId) ? "The OpenID Connect client id is empty." : null;
    }
}
