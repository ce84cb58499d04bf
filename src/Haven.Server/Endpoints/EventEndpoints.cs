using System.Text;
using Haven.Events;
using Haven.Security;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Haven.Server.Endpoints;

/// <summary><c>POST /v1/events</c>: an NDJSON batch of platform events, answered line by line.</summary>
internal static class EventEndpoints
{
    /// <summary>Largest NDJSON body accepted (media may travel inline as base64).</summary>
    public const long MaxBodyBytes = 256L * 1024 * 1024;

    public static RouteGroupBuilder MapEventEndpoints(this RouteGroupBuilder v1)
    {
        v1.MapPost("/events", IngestAsync)
            .WithName("IngestEvents")
            .WithSummary("Ingest platform events (NDJSON, one event per line, at most 10,000 lines).")
            .WithDescription("Each line is answered: accepted (stored durably now), duplicate (same id and bytes already stored), conflict (same id, different content: the first is kept) or error (with what is wrong). Bad lines never cost the good ones. The answer is sent only after the batch is committed.")
            .Accepts<string>("*/*")
            .Produces<IngestResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .RequireScope(ApiScopes.Ingest);
        return v1;
    }

    internal static async Task<Results<Ok<IngestResponse>, ProblemHttpResult>> IngestAsync(HttpContext context, EventLog log, CancellationToken cancellationToken)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = MaxBodyBytes;
        }

        if (context.Request.ContentLength > MaxBodyBytes)
        {
            return TooLarge();
        }

        var lines = new List<string>();
        try
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                if (lines.Count == EventLog.MaxBatchLines)
                {
                    return Problems.Create(StatusCodes.Status413PayloadTooLarge, "too_many_lines", "The batch is too large.",
                        $"At most {EventLog.MaxBatchLines:N0} events per request; split the batch. Nothing was stored.");
                }

                lines.Add(line);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge();
        }

        if (lines.All(string.IsNullOrWhiteSpace))
        {
            return Problems.BadRequest("empty", "The body holds no events: send one JSON event per line (NDJSON).");
        }

        var results = await log.IngestAsync(lines, 1, cancellationToken).ConfigureAwait(false);
        if (results.Any(r => r.Status == IngestStatus.Accepted))
        {
            context.RequestServices.GetService<ProcessorService>()?.Nudge();
        }

        return TypedResults.Ok(new IngestResponse(
            IngestSummary.Of(results),
            [.. results.Select(r => new IngestLineDto(r.Line, r.Id, r.Status.ToString().ToLowerInvariant(), r.Error, r.Seq))]));
    }

    private static ProblemHttpResult TooLarge() => Problems.Create(
        StatusCodes.Status413PayloadTooLarge, "too_many_bytes", "The batch is too large.",
        $"At most {MaxBodyBytes / (1024 * 1024)} MB per request; split the batch or send media by URL. Nothing was stored.");
}

/// <summary>Answer of <c>POST /v1/events</c>: a summary and one result per line, in order.</summary>
internal sealed record IngestResponse(IngestSummary Summary, IReadOnlyList<IngestLineDto> Results);

/// <summary>One line's outcome: <c>accepted</c>, <c>duplicate</c>, <c>conflict</c> or <c>error</c>.</summary>
internal sealed record IngestLineDto(long Line, string? Id, string Status, string? Error, long? Seq);
