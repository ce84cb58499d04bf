using System.Globalization;
using System.Text;
using System.Text.Json;
using Haven.Events;
using Haven.Security;
using Haven.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Haven.Server.Endpoints;

/// <summary>
/// <c>POST /v1/appeals</c>: an appeal for platforms that prefer a call to an event. The body becomes an
/// <c>appeal.created</c> event and goes through the event log's ingest, the same parser and the same idempotency as
/// <c>POST /v1/events</c>, so both paths are one (docs/appeals.md).
/// </summary>
internal static class AppealEndpoints
{
    /// <summary>Largest body accepted: an appeal is ids and at most 100,000 characters of text.</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    /// <summary>Maps the appeal endpoints on <paramref name="v1"/>.</summary>
    public static RouteGroupBuilder MapAppealEndpoints(this RouteGroupBuilder v1)
    {
        v1.MapPost("/appeals", CreateAsync)
            .WithName("CreateAppeal")
            .WithSummary("Appeal a decision or an action: stored as an appeal.created event and answered with its log position.")
            .WithDescription("Body: {\"actor\": the appealing account, \"appeal\": {\"id\", \"decisionId\" | \"actionId\", \"reason\", \"text\"}, \"id\": the event id (default appeal:APPEAL_ID), \"occurredAt\" (default now)}. The same body again answers duplicate with the same position. Whether the appeal is admissible is decided when the event is processed (GET /v1/events/{id}).")
            .Accepts<AppealCreateRequest>("application/json")
            .Produces<AppealCreatedResponse>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .RequireScope(ApiScopes.Ingest);
        return v1;
    }

    internal static async Task<Results<Accepted<AppealCreatedResponse>, ProblemHttpResult>> CreateAsync(HttpContext context, EventLog log, Haven.Storage.HavenStore store, CancellationToken cancellationToken)
    {
        if (context.Request.ContentLength > MaxBodyBytes)
        {
            return TooLarge();
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return TooLarge();
            }

            buffer.Write(chunk, 0, read);
        }

        string body;
        try
        {
            body = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
        catch (DecoderFallbackException)
        {
            return Problems.BadRequest("invalid_utf8", "The body is not valid UTF-8. Nothing was stored.");
        }

        if (ToEventLine(body, store.Time.GetUtcNow()) is not { } line)
        {
            return Problems.BadRequest("invalid_json", "The body must be one JSON object: {\"actor\": …, \"appeal\": {\"id\": …, \"decisionId\" or \"actionId\": …}}, without \"type\" (it is appeal.created). Nothing was stored.");
        }

        var result = (await log.IngestAsync([line], 1, cancellationToken).ConfigureAwait(false))[0];
        switch (result.Status)
        {
            case IngestStatus.Accepted or IngestStatus.Duplicate:
                if (result.Status == IngestStatus.Accepted)
                {
                    context.RequestServices.GetService<ProcessorService>()?.Nudge();
                }

                return TypedResults.Accepted((string?)null, new AppealCreatedResponse(result.Id!, result.Seq!.Value, result.Status.ToString().ToLowerInvariant()));
            case IngestStatus.Conflict:
                return Problems.Conflict("conflict", "An event with this id and different content is already stored; the first was kept. Use another event id.");
            default:
                return Problems.BadRequest(result.Code ?? "invalid_field", (result.Error ?? "The appeal is not valid.") + " Nothing was stored.");
        }
    }

    /// <summary>
    /// The body as one NDJSON line of type <c>appeal.created</c>, with <c>id</c> (default <c>appeal:APPEAL_ID</c>) and
    /// <c>occurredAt</c> (default <paramref name="now"/>) filled in when absent; null when the body is no JSON object or
    /// carries a <c>type</c>. The body's own bytes are kept (the parser validates them as it does every line), only
    /// line breaks between tokens become spaces (JSON strings cannot hold a raw line break).
    /// </summary>
    internal static string? ToEventLine(string body, DateTimeOffset now)
    {
        string? appealId = null;
        bool hasId, hasTime;
        try
        {
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 16 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || root.TryGetProperty("type", out _))
            {
                return null;
            }

            hasId = root.TryGetProperty("id", out _);
            hasTime = root.TryGetProperty("occurredAt", out _);
            if (root.TryGetProperty("appeal", out var appeal) && appeal.ValueKind == JsonValueKind.Object &&
                appeal.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String)
            {
                appealId = id.GetString();
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null;
        }

        var prefix = new StringBuilder("{\"type\":\"").Append(EventTypes.AppealCreated).Append('"');
        if (!hasId && appealId is not null)
        {
            prefix.Append(",\"id\":").Append(JsonSerializer.Serialize("appeal:" + appealId));
        }

        if (!hasTime)
        {
            prefix.Append(",\"occurredAt\":\"").Append(now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)).Append('"');
        }

        var rest = body.Trim()[1..].TrimStart();
        var line = prefix.Append(rest.StartsWith('}') ? string.Empty : ",").Append(rest).ToString();
        return line.Replace('\r', ' ').Replace('\n', ' ');
    }

    private static ProblemHttpResult TooLarge() => Problems.Create(
        StatusCodes.Status413PayloadTooLarge, "too_many_bytes", "The appeal is too large.", $"At most {MaxBodyBytes / 1024} KB per appeal. Nothing was stored.");
}

/// <summary>The body of <c>POST /v1/appeals</c> (for the OpenAPI document; the endpoint reads the raw JSON).</summary>
/// <param name="Id">The event id; default <c>appeal:APPEAL_ID</c>.</param>
/// <param name="OccurredAt">When the account appealed (RFC 3339); default now.</param>
/// <param name="Actor">The appealing account.</param>
internal sealed record AppealCreateRequest(string? Id, string? OccurredAt, string Actor, AppealBody Appeal);

/// <summary>The <c>appeal</c> object: exactly one of <paramref name="DecisionId"/> and <paramref name="ActionId"/>.</summary>
internal sealed record AppealBody(string Id, string? DecisionId, string? ActionId, string? Reason, string? Text);

/// <summary>Answer of <c>POST /v1/appeals</c>: the event id, its log position, and <c>accepted</c> or <c>duplicate</c>.</summary>
internal sealed record AppealCreatedResponse(string Id, long Seq, string Status);
