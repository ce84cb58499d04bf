using Haven.People;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Haven.Server.Console;

/// <summary>The console's paths, in one place.</summary>
internal static class ConsolePaths
{
    /// <summary>Everything of the console lives under this path.</summary>
    public const string Root = "/console";

    /// <summary>The sign-in page.</summary>
    public const string SignIn = Root + "/sign-in";

    /// <summary>Where OpenID Connect answers.</summary>
    public const string OidcCallback = Root + "/oidc/callback";

    /// <summary>The queue, the console's home.</summary>
    public const string Queue = Root + "/queue";

    /// <summary>True when <paramref name="returnUrl"/> is a path inside the console (never another site, never a scheme-relative URL).</summary>
    public static bool IsLocal(string? returnUrl) =>
        returnUrl is { Length: > 0 } && returnUrl.StartsWith(Root + "/", StringComparison.Ordinal) && !returnUrl.Contains("//", StringComparison.Ordinal) &&
        !returnUrl.Contains('\\', StringComparison.Ordinal) && returnUrl.All(c => c > ' ' && c < 0x7f);
}

/// <summary>
/// What every console page needs beside its own model: who is signed in, what their role opens, and the form token.
/// Pages take view models (public, as Razor components are) holding only what they show, never domain objects.
/// </summary>
/// <param name="Person">The signed-in person's name, or null on the sign-in page.</param>
/// <param name="Role">Their role's name, or null.</param>
/// <param name="Csrf">The antiforgery request token for forms on this page.</param>
/// <param name="RevealsToday">How many media items this person revealed today (shown in the header), or null when not known.</param>
/// <param name="MayReveal">The role may reveal media and decide appeals (specialist and above).</param>
/// <param name="MayLead">The role may lead (assign, close, see quality figures).</param>
/// <param name="MayAdminister">The role may manage people.</param>
public sealed record PageContext(string? Person, string? Role, string Csrf, int? RevealsToday, bool MayReveal, bool MayLead, bool MayAdminister)
{
    /// <summary>The context of <paramref name="actor"/> (or of nobody).</summary>
    internal static PageContext Of(Actor? actor, string csrf, int? revealsToday = null) =>
        new(actor?.Name, actor?.Role.Name(), csrf, revealsToday, actor?.Role.MayReveal() == true, actor?.Role.MayLead() == true, actor?.Role.MayAdminister() == true);
}

/// <summary>State-changing console requests: antiforgery on every one, checked before the handler runs.</summary>
internal static class ConsoleForms
{
    /// <summary>The hidden form field holding the antiforgery token.</summary>
    public const string FieldName = "__csrf";

    /// <summary>
    /// An endpoint filter for every console POST: a missing or wrong antiforgery token (or a form from another session)
    /// is answered with 400 and a page that says to reload, and the handler never runs.
    /// </summary>
    public static async ValueTask<object?> RequireToken(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (http.Request.ContentLength > ConsoleModule.MaxFormBytes)
        {
            return ConsolePages.Message(http, StatusCodes.Status413PayloadTooLarge, "Form too large", "A console form is at most 64 KB. Nothing was changed.");
        }

        ConsoleModule.LimitForm(http);
        var antiforgery = http.RequestServices.GetRequiredService<IAntiforgery>();
        if (!http.Request.HasFormContentType || !await antiforgery.IsRequestValidAsync(http).ConfigureAwait(false))
        {
            return ConsolePages.Message(http, StatusCodes.Status400BadRequest, "This form has expired",
                "The page was open too long, or it came from another session or site. Nothing was changed. Go back, reload the page and try again.");
        }

        return await next(context).ConfigureAwait(false);
    }

    /// <summary>A fresh antiforgery request token for the forms of the page being rendered (also sets its cookie).</summary>
    public static string Token(HttpContext http) =>
        http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http).RequestToken!;
}

/// <summary>Renders console pages (Razor components, server-side only) with the console's status and headers.</summary>
internal static class ConsolePages
{
    /// <summary>Renders <typeparamref name="TPage"/> with <paramref name="parameters"/> and <paramref name="status"/>.</summary>
    public static RazorComponentResult<TPage> Render<TPage>(object parameters, int status = StatusCodes.Status200OK)
        where TPage : IComponent => new(parameters) { StatusCode = status, ContentType = "text/html; charset=utf-8" };

    /// <summary>A page with a heading and one message (errors, refusals).</summary>
    public static RazorComponentResult<Pages.MessagePage> Message(HttpContext http, int status, string title, string message) =>
        Render<Pages.MessagePage>(new { Page = Context(http), Title = title, Text = message }, status);

    /// <summary>The page context of the current request, with the person's reveals today.</summary>
    public static async Task<PageContext> ContextAsync(HttpContext http)
    {
        var actor = PersonAuthentication.ActorOf(http.User);
        int? reveals = null;
        if (actor is not null && actor.Role.MayReveal())
        {
            reveals = (await http.RequestServices.GetRequiredService<Haven.Wellness.Reveals>().RevealsTodayAsync(actor.Name, http.RequestAborted)).Today;
        }

        return PageContext.Of(actor, ConsoleForms.Token(http), reveals);
    }

    /// <summary>The page context of the current request.</summary>
    public static PageContext Context(HttpContext http) => PageContext.Of(PersonAuthentication.ActorOf(http.User), ConsoleForms.Token(http));
}

/// <summary>
/// Headers on every console response: a strict Content-Security-Policy (no inline script or style, nothing from other
/// origins, no framing, forms only to the console), no caching of anything but the static assets, no referrer, no
/// content sniffing.
/// </summary>
internal sealed class ConsoleHeaders(RequestDelegate next)
{
    /// <summary>The console's Content-Security-Policy.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self'; connect-src 'self'; " +
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.StartsWithSegments(ConsolePaths.Root, StringComparison.OrdinalIgnoreCase))
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            headers["Cross-Origin-Resource-Policy"] = "same-origin";
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), autoplay=()";
            if (!context.Request.Path.StartsWithSegments(ConsolePaths.Root + "/assets", StringComparison.OrdinalIgnoreCase))
            {
                headers.CacheControl = "no-store";
                headers.Pragma = "no-cache";
            }
        }

        return next(context);
    }
}

/// <summary>
/// What a console request without the right session gets: no session, a GET is sent to the sign-in page (and back
/// afterwards), anything else is 401; a session whose role is too low gets 403 with a page naming the role needed.
/// </summary>
internal static class ConsoleRefusals
{
    public static async Task RefuseAsync(HttpContext context, PersonRoleRequirement needed, Microsoft.AspNetCore.Authorization.Policy.PolicyAuthorizationResult result)
    {
        if (PersonAuthentication.ActorOf(context.User) is not { } actor)
        {
            if (HttpMethods.IsGet(context.Request.Method))
            {
                var back = context.Request.Path + context.Request.QueryString;
                context.Response.Redirect(ConsolePaths.SignIn + (ConsolePaths.IsLocal(back) ? "?returnUrl=" + Uri.EscapeDataString(back) : string.Empty));
                return;
            }

            await ConsolePages.Message(context, StatusCodes.Status401Unauthorized, "Signed out", "Your session has ended. Sign in again; nothing was changed.").ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        await ConsolePages.Message(context, StatusCodes.Status403Forbidden, "Not for your role",
            $"This needs the {needed.Role.Name()} role or above; you are signed in as {actor.Role.Name()}. Ask a lead if you need it.").ExecuteAsync(context).ConfigureAwait(false);
    }
}

/// <summary>One person as the people page shows them.</summary>
/// <param name="Name">User name.</param>
/// <param name="Role">Role name.</param>
/// <param name="State">active, disabled, locked, or must change password.</param>
/// <param name="LastSignIn">When they last signed in, or "never".</param>
/// <param name="Disabled">True when disabled (the page offers "Enable").</param>
public sealed record PersonView(string Name, string Role, string State, string LastSignIn, bool Disabled)
{
    /// <summary>The view of <paramref name="person"/> at <paramref name="now"/>.</summary>
    internal static PersonView Of(Person person, DateTimeOffset now) => new(
        person.Name,
        person.Role.Name(),
        person.Disabled ? "disabled" : person.LockedUntil > now ? "locked out" : person.MustChangePassword ? "must change password" : "active",
        person.LastSignInAt?.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture) ?? "never",
        person.Disabled);
}
