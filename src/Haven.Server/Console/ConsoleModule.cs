using System.Reflection;
using Haven.People;
using Haven.Server.Console.Pages;
using Haven.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Features;

namespace Haven.Server.Console;

/// <summary>
/// The review console (docs/review.md, ADR 0008): server-rendered Razor components under <c>/console</c>, cookie
/// sessions for people, antiforgery on every form, a strict Content-Security-Policy and no caching of case data.
/// </summary>
internal static class ConsoleModule
{
    /// <summary>Largest form a console page posts.</summary>
    public const long MaxFormBytes = 64 * 1024;

    /// <summary>Registers sessions, role policies, antiforgery, the people service and Razor rendering.</summary>
    public static IServiceCollection AddHavenConsole(this IServiceCollection services, ConsoleOptions options, HavenStore store, bool loopbackOnly)
    {
        services.AddSingleton(options);
        services.AddSingleton(new PeopleService(store, new SignInSettings(options.MaxFailedSignIns, options.Lockout)));
        services.AddSingleton(new CaseTexts(store));

        // Wellness: bytes held in the event log, server-side renderings with the shared decode budget, settings, reveals.
        services.AddSingleton(sp => new Haven.Wellness.MediaBytes(store, sp.GetRequiredService<HavenServerOptions>().MediaLimits));
        services.AddSingleton(sp => new Haven.Wellness.PreviewRenderer(sp.GetRequiredService<Haven.Media.MediaHasher>().Decoder, sp.GetRequiredService<Haven.Media.DecodeBudget>()));
        services.AddSingleton(new Haven.Wellness.WellnessSettings(store));
        services.AddSingleton<Haven.Wellness.MediaPreviews>();
        services.AddSingleton(sp => new Haven.Wellness.Reveals(store, sp.GetRequiredService<Haven.Wellness.MediaBytes>(), sp.GetRequiredService<Haven.Wellness.PreviewRenderer>(), sp.GetRequiredService<Haven.Wellness.WellnessSettings>()));
        services.AddSingleton(sp => new Haven.Appeals.AppealService(store, sp.GetRequiredService<HavenServerOptions>().Enforcement.Adapters, sp.GetRequiredService<PeopleService>()));
        services.AddPersonAuthentication(options, store, loopbackOnly);
        services.AddRazorComponents();
        return services;
    }

    /// <summary>Maps every console route; each names the least role it needs (deny by default holds for the rest).</summary>
    public static void MapHavenConsole(this IEndpointRouteBuilder app)
    {
        var console = app.MapGroup(ConsolePaths.Root).ExcludeFromDescription();
        console.MapGet("/assets/{file}", Asset).AllowAnonymous();
        console.MapGet("/", () => Results.Redirect(ConsolePaths.Queue)).AllowAnonymous();

        var open = console.MapGroup(string.Empty).AllowAnonymous();
        open.MapGet("/sign-in", SignInForm);
        open.MapPost("/sign-in", SignIn).AddEndpointFilter(ConsoleForms.RequireToken);

        var signedIn = console.MapGroup(string.Empty).RequireAuthorization(PersonRoleRequirement.PolicyName(PersonRole.Viewer));
        signedIn.MapPost("/sign-out", (Delegate)SignOut).AddEndpointFilter(ConsoleForms.RequireToken);
        signedIn.MapGet("/password", PasswordForm);
        signedIn.MapPost("/password", ChangePassword).AddEndpointFilter(ConsoleForms.RequireToken);

        // Everything else also requires a chosen password: a one-time password opens only the password page.
        var working = console.MapGroup(string.Empty).AddEndpointFilter(RequireOwnPassword);
        working.MapCaseConsole();
        working.MapAppealConsole();
        working.MapSettingsConsole();
        working.MapQualityConsole();
        var admin = working.MapGroup("/people").RequireAuthorization(PersonRoleRequirement.PolicyName(PersonRole.Admin));
        admin.MapGet(string.Empty, PeoplePage);
        admin.MapPost(string.Empty, CreatePerson).AddEndpointFilter(ConsoleForms.RequireToken);
        admin.MapPost("/{name}/role", SetRole).AddEndpointFilter(ConsoleForms.RequireToken);
        admin.MapPost("/{name}/disable", (HttpContext http, string name) => SetDisabled(http, name, true)).AddEndpointFilter(ConsoleForms.RequireToken);
        admin.MapPost("/{name}/enable", (HttpContext http, string name) => SetDisabled(http, name, false)).AddEndpointFilter(ConsoleForms.RequireToken);
        admin.MapPost("/{name}/reset-password", ResetPassword).AddEndpointFilter(ConsoleForms.RequireToken);
    }

    private static readonly Dictionary<string, (string Resource, string ContentType)> Assets = new(StringComparer.Ordinal)
    {
        ["console.css"] = ("Haven.Server.Console.Assets.console.css", "text/css; charset=utf-8"),
        ["console.js"] = ("Haven.Server.Console.Assets.console.js", "text/javascript; charset=utf-8"),
    };

    private static IResult Asset(string file, HttpContext http)
    {
        if (!Assets.TryGetValue(file, out var asset))
        {
            return Results.NotFound();
        }

        http.Response.Headers.CacheControl = "public, max-age=3600";
        var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(asset.Resource)!;
        return Results.Stream(stream, asset.ContentType);
    }

    private static async ValueTask<object?> RequireOwnPassword(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (context.HttpContext.User.HasClaim(PersonAuthentication.MustChangeClaim, "true"))
        {
            return Results.Redirect("/console/password");
        }

        return await next(context).ConfigureAwait(false);
    }

    private static IResult SignInForm(HttpContext http, string? returnUrl)
    {
        if (PersonAuthentication.ActorOf(http.User) is not null)
        {
            return Results.Redirect(ConsolePaths.IsLocal(returnUrl) ? returnUrl! : ConsolePaths.Queue);
        }

        return ConsolePages.Render<SignInPage>(new { Page = ConsolePages.Context(http), ReturnUrl = ConsolePaths.IsLocal(returnUrl) ? returnUrl : null, OidcEnabled = http.RequestServices.GetRequiredService<ConsoleOptions>().OpenIdConnect is not null });
    }

    private static async Task<IResult> SignIn(HttpContext http, PeopleService people)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var name = form["name"].ToString().Trim().ToLowerInvariant();
        var password = form["password"].ToString();
        var returnUrl = form["returnUrl"].ToString();
        var result = await people.SignInAsync(name, password, http.RequestAborted);
        if (!result.TryGetValue(out var person, out var error))
        {
            // A fresh anonymous context: the failed form's name is shown back, never the password.
            return ConsolePages.Render<SignInPage>(new { Page = ConsolePages.Context(http), Error = error!.Message, Name = name.Length <= 64 ? name : null, ReturnUrl = ConsolePaths.IsLocal(returnUrl) ? returnUrl : null, OidcEnabled = http.RequestServices.GetRequiredService<ConsoleOptions>().OpenIdConnect is not null });
        }

        var store = http.RequestServices.GetRequiredService<HavenStore>();
        await http.SignInAsync(PersonAuthentication.Scheme, PersonAuthentication.Principal(person, store.Time.GetUtcNow()));
        var target = person.MustChangePassword ? "/console/password" : ConsolePaths.IsLocal(returnUrl) ? returnUrl : ConsolePaths.Queue;
        return Results.Redirect(target);
    }

    private static async Task<IResult> SignOut(HttpContext http)
    {
        await http.SignOutAsync(PersonAuthentication.Scheme);
        return Results.Redirect(ConsolePaths.SignIn);
    }

    private static IResult PasswordForm(HttpContext http) =>
        ConsolePages.Render<PasswordPage>(new { Page = ConsolePages.Context(http), MustChange = http.User.HasClaim(PersonAuthentication.MustChangeClaim, "true") });

    private static async Task<IResult> ChangePassword(HttpContext http, PeopleService people)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var actor = PersonAuthentication.ActorOf(http.User)!;
        if (http.User.FindFirst(PersonAuthentication.SourceClaim)?.Value != "password")
        {
            return ConsolePages.Message(http, StatusCodes.Status400BadRequest, "Password managed elsewhere", "You signed in through your organisation's account; change your password there.");
        }

        var result = await people.ChangePasswordAsync(actor.Name, form["current"].ToString(), form["replacement"].ToString(), http.RequestAborted);
        if (!result.TryGetValue(out var person, out var error))
        {
            return ConsolePages.Render<PasswordPage>(new { Page = ConsolePages.Context(http), MustChange = http.User.HasClaim(PersonAuthentication.MustChangeClaim, "true"), Error = error!.Message }, StatusCodes.Status400BadRequest);
        }

        // The stamp changed: a new session under it (other sessions of this person end at their next request).
        var store = http.RequestServices.GetRequiredService<HavenStore>();
        await http.SignInAsync(PersonAuthentication.Scheme, PersonAuthentication.Principal(person, store.Time.GetUtcNow()));
        return Results.Redirect(ConsolePaths.Queue);
    }

    private static async Task<IResult> PeoplePage(HttpContext http, PeopleService people, string? notice) =>
        ConsolePages.Render<PeoplePage>(new { Page = ConsolePages.Context(http), People = await PeopleViewAsync(http, people), Notice = notice is { Length: <= 200 } ? notice : null });

    private static async Task<IResult> CreatePerson(HttpContext http, PeopleService people)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var name = form["name"].ToString().Trim();
        if (!PersonRoles.TryParse(form["role"].ToString(), out var role))
        {
            return await PeopleRefused(http, people, "Choose a role: viewer, reviewer, specialist, lead or admin.");
        }

        var result = await people.CreateAsync(name, role, null, http.RequestAborted);
        if (!result.TryGetValue(out var issued, out var error))
        {
            return await PeopleRefused(http, people, error!.Message);
        }

        return ConsolePages.Render<PeoplePage>(new { Page = ConsolePages.Context(http), People = await PeopleViewAsync(http, people), Notice = $"{issued.Person.Name} added as {role.Name()}.", OneTimePassword = issued.OneTimePassword, OneTimeFor = issued.Person.Name });
    }

    private static async Task<IResult> SetRole(HttpContext http, PeopleService people, string name)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        if (!PersonRoles.TryParse(form["role"].ToString(), out var role))
        {
            return await PeopleRefused(http, people, "Choose a role: viewer, reviewer, specialist, lead or admin.");
        }

        if (SelfLockout(http, name))
        {
            return await PeopleRefused(http, people, "You cannot change your own role; ask another admin.");
        }

        var result = await people.SetRoleAsync(name, role, http.RequestAborted);
        return result.IsSuccess ? Results.Redirect($"/console/people?notice={Uri.EscapeDataString($"{name} is now {role.Name()}.")}") : await PeopleRefused(http, people, result.Error.Message);
    }

    private static async Task<IResult> SetDisabled(HttpContext http, string name, bool disabled)
    {
        var people = http.RequestServices.GetRequiredService<PeopleService>();
        if (disabled && SelfLockout(http, name))
        {
            return await PeopleRefused(http, people, "You cannot disable yourself; ask another admin.");
        }

        var result = await people.SetDisabledAsync(name, disabled, http.RequestAborted);
        return result.IsSuccess ? Results.Redirect($"/console/people?notice={Uri.EscapeDataString($"{name} {(disabled ? "disabled" : "enabled")}.")}") : await PeopleRefused(http, people, result.Error.Message);
    }

    private static async Task<IResult> ResetPassword(HttpContext http, PeopleService people, string name)
    {
        var result = await people.ResetPasswordAsync(name, null, http.RequestAborted);
        if (!result.TryGetValue(out var issued, out var error))
        {
            return await PeopleRefused(http, people, error!.Message);
        }

        return ConsolePages.Render<PeoplePage>(new { Page = ConsolePages.Context(http), People = await PeopleViewAsync(http, people), Notice = $"Password of {name} reset; their sessions have ended.", OneTimePassword = issued.OneTimePassword, OneTimeFor = name });
    }

    private static async Task<IReadOnlyList<PersonView>> PeopleViewAsync(HttpContext http, PeopleService people)
    {
        var now = http.RequestServices.GetRequiredService<HavenStore>().Time.GetUtcNow();
        return [.. (await people.ListAsync(http.RequestAborted)).Select(p => PersonView.Of(p, now))];
    }

    private static bool SelfLockout(HttpContext http, string name) => string.Equals(PersonAuthentication.ActorOf(http.User)?.Name, name, StringComparison.Ordinal);

    private static async Task<IResult> PeopleRefused(HttpContext http, PeopleService people, string message) =>
        ConsolePages.Render<PeoplePage>(new { Page = ConsolePages.Context(http), People = await PeopleViewAsync(http, people), Error = message }, StatusCodes.Status400BadRequest);

    /// <summary>Caps the body of a console form before it is read.</summary>
    public static void LimitForm(HttpContext http)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxFormBytes;
        }
    }
}
