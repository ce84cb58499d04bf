using Haven.Events;
using Haven.Security;
using Haven.Server.Security;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

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
        v1.MapGet("/events/{id}", FindAsync)
            .WithName("GetEvent")
            .WithSummary("An event's own record: its log position, whether the signals stage has processed it, and each media item's outcome (error code, whether PDQ was computed, bank matches). Ids and codes only, never content.")
            .Produces<EventRecordDto>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .RequireScope(ApiScopes.Read, ApiScopes.Ingest);
        return v1;
    }

    internal static async Task<Results<Ok<EventRecordDto>, ProblemHttpResult>> FindAsync(string id, Haven.Storage.HavenStore store, CancellationToken cancellationToken)
    {
        var record = await EventRecords.FindAsync(store, id, cancellationToken: cancellationToken).ConfigureAwait(false);
        return record is null
            ? Problems.NotFound("event_not_found", "No event with this id is stored (an event refused at ingest is not stored).")
            : TypedResults.Ok(new EventRecordDto(record.Id, record.Seq, record.Type, record.OccurredAt, record.ReceivedAt, record.Actor, record.Processed,
                [.. record.Media.Select(m => new EventMediaDto(m.Index, m.MediaId, m.Source, m.Error?.Split(','), m.PdqComputed, m.Quality, m.BankMatches))]));
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

        var lines = new List<NdjsonLine>();
        var parts = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var usedParts = new HashSet<string>(StringComparer.Ordinal);
        Stream body = context.Request.Body;
        try
        {
            if (MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var type) && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            {
                var (events, problem) = await ReadMultipartAsync(context.Request, type, parts, cancellationToken).ConfigureAwait(false);
                if (problem is not null)
                {
                    return problem;
                }

                body = new MemoryStream(events!);
            }

            using var reader = new NdjsonReader(body, MaxBodyBytes);
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                if (lines.Count == EventLog.MaxBatchLines)
                {
                    return Problems.Create(StatusCodes.Status413PayloadTooLarge, "too_many_lines", "The batch is too large.",
                        $"At most {EventLog.MaxBatchLines:N0} events per request; split the batch. Nothing was stored.");
                }

                lines.Add(line.Text is { } text ? MultipartMedia.Inline(text, parts, usedParts) : line);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge();
        }

        if (lines.All(l => l.Error is null && string.IsNullOrWhiteSpace(l.Text)))
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
            [.. results.Select(r => new IngestLineDto(r.Line, r.Id, r.Status.ToString().ToLowerInvariant(), r.Code, r.Error, r.Seq))]));
    }

    /// <summary>
    /// A multipart batch: the part named <c>events</c> holds the NDJSON; every other part is media that events name with
    /// <c>{"part": "NAME"}</c> (docs/events.md).
    /// </summary>
    private static async Task<(byte[]? Events, ProblemHttpResult? Problem)> ReadMultipartAsync(HttpRequest request, MediaTypeHeaderValue type, Dictionary<string, byte[]> parts, CancellationToken cancellationToken)
    {
        var boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value;
        if (string.IsNullOrEmpty(boundary))
        {
            return (null, Problems.BadRequest("bad_multipart", "A multipart/form-data body needs a boundary."));
        }

        var reader = new MultipartReader(boundary, request.Body) { BodyLengthLimit = MaxBodyBytes };
        byte[]? events = null;
        try
        {
            while (await reader.ReadNextSectionAsync(cancellationToken).ConfigureAwait(false) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || HeaderUtilities.RemoveQuotes(disposition.Name).Value is not { Length: > 0 } name)
                {
                    return (null, Problems.BadRequest("bad_multipart", "Every part needs a Content-Disposition with a name: 'events' for the NDJSON, any other name for media."));
                }

                if (parts.Count >= MaxParts)
                {
                    return (null, Problems.BadRequest("too_many_parts", $"At most {MaxParts:N0} media parts per request."));
                }

                if (name == "events" ? events is not null : parts.ContainsKey(name))
                {
                    return (null, Problems.BadRequest("duplicate_part", $"Two parts are named '{(name.Length <= 64 ? name : name[..64] + "…")}'; part names must be unique (one 'events' part, one part per media name). Nothing was stored."));
                }

                using var buffer = new MemoryStream();
                await section.Body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (name == "events")
                {
                    events = buffer.ToArray();
                }
                else
                {
                    parts[name] = buffer.ToArray();
                }
            }
        }
        catch (Exception e) when (e is (IOException and not BadHttpRequestException) or InvalidDataException && !cancellationToken.IsCancellationRequested)
        {
            // The reader throws on a body that ends inside a part, a missing closing boundary, over-long headers or a
            // body over its limit: all of them the client's to fix, none a server fault.
            return (null, Problems.BadRequest("bad_multipart", "The multipart/form-data body is malformed or truncated (it must end with the closing boundary '--" + "<boundary>--'). Nothing was stored."));
        }

        return events is null
            ? (null, Problems.BadRequest("missing_events_part", "A multipart batch needs a part named 'events' holding the NDJSON events; media parts are named by events as {\"part\": \"NAME\"}."))
            : (events, null);
    }

    /// <summary>Most media parts in one multipart batch.</summary>
    public const int MaxParts = 10_000;

    private static ProblemHttpResult TooLarge() => Problems.Create(
        StatusCodes.Status413PayloadTooLarge, "too_many_bytes", "The batch is too large.",
        $"At most {MaxBodyBytes / (1024 * 1024)} MB per request; split the batch or send media by URL. Nothing was stored.");
}

/// <summary>One media item's outcome: <c>errors</c> holds stable codes (e.g. <c>truncated</c>, <c>host_not_allowed</c>, <c>invalid_pdq</c>).</summary>
internal sealed record EventMediaDto(int Index, string? Id, string Source, IReadOnlyList<string>? Errors, bool PdqComputed, int? Quality, long BankMatches);

/// <summary>Answer of <c>GET /v1/events/{id}</c>.</summary>
internal sealed record EventRecordDto(string Id, long Seq, string Type, DateTimeOffset OccurredAt, DateTimeOffset ReceivedAt, string Actor, bool Processed, IReadOnlyList<EventMediaDto> Media);

/// <summary>Answer of <c>POST /v1/events</c>: a summary and one result per line, in order.</summary>
internal sealed record IngestResponse(IngestSummary Summary, IReadOnlyList<IngestLineDto> Results);

/// <summary>One line's outcome: <c>accepted</c>, <c>duplicate</c>, <c>conflict</c> or <c>error</c>.</summary>
/// <param name="Code">For errors and conflicts, a stable code (docs/events.md): <c>malformed_json</c>, <c>invalid_text</c>, <c>time_out_of_range</c>, …</param>
internal sealed record IngestLineDto(long Line, string? Id, string Status, string? Code, string? Error, long? Seq);
