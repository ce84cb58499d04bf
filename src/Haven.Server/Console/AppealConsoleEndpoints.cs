using System.Globalization;
using Haven.Appeals;
using Haven.People;
using Haven.Policy;
using Haven.Server.Console.Pages;
using Haven.Storage;

namespace Haven.Server.Console;

/// <summary>
/// The appeals pages (docs/review.md, "Appeals"): the list with the overturn rate per rule, and one appeal with its
/// contested decision, actions and requests and the forms to assign (leads) and decide (specialists and leads). Each form
/// carries the appeal's version: <see cref="AppealService"/> refuses a stale page or a second submission, and nothing changes.
/// </summary>
internal static class AppealConsoleEndpoints
{
    /// <summary>Longest appeal id accepted in a path (ids are <c>ap-SEQ</c>).</summary>
    private const int MaxIdLength = 64;

    /// <summary>Maps the appeal routes onto <paramref name="working"/> (signed in, own password chosen).</summary>
    public static void MapAppealConsole(this RouteGroupBuilder working)
    {
        var specialist = working.MapGroup("/appeals").RequireAuthorization(PersonRoleRequirement.PolicyName(PersonRole.Specialist));
        specialist.MapGet(string.Empty, List);
        specialist.MapGet("/{id}", Show);
        specialist.MapPost("/{id}/decide", Decide).AddEndpointFilter(ConsoleForms.RequireToken);

        var lead = working.MapGroup("/appeals").RequireAuthorization(PersonRoleRequirement.PolicyName(PersonRole.Lead));
        lead.MapPost("/{id}/assign", Assign).AddEndpointFilter(ConsoleForms.RequireToken);
    }

    private static async Task<IResult> List(HttpContext http, AppealService appeals, string? status, string? rule, string? after)
    {
        var ct = http.RequestAborted;
        // No status in the query: open appeals; "all": every status.
        var chosen = status is null ? AppealStatuses.Open : status == "all" ? null : status;
        var ruleFilter = rule is { Length: > 0 and <= 200 } ? rule : null;
        var cursor = long.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
        var page = await appeals.ListAsync(new AppealFilter(chosen, ruleFilter, cursor, 50), ct);
        var rates = (await appeals.RatesAsync(ct)).Select(AppealViews.Rate).ToList();
        var now = http.RequestServices.GetRequiredService<HavenStore>().Time.GetUtcNow();
        var rows = new List<AppealRowView>();
        string? next = null;
        if (page.TryGetValue(out var found, out var error))
        {
            var store = http.RequestServices.GetRequiredService<HavenStore>();
            foreach (var appeal in found.Appeals)
            {
                var decision = appeal.DecisionId is null ? null : await DecisionLog.FindAsync(store, appeal.DecisionId, ct);
                rows.Add(AppealViews.Row(appeal, decision, now));
            }

            next = found.Next is { } last ? Query(chosen ?? "all", ruleFilter, last) : null;
        }

        var model = new AppealsModel(rows, chosen, ruleFilter, ["all", .. AppealStatuses.All], next, rates, error?.Message);
        return ConsolePages.Render<AppealsPage>(new { Page = await ConsolePages.ContextAsync(http), Model = model }, error is null ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest);
    }

    private static string Query(string status, string? rule, long after) =>
        $"/console/appeals?status={Uri.EscapeDataString(status)}" + (rule is null ? string.Empty : "&rule=" + Uri.EscapeDataString(rule)) + $"&after={after.ToString(CultureInfo.InvariantCulture)}";

    private static Task<IResult> Show(HttpContext http, AppealService appeals, string id, string? notice) =>
        RenderAsync(http, appeals, id, notice is { Length: <= 300 } ? notice : null, null, StatusCodes.Status200OK);

    /// <summary>Renders one appeal (also after a refused form, with its message and status).</summary>
    private static async Task<IResult> RenderAsync(HttpContext http, AppealService appeals, string id, string? notice, string? error, int status)
    {
        var actor = PersonAuthentication.ActorOf(http.User)!;
        var found = id.Length <= MaxIdLength ? await appeals.GetAsync(id, http.RequestAborted) : new AppealNotFound("?");
        if (!found.TryGetValue(out var details, out var missing))
        {
            return ConsolePages.Message(http, StatusCodes.Status404NotFound, "No such appeal", missing!.Message);
        }

        var now = http.RequestServices.GetRequiredService<HavenStore>().Time.GetUtcNow();
        var appeal = details.Appeal;
        var conflict = string.Equals(appeal.OriginalDecidedBy, actor.Name, StringComparison.Ordinal);
        var otherAssignee = appeal.AssignedTo is { } assigned && !string.Equals(assigned, actor.Name, StringComparison.Ordinal) && !actor.Role.MayLead();
        var model = new AppealModel
        {
            AppealId = appeal.AppealId,
            Status = AppealViews.Status(appeal),
            IsOpen = appeal.IsOpen,
            Account = appeal.Account,
            Reason = appeal.Reason,
            Rule = appeal.RuleId ?? "-",
            Subject = AppealViews.Subject(appeal),
            OriginalDecidedBy = AppealViews.Decider(appeal.OriginalDecidedBy),
            AssignedTo = appeal.AssignedTo,
            DecidedBy = appeal.DecidedBy,
            OutcomeReason = appeal.OutcomeReason,
            Received = $"{AppealViews.Time(appeal.CreatedAt)} ({AppealViews.Age(appeal.CreatedAt, now)} ago)",
            Version = appeal.Version,
            Decision = details.Decision is { } decision ? AppealViews.Decision(decision, withEvidence: true) : null,
            Actions = [.. details.Actions.Select(AppealViews.Outbox)],
            Requests = [.. details.Requests.Select(r => new AppealRequestView(r.PlatformAppealId, r.Account, AppealViews.Time(r.OccurredAt)))],
            Reversal = details.Reversal is { } reversal ? AppealViews.Decision(reversal, withEvidence: false) : null,
            ReversalActions = [.. details.ReversalActions.Select(AppealViews.Outbox)],
            MayAssign = appeal.IsOpen && actor.Role.MayLead(),
            MayDecide = appeal.IsOpen && actor.AtLeast(PersonRole.Specialist) && !conflict && !otherAssignee,
            CannotDecide = !appeal.IsOpen ? null
                : conflict ? "You decided the original decision, so another lead or specialist decides this appeal."
                : otherAssignee ? $"This appeal is assigned to {appeal.AssignedTo}; only they or a lead decide it."
                : null,
            Notice = notice,
            Error = error,
        };
        return ConsolePages.Render<AppealDetailPage>(new { Page = await ConsolePages.ContextAsync(http), Model = model }, status);
    }

    private static async Task<IResult> Decide(HttpContext http, AppealService appeals, string id)
    {
        var actor = PersonAuthentication.ActorOf(http.User)!;
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        if (!AppealOutcomes.TryParse(form["outcome"].ToString(), out var outcome))
        {
            return await RenderAsync(http, appeals, id, null, "Choose upheld or overturned. Nothing was changed.", StatusCodes.Status400BadRequest);
        }

        if (Version(form["version"].ToString()) is not { } version)
        {
            return await RenderAsync(http, appeals, id, null, "The form has no appeal version; reload the page. Nothing was changed.", StatusCodes.Status400BadRequest);
        }

        var result = await appeals.DecideAsync(actor, id, outcome, form["reason"].ToString().Trim(), version, http.RequestAborted);
        if (!result.TryGetValue(out var decided, out var error))
        {
            return await RenderAsync(http, appeals, id, null, error!.Message + " Nothing was changed.", StatusOf(error));
        }

        var done = outcome == AppealOutcome.Overturned
            ? $"Overturned: {decided.ReverseActionsEnqueued} reverse action(s) queued for the platform."
            : "Upheld: the decision stands.";
        return Results.Redirect($"/console/appeals/{Uri.EscapeDataString(id)}?notice={Uri.EscapeDataString(done)}");
    }

    private static async Task<IResult> Assign(HttpContext http, AppealService appeals, string id)
    {
        var actor = PersonAuthentication.ActorOf(http.User)!;
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var person = form["person"].ToString().Trim();
        if (person.Length is 0 or > 64)
        {
            return await RenderAsync(http, appeals, id, null, "Name the specialist or lead to assign. Nothing was changed.", StatusCodes.Status400BadRequest);
        }

        if (Version(form["version"].ToString()) is not { } version)
        {
            return await RenderAsync(http, appeals, id, null, "The form has no appeal version; reload the page. Nothing was changed.", StatusCodes.Status400BadRequest);
        }

        var result = await appeals.AssignAsync(actor, id, person, version, http.RequestAborted);
        if (!result.TryGetValue(out _, out var error))
        {
            return await RenderAsync(http, appeals, id, null, error!.Message + " Nothing was changed.", StatusOf(error));
        }

        return Results.Redirect($"/console/appeals/{Uri.EscapeDataString(id)}?notice={Uri.EscapeDataString($"Assigned to {person}.")}");
    }

    private static long? Version(string text) => long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;

    /// <summary>The HTTP status of a refused appeal form.</summary>
    internal static int StatusOf(AppealError error) => error switch
    {
        AppealNotFound => StatusCodes.Status404NotFound,
        AppealNotPermitted or AppealConflictOfInterest or AppealAssignedToOther => StatusCodes.Status403Forbidden,
        AppealRequestInvalid or AppealAssigneeInvalid => StatusCodes.Status400BadRequest,
        _ => StatusCodes.Status409Conflict,
    };
}
