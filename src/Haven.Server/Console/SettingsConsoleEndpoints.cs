using Haven.People;
using Haven.Server.Console.Pages;
using Haven.Wellness;

namespace Haven.Server.Console;

/// <summary>
/// The settings page (docs/review.md, "Your settings and the organisation's"): everyone's own view settings, each field
/// set or inherited; an admin's form for the organisation's defaults; a lead's form for one person's daily reveal budget.
/// A refused form is shown again with every problem and status 400, and nothing is stored.
/// </summary>
internal static class SettingsConsoleEndpoints
{
    private const string Path = "/console/settings";

    /// <summary>Maps the settings routes onto <paramref name="working"/> (signed in, own password chosen).</summary>
    public static void MapSettingsConsole(this RouteGroupBuilder working)
    {
        var everyone = working.MapGroup("/settings").RequireAuthorization(PersonRoleRequirement.PolicyName(PersonRole.Viewer));
        everyone.MapGet(string.Empty, Show);
        everyone.MapPost(string.Empty, SaveOwn).AddEndpointFilter(ConsoleForms.RequireToken);

        var lead = working.MapGroup("/settings").RequireAuthorization(PersonRoleRequirement.PolicyName(PersonRole.Lead));
        lead.MapPost("/budget", SetBudget).AddEndpointFilter(ConsoleForms.RequireToken);

        var admin = working.MapGroup("/settings").RequireAuthorization(PersonRoleRequirement.PolicyName(PersonRole.Admin));
        admin.MapPost("/defaults", SaveDefaults).AddEndpointFilter(ConsoleForms.RequireToken);
    }

    private static Task<IResult> Show(HttpContext http, string? notice) =>
        RenderAsync(http, null, null, [], notice is { Length: <= 300 } ? notice : null, StatusCodes.Status200OK);

    /// <summary>Renders the page; a refused form (<paramref name="problemsFor"/>) is shown as posted with its problems.</summary>
    private static async Task<IResult> RenderAsync(HttpContext http, string? problemsFor, ViewSettingsForm? posted, IReadOnlyList<string> problems, string? notice, int status, string budgetPerson = "", string budgetValue = "")
    {
        var actor = PersonAuthentication.ActorOf(http.User)!;
        var settings = http.RequestServices.GetRequiredService<WellnessSettings>();
        var ct = http.RequestAborted;
        var defaults = await settings.GetDefaultsAsync(ct);
        var effective = await settings.EffectiveAsync(actor.Name, ct);
        int? revealsToday = actor.Role.MayReveal() ? (await http.RequestServices.GetRequiredService<Reveals>().RevealsTodayAsync(actor.Name, ct)).Today : null;
        var model = new SettingsModel
        {
            Own = problemsFor == "own" && posted is not null ? posted : SettingsViews.Own(await settings.GetPersonAsync(actor.Name, ct)),
            Defaults = problemsFor == "defaults" && posted is not null ? posted : SettingsViews.Defaults(defaults),
            Effective = SettingsViews.Effective(effective.View),
            RevealsToday = revealsToday,
            Budget = effective.DailyRevealBudget,
            BudgetOverridden = effective.BudgetOverridden,
            MayAdminister = actor.Role.MayAdminister(),
            MayLead = actor.Role.MayLead(),
            BudgetPerson = budgetPerson,
            BudgetValue = budgetValue,
            ProblemsFor = problemsFor,
            Problems = problems,
            Notice = notice,
        };
        return ConsolePages.Render<SettingsPage>(new { Page = await ConsolePages.ContextAsync(http), Model = model }, status);
    }

    private static async Task<IResult> SaveOwn(HttpContext http, WellnessSettings settings)
    {
        var actor = PersonAuthentication.ActorOf(http.User)!;
        var posted = SettingsViews.Read(await http.Request.ReadFormAsync(http.RequestAborted));
        var problems = new List<string>();
        var choices = SettingsViews.ParseOwn(posted, problems);
        if (problems.Count > 0)
        {
            return await RenderAsync(http, "own", posted, problems, null, StatusCodes.Status400BadRequest);
        }

        var saved = await settings.SetPersonAsync(actor, actor.Name, choices, http.RequestAborted);
        if (!saved.TryGetValue(out _, out var error))
        {
            return await RenderAsync(http, "own", posted, Problems(error!), null, StatusOf(error!));
        }

        return Results.Redirect(Path + "?notice=" + Uri.EscapeDataString("Your settings are saved."));
    }

    private static async Task<IResult> SaveDefaults(HttpContext http, WellnessSettings settings)
    {
        var actor = PersonAuthentication.ActorOf(http.User)!;
        var posted = SettingsViews.Read(await http.Request.ReadFormAsync(http.RequestAborted));
        var problems = new List<string>();
        if (SettingsViews.ParseDefaults(posted, problems) is not { } defaults)
        {
            return await RenderAsync(http, "defaults", posted, problems, null, StatusCodes.Status400BadRequest);
        }

        var saved = await settings.SetDefaultsAsync(actor, defaults, http.RequestAborted);
        if (!saved.TryGetValue(out _, out var error))
        {
            return await RenderAsync(http, "defaults", posted, Problems(error!), null, StatusOf(error!));
        }

        return Results.Redirect(Path + "?notice=" + Uri.EscapeDataString("The organisation's defaults are saved."));
    }

    private static async Task<IResult> SetBudget(HttpContext http, WellnessSettings settings, PeopleService people)
    {
        var actor = PersonAuthentication.ActorOf(http.User)!;
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var person = form["person"].ToString().Trim();
        var text = form["budget"].ToString().Trim();
        var shownPerson = person.Length <= 64 ? person : person[..64];
        var shownBudget = text.Length <= 32 ? text : text[..32];
        var problems = new List<string>();
        if (person.Length is 0 or > 64 || await people.GetAsync(person, http.RequestAborted) is null)
        {
            problems.Add(person.Length == 0 ? "name the person whose budget to set" : "no person has this name");
        }

        var budget = SettingsViews.Number(text, "daily reveal budget", 0, OrganisationDefaults.MaxDailyRevealBudget, required: false, problems);
        if (problems.Count > 0)
        {
            return await RenderAsync(http, "budget", null, problems, null, StatusCodes.Status400BadRequest, shownPerson, shownBudget);
        }

        var saved = await settings.SetRevealBudgetAsync(actor, person, budget, http.RequestAborted);
        if (!saved.TryGetValue(out var effective, out var error))
        {
            return await RenderAsync(http, "budget", null, Problems(error!), null, StatusOf(error!), shownPerson, shownBudget);
        }

        var done = budget is null
            ? $"{person} has the organisation's daily reveal budget again ({effective.DailyRevealBudget})."
            : $"{person} may reveal {effective.DailyRevealBudget} items a day.";
        return Results.Redirect(Path + "?notice=" + Uri.EscapeDataString(done));
    }

    private static List<string> Problems(WellnessError error) => error is WellnessSettingsInvalid invalid ? [.. invalid.Problems] : [error.Message];

    private static int StatusOf(WellnessError error) => error is WellnessNotPermitted ? StatusCodes.Status403Forbidden : StatusCodes.Status400BadRequest;
}
