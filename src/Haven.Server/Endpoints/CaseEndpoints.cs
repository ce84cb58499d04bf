using System.Globalization;
using Haven.Cases;
using Haven.People;
using Haven.Security;
using Haven.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Haven.Server.Endpoints;

/// <summary>
/// <c>/v1/cases</c>: the review queue for platforms that build their own review UI (docs/cases.md). Reading needs the
/// <c>read</c> or <c>review</c> scope; deciding needs <c>review</c>, and names the reviewer: an active person whose role
/// is what is checked (a key never decides on its own). Reporter ids are never in an answer.
/// </summary>
internal static class CaseEndpoints
{
    public static RouteGroupBuilder MapCaseEndpoints(this RouteGroupBuilder v1)
    {
        var cases = v1.MapGroup("/cases").WithTags("Cases");
        cases.MapGet("/", ListAsync)
            .WithName("ListCases")
            .WithSummary("The queue: highest score first, then due first; keyset pages (pass `next` as `after`).")
            .Produces<CaseListResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .RequireScope(ApiScopes.Read, ApiScopes.Review);
        cases.MapGet("/{id}", GetAsync)
            .WithName("GetCase")
            .WithSummary("A case with its items, its event log and the actions a reviewer may choose.")
            .Produces<CaseResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .RequireScope(ApiScopes.Read, ApiScopes.Review);
        cases.MapPost("/{id}/decision", DecideAsync)
            .WithName("DecideCase")
            .WithSummary("Confirm, dismiss or escalate a case as a named reviewer.")
            .WithDescription("confirm: `actions` from the case's `allowedActions`, `category` (A1, A2, B1, B2) when the case has media; dismiss: `reason`; escalate. Send `expectedN` (the case's `lastEventN`) so a stale page or a second submission changes nothing (409).")
            .Produces<CaseView>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .RequireScope(ApiScopes.Review);
        return v1;
    }

    internal static async Task<Results<Ok<CaseListResponse>, ProblemHttpResult>> ListAsync(
        CaseService service, string? queue, string? status, string? assignee, string? subjectKind, string? rule, string? network, string? qa, int? limit, string? after,
        CancellationToken cancellationToken)
    {
        var result = await service.ListAsync(new CaseQuery
        {
            Queue = queue,
            Status = status ?? CaseStatuses.Open,
            Assignee = assignee,
            SubjectKind = subjectKind,
            Rule = rule,
            Network = network,
            QaState = qa,
            Limit = limit ?? 50,
            After = after,
        }, cancellationToken).ConfigureAwait(false);
        return result.TryGetValue(out var page, out var error) ? TypedResults.Ok(new CaseListResponse(page.Cases, page.Next)) : Problems.Case(error!);
    }

    internal static async Task<Results<Ok<CaseResponse>, ProblemHttpResult>> GetAsync(CaseService service, string id, CancellationToken cancellationToken)
    {
        if (!TryId(id, out var caseId))
        {
            return Problems.Case(new CaseNotFound(0));
        }

        var result = await service.GetAsync(caseId, cancellationToken).ConfigureAwait(false);
        if (!result.TryGetValue(out var detail, out var error))
        {
            return Problems.Case(error!);
        }

        var allowed = await service.AllowedActionsAsync(caseId, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new CaseResponse(
            detail.Case,
            [.. detail.Items.Select(i => new CaseItemDto(i.ItemId, i.Kind, i.RuleId, System.Text.Json.JsonDocument.Parse(i.Body).RootElement.Clone(), i.AddedAt))],
            [.. detail.Events.Select(e => new CaseEventDto(e.N, e.Kind, e.Actor, DateTimeOffset.FromUnixTimeMilliseconds(e.At), e.Data with { Reporter = null, Note = null }))],
            allowed.IsSuccess ? allowed.Value : []));
    }

    internal static async Task<Results<Ok<CaseView>, ProblemHttpResult>> DecideAsync(
        CaseService service, PeopleService people, string id, CaseDecisionDto body, CancellationToken cancellationToken)
    {
        if (!TryId(id, out var caseId))
        {
            return Problems.Case(new CaseNotFound(0));
        }

        if (string.IsNullOrWhiteSpace(body.Reviewer) || PeopleService.NameProblem(body.Reviewer) is not null
            || await people.FindActiveAsync(body.Reviewer, cancellationToken).ConfigureAwait(false) is not { } reviewer)
        {
            return Problems.Create(StatusCodes.Status403Forbidden, "reviewer_not_active", "Forbidden.", "reviewer must name an active person (haven user list); their role is what is checked.");
        }

        var result = await service.DecideAsync(reviewer, caseId, new CaseDecisionRequest(
            body.Decision ?? string.Empty, body.Actions, body.Category, body.Reason, body.Note, body.ExpectedN, body.CloseRelated ?? false), cancellationToken).ConfigureAwait(false);
        return result.TryGetValue(out var view, out var error) ? TypedResults.Ok(view) : Problems.Case(error!);
    }

    private static bool TryId(string id, out long caseId) =>
        long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out caseId) && caseId > 0;
}

/// <summary>A page of the queue and the cursor of the next (null on the last page).</summary>
internal sealed record CaseListResponse(IReadOnlyList<CaseView> Cases, string? Next);

/// <summary>One item of a case: its structured JSON body as an object.</summary>
internal sealed record CaseItemDto(string ItemId, string Kind, string? RuleId, System.Text.Json.JsonElement Body, DateTimeOffset AddedAt);

/// <summary>One event of a case's log (reporter ids and notes left out).</summary>
internal sealed record CaseEventDto(long N, string Kind, string Actor, DateTimeOffset At, CaseEventData Data);

/// <summary>Answer of <c>GET /v1/cases/{id}</c>.</summary>
internal sealed record CaseResponse(CaseView Case, IReadOnlyList<CaseItemDto> Items, IReadOnlyList<CaseEventDto> Events, IReadOnlyList<CaseActionChoice> AllowedActions);

/// <summary>Body of <c>POST /v1/cases/{id}/decision</c>.</summary>
/// <param name="Decision"><c>confirm</c>, <c>dismiss</c> or <c>escalate</c>.</param>
/// <param name="Reviewer">The active person deciding.</param>
/// <param name="Actions">confirm: platform actions from the case's <c>allowedActions</c>.</param>
/// <param name="Category">confirm: the media's category (A1, A2, B1, B2), required when the case has media.</param>
/// <param name="Reason">dismiss: not_violating, insufficient_evidence, duplicate, wrong_subject or other.</param>
/// <param name="Note">A note kept in the case log.</param>
/// <param name="ExpectedN">The case's <c>lastEventN</c> the decision was made from.</param>
/// <param name="CloseRelated">confirm: also close the subject account's other open cases as handled.</param>
internal sealed record CaseDecisionDto(string? Decision, string? Reviewer, IReadOnlyList<string>? Actions, string? Category, string? Reason, string? Note, long? ExpectedN, bool? CloseRelated);
