using System.Globalization;
using Haven.Cases;
using Haven.People;
using Haven.Server.Console.Pages;
using Haven.Storage;

namespace Haven.Server.Console;

/// <summary>
/// The queue and the case page, and every decision a person takes on a case. Pages are GETs; each action is a POST
/// with the form token and the case log position the page showed (a stale page or a second submission is refused by
/// <see cref="CaseService"/> and changes nothing), answered by a redirect back to the case with a notice.
/// </summary>
internal static class CaseEndpoints
{
    /// <summary>Maps the queue and case routes onto <paramref name="working"/> (signed in, own password chosen).</summary>
    public static void MapCaseConsole(this RouteGroupBuilder working)
    {
        var read = working.MapGroup(string.Empty).RequireAuthorization(PersonRoleRequirement.PolicyName(PersonRole.Viewer));
        read.MapGet("/queue", Queue);
        read.MapGet("/cases/{id:long}", Case);

        var work = working.MapGroup(string.Empty).RequireAuthorization(PersonRoleRequirement.PolicyName(PersonRole.Reviewer));
        work.MapPost("/queue/next", Next).AddEndpointFilter(ConsoleForms.RequireToken);
        foreach (var action in new[] { "claim", "release", "hold", "ask-lead", "escalate", "dismiss", "confirm" })
        {
            work.MapPost("/cases/{id:long}/" + action, (HttpContext http, long id) => Act(http, id, action)).AddEndpointFilter(ConsoleForms.RequireToken);
        }

        work.MapGet("/media/preview", Preview);
        var reveal = working.MapGroup(string.Empty).RequireAuthorization(PersonRoleRequirement.PolicyName(PersonRole.Specialist));
        reveal.MapPost("/cases/{id:long}/reveal", Reveal).AddEndpointFilter(ConsoleForms.RequireToken);
        reveal.MapGet("/media/revealed", Revealed);
        reveal.MapPost("/cases/{id:long}/request-report", (HttpContext http, long id) => Act(http, id, "request-report")).AddEndpointFilter(ConsoleForms.RequireToken);

        var lead = working.MapGroup(string.Empty).RequireAuthorization(PersonRoleRequirement.PolicyName(PersonRole.Lead));
        foreach (var action in new[] { "assign", "close", "reopen" })
        {
            lead.MapPost("/cases/{id:long}/" + action, (HttpContext http, long id) => Act(http, id, action)).AddEndpointFilter(ConsoleForms.RequireToken);
        }
    }

    private static async Task<IResult> Queue(HttpContext http, CaseService cases, string? queue, string? network, string? after, string? notice)
    {
        var actor = PersonAuthentication.ActorOf(http.User)!;
        var queues = actor.Role.MayReveal() ? new[] { CaseQueues.Specialist, CaseQueues.Review } : [CaseQueues.Review];
        var chosen = queue is null ? (network is null ? queues[0] : null) : CaseQueues.IsKnown(queue) ? queue : queues[0];
        var page = await cases.ListAsync(new CaseQuery { Queue = chosen, Network = network is { Length: <= 200 } ? network : null, After = after is { Length: <= 200 } ? after : null, Limit = 50 }, http.RequestAborted);
        var now = http.RequestServices.GetRequiredService<HavenStore>().Time.GetUtcNow();
        var rows = page.IsSuccess ? page.Value.Cases.Select(c => CaseViews.Row(c, now)).ToList() : [];
        var model = new QueueModel(rows, chosen, queues, network, page.IsSuccess ? page.Value.Next : null, actor.Role.MayDecide(), page.IsSuccess ? Short(notice) : page.Error.Message);
        return ConsolePages.Render<QueuePage>(new { Page = await ConsolePages.ContextAsync(http), Model = model });
    }

    private static async Task<IResult> Next(HttpContext http, CaseService cases)
    {
        var actor = PersonAuthentication.ActorOf(http.User)!;
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var queue = form["queue"].ToString();
        var now = http.RequestServices.GetRequiredService<HavenStore>().Time.GetUtcNow();
        var page = await cases.ListAsync(new CaseQuery { Queue = CaseQueues.IsKnown(queue) ? queue : CaseQueues.Review, Limit = 50 }, http.RequestAborted);
        foreach (var candidate in page.IsSuccess ? page.Value.Cases : [])
        {
            if (candidate.HolderAt(now) is not null || candidate.Held)
            {
                continue;
            }

            if ((await cases.ClaimAsync(actor, candidate.CaseId, candidate.LastEventN, http.RequestAborted)).IsSuccess)
            {
                return Results.Redirect($"/console/cases/{candidate.CaseId}");
            }
        }

        return Results.Redirect("/console/queue?notice=" + Uri.EscapeDataString("No unclaimed case is waiting in this queue."));
    }

    private static async Task<IResult> Case(HttpContext http, CaseService cases, long id, string? notice, long? reveal, string? post, int? index) =>
        await RenderCaseAsync(http, cases, id, Short(notice), null, StatusCodes.Status200OK, reveal, post, index);

    /// <summary>A blurred preview, rendered on the server in the person's settings; the browser never receives the original bytes.</summary>
    private static async Task<IResult> Preview(HttpContext http, Haven.Wellness.MediaPreviews previews, string? post, int? index)
    {
        if (post is not { Length: > 0 and <= 256 } || index is not >= 0)
        {
            return Results.BadRequest();
        }

        var result = await previews.PreviewAsync(PersonAuthentication.ActorOf(http.User)!, post, index.Value, http.RequestAborted);
        return result.TryGetValue(out var image, out var error)
            ? Results.File(image.Png, "image/png")
            : Results.Problem(statusCode: error is Haven.Wellness.WellnessNotPermitted ? StatusCodes.Status403Forbidden : StatusCodes.Status404NotFound, title: error!.Message);
    }

    /// <summary>Reveals one item for this person: audited, counted against their daily budget, shown once.</summary>
    private static async Task<IResult> Reveal(HttpContext http, CaseService cases, Haven.Wellness.Reveals reveals, long id)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var post = form["post"].ToString();
        if (post is not { Length: > 0 and <= 256 } || !int.TryParse(form["index"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            return await RenderCaseAsync(http, cases, id, null, "Choose a media item to reveal. Nothing was revealed.", StatusCodes.Status400BadRequest);
        }

        if (await cases.FindAsync(id, http.RequestAborted) is null)
        {
            return ConsolePages.Message(http, StatusCodes.Status404NotFound, "No such case", $"Case {id} does not exist.");
        }

        var result = await reveals.RevealAsync(PersonAuthentication.ActorOf(http.User)!, id.ToString(CultureInfo.InvariantCulture), post, index, http.RequestAborted);
        if (!result.TryGetValue(out var outcome, out var error))
        {
            var status = error is Haven.Wellness.RevealBudgetExhausted or Haven.Wellness.WellnessNotPermitted ? StatusCodes.Status403Forbidden : StatusCodes.Status404NotFound;
            return await RenderCaseAsync(http, cases, id, null, error!.Message + " Nothing was revealed.", status);
        }

        return Results.Redirect($"/console/cases/{id}?reveal={outcome.Reveal.Id}&post={Uri.EscapeDataString(post)}&index={index}#media-{index}");
    }

    /// <summary>The revealed image, once, to the person who revealed it, within minutes of the reveal.</summary>
    private static async Task<IResult> Revealed(HttpContext http, Haven.Wellness.Reveals reveals, long? reveal)
    {
        if (reveal is null)
        {
            return Results.BadRequest();
        }

        var result = await reveals.RedeemAsync(reveal.Value, PersonAuthentication.ActorOf(http.User)!, http.RequestAborted);
        return result.TryGetValue(out var image, out _) ? Results.File(image.Png, "image/png") : Results.NotFound();
    }

    /// <summary>Renders the case page (also after a refused action, with its message and status).</summary>
    internal static async Task<IResult> RenderCaseAsync(HttpContext http, CaseService cases, long id, string? notice, string? error, int status, long? reveal = null, string? post = null, int? index = null)
    {
        var actor = PersonAuthentication.ActorOf(http.User)!;
        var detail = await cases.GetAsync(id, http.RequestAborted);
        if (!detail.TryGetValue(out var found, out var missing))
        {
            return ConsolePages.Message(http, StatusCodes.Status404NotFound, "No such case", missing!.Message);
        }

        await cases.TouchAsync(actor, id, http.RequestAborted);
        var viewers = await cases.ViewersAsync(id, actor.Name, http.RequestAborted);
        var now = http.RequestServices.GetRequiredService<HavenStore>().Time.GetUtcNow();
        var view = found.Case;
        var (due, overdue) = CaseViews.Clock(view.DueAt, now);
        var open = view.Status == CaseStatuses.Open;
        var holder = view.HolderAt(now);
        var model = new CaseModel
        {
            CaseId = view.CaseId,
            Subject = $"{view.SubjectKind} {view.SubjectId}",
            Status = open ? "open" : $"closed ({view.Outcome ?? "closed"})",
            IsOpen = open,
            Queue = view.Queue,
            Priority = view.Priority,
            Due = open ? due : "-",
            Overdue = open && overdue,
            Holder = holder is null ? null : view.ClaimUntil is { } until ? $"{holder} (until {until:HH:mm} UTC)" : holder,
            AlsoViewing = [.. viewers.Select(v => v.Person)],
            Flags = CaseViews.Flags(view),
            Network = view.NetworkId,
            Reporters = view.Reporters,
            LastEventN = view.LastEventN,
            Evidence = [.. found.Items.Select(CaseViews.Evidence)],
            Timeline = [.. found.Events.Select(CaseViews.Timeline)],
            Actions = Actions(actor, view, holder, open),
            MayDismiss = open && actor.Role.MayDecide(),
            DismissReasons = CaseService.DismissReasons,
            MayAssign = actor.Role.MayLead() && open,
            Media = await CaseMedia.ListAsync(http.RequestServices.GetRequiredService<HavenStore>(), view, found.Items, actor, reveal, post, index, http.RequestAborted),
            Texts = await http.RequestServices.GetRequiredService<CaseTexts>().ListAsync(view, http.RequestAborted),
            MayConfirm = open && actor.Role.MayDecide() && (view.Queue != CaseQueues.Specialist || actor.Role.MayReveal()),
            ConfirmChoices = open && actor.Role.MayDecide() && (await cases.AllowedActionsAsync(id, http.RequestAborted)).TryGetValue(out var choices, out _)
                ? [.. choices.Select(c => new KeyValuePair<string, string>(c.Action, $"{c.Action.Replace('_', ' ')} → {c.Target}")).DistinctBy(c => c.Key)]
                : [],
            NeedsCategory = found.Items.Any(i => i.Kind == CaseItemKinds.MediaMatch) || view.Queue == CaseQueues.Specialist,
            MayReveal = actor.Role.MayReveal() && open,
            MaySeeMedia = actor.Role.MaySeePreviews(),
            Notice = notice,
            Error = error,
        };
        return ConsolePages.Render<Pages.CasePage>(new { Page = await ConsolePages.ContextAsync(http), Model = model }, status);
    }

    private static List<CaseAction> Actions(Actor actor, CaseView view, string? holder, bool open)
    {
        var actions = new List<CaseAction>();
        if (!actor.Role.MayDecide())
        {
            return actions;
        }

        if (!open)
        {
            if (actor.Role.MayLead())
            {
                actions.Add(new("reopen", "Reopen", null, "secondary"));
            }

            return actions;
        }

        if (holder == actor.Name)
        {
            actions.Add(new("release", "Release", null, "secondary"));
        }
        else
        {
            actions.Add(new("claim", "Claim", "c", "primary"));
        }

        actions.Add(new("escalate", "Escalate to a specialist", "e", "secondary"));
        actions.Add(new("hold", "Hold", null, "secondary"));
        actions.Add(new("ask-lead", "Ask a lead", null, "secondary"));
        if (actor.Role.MayReveal())
        {
            actions.Add(new("request-report", "Request a mandatory report", null, "secondary"));
        }

        if (actor.Role.MayLead())
        {
            actions.Add(new("close", "Close without a decision", null, "danger"));
        }

        return actions;
    }

    private static async Task<IResult> Act(HttpContext http, long id, string action)
    {
        var cases = http.RequestServices.GetRequiredService<CaseService>();
        var actor = PersonAuthentication.ActorOf(http.User)!;
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        long? expected = long.TryParse(form["expectedN"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
        var note = form["note"].ToString() is { Length: > 0 } text ? text : null;
        if (note is { Length: > 2000 })
        {
            return await RenderCaseAsync(http, cases, id, null, "A note has at most 2,000 characters. Nothing was changed.", StatusCodes.Status400BadRequest);
        }

        var ct = http.RequestAborted;
        var result = action switch
        {
            "claim" => await cases.ClaimAsync(actor, id, expected, ct),
            "release" => await cases.ReleaseAsync(actor, id, expected, ct),
            "hold" => await cases.HoldAsync(actor, id, expected, ct),
            "ask-lead" => await cases.AskLeadAsync(actor, id, note, expected, ct),
            "escalate" => await cases.EscalateAsync(actor, id, note, expected, ct),
            "request-report" => await cases.RequestReportAsync(actor, id, expected, ct),
            "dismiss" => await cases.DismissAsync(actor, id, form["reason"].ToString(), note, expected, ct),
            "confirm" => (await cases.ConfirmAsync(actor, id, new CaseConfirmRequest([.. form["action"].Select(a => a ?? string.Empty)], form["category"].ToString() is { Length: > 0 } category ? category : null, note, form["closeRelated"] == "on"), expected, ct)) is var confirmed && confirmed.TryGetValue(out var confirmation, out var refused)
                ? confirmation.Case
                : refused!,
            "assign" => await cases.AssignAsync(actor, id, form["person"].ToString(), expected, ct),
            "close" => await cases.CloseAsync(actor, id, note, expected, ct),
            "reopen" => await cases.ReopenAsync(actor, id, expected, ct),
            _ => throw new InvalidOperationException("Unmapped case action " + action),
        };
        if (!result.TryGetValue(out _, out var error))
        {
            return await RenderCaseAsync(http, cases, id, null, error!.Message + " Nothing was changed.", StatusOf(error));
        }

        var done = action switch
        {
            "claim" => "Claimed: the case is yours until the claim lapses or you release it.",
            "dismiss" => "Dismissed.",
            "confirm" => "Confirmed: the chosen actions are on their way to the platform, and confirmed media now match at once.",
            _ => "Done: " + action.Replace('-', ' ') + ".",
        };
        return Results.Redirect($"/console/cases/{id}?notice={Uri.EscapeDataString(done)}");
    }

    /// <summary>The HTTP status of a refused case action.</summary>
    internal static int StatusOf(CaseError error) => error switch
    {
        CaseNotFound => StatusCodes.Status404NotFound,
        CaseRoleTooLow => StatusCodes.Status403Forbidden,
        CaseRequestInvalid => StatusCodes.Status400BadRequest,
        _ => StatusCodes.Status409Conflict,
    };

    private static string? Short(string? notice) => notice is { Length: <= 300 } ? notice : null;
}
