using Haven.Banks;
using Haven.Kernels.Hamming;
using Haven.Matching;
using Haven.Media;
using Haven.Security;
using Haven.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Haven.Server.Endpoints;

/// <summary><c>POST /v1/media/match</c> and <c>POST /v1/hashes/lookup</c>.</summary>
internal static class MatchEndpoints
{
    /// <summary>Largest number of hashes in one lookup request.</summary>
    public const int MaxLookupHashes = 10_000;

    public static RouteGroupBuilder MapMatchEndpoints(this RouteGroupBuilder v1)
    {
        v1.MapPost("/media/match", MatchMediaAsync)
            .WithName("MatchMedia")
            .WithSummary("Hash an image (MD5, SHA-256, PDQ) and match it against every enabled bank.")
            .WithDescription("Send the image bytes as the body (any content type). Query: threshold (0..63, default 31), dihedral (also query the 8 rotated/flipped PDQ hashes), bank (only this bank).")
            // Any content type: the bytes decide what the media is, and a wrong guess gets a ProblemDetails, not a bare 415.
            .Accepts<byte[]>("*/*")
            .Produces<MediaMatchResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .RequireScope(ApiScopes.Match);
        v1.MapPost("/hashes/lookup", Lookup)
            .WithName("LookupHashes")
            .WithSummary("Look up PDQ, MD5 or SHA-256 hashes in every enabled bank.")
            .Produces<LookupResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .RequireScope(ApiScopes.Match);
        return v1;
    }

    internal static async Task<Results<Ok<MediaMatchResponse>, ProblemHttpResult>> MatchMediaAsync(
        HttpRequest request, MatchIndexHolder holder, MediaHasher hasher, MediaAdmission admission,
        int? threshold, bool? dihedral, string? bank, CancellationToken cancellationToken)
    {
        var options = new MatchOptions(threshold ?? PdqIndex.DefaultThreshold, dihedral ?? false, bank);
        if (options.Validate() is { } invalid)
        {
            return Problems.BadRequest("invalid_option", invalid);
        }

        var limit = hasher.Limits.MaxBytes;
        if (request.ContentLength > limit)
        {
            return Problems.Media(ImageDecoder.TooManyBytes(request.ContentLength.Value, limit));
        }

        // Memory on this path stays bounded under any mix of requests: bodies buffered at once are capped, and the
        // decode waits for the process-wide budget; either wait past the limit answers busy rather than queueing forever.
        using var bodySlot = await admission.EnterBodyAsync(cancellationToken).ConfigureAwait(false);
        if (bodySlot is null)
        {
            return Busy(request, admission);
        }

        using var buffer = new MemoryStream(request.ContentLength is { } length ? (int)length : 64 * 1024);
        var (exact, received, tooLarge) = await ExactHashes.ComputeAsync(request.Body, limit, buffer, cancellationToken).ConfigureAwait(false);
        if (tooLarge is not null)
        {
            return Problems.Media(tooLarge);
        }

        if (received == 0)
        {
            return Problems.BadRequest("empty", "The body is empty: send the image bytes as the request body.");
        }

        var body = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        MediaSignals signals;
        using (var lease = await admission.AcquireDecodeAsync(hasher.Estimate(body.Span).WorkingBytes, cancellationToken).ConfigureAwait(false))
        {
            if (lease is null)
            {
                return Busy(request, admission);
            }

            signals = hasher.Hash(body.Span, exact!.Value);
        }

        var match = MediaMatcher.Match(holder.Current, signals, options);
        if (signals.DecodeError is { } error)
        {
            // The bytes may still be a known file: say what exact hashes matched alongside the problem.
            return Problems.Media(error, new Dictionary<string, object?>
            {
                ["md5"] = signals.Exact.Md5,
                ["sha256"] = signals.Exact.Sha256,
                ["hits"] = match.Hits.Select(HitDto.From).ToArray(),
            });
        }

        return TypedResults.Ok(MediaMatchResponse.From(signals, match, options.QualityGate));
    }

    private static ProblemHttpResult Busy(HttpRequest request, MediaAdmission admission)
    {
        request.HttpContext.Response.Headers.RetryAfter = admission.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Problems.Busy("Haven is decoding as much media as its memory budget allows; retry after the Retry-After seconds.");
    }

    internal static Results<Ok<LookupResponse>, ProblemHttpResult> Lookup(LookupRequest body, MatchIndexHolder holder)
    {
        if (body.Hashes is null || body.Hashes.Count == 0)
        {
            return Problems.BadRequest("no_hashes", "Give at least one hash in \"hashes\": PDQ (64 hex), MD5 (32 hex), or typed as \"sha256:<64 hex>\".");
        }

        if (body.Hashes.Count > MaxLookupHashes)
        {
            return Problems.BadRequest("too_many_hashes", $"At most {MaxLookupHashes:N0} hashes per request; got {body.Hashes.Count:N0}. Split the request.");
        }

        var options = new MatchOptions(body.Threshold ?? PdqIndex.DefaultThreshold, false, body.Bank);
        if (options.Validate() is { } invalid)
        {
            return Problems.BadRequest("invalid_option", invalid);
        }

        var errors = new List<object>();
        var queries = new List<HashQuery>(body.Hashes.Count);
        for (var i = 0; i < body.Hashes.Count; i++)
        {
            if (HashQuery.TryParse(body.Hashes[i], out var query, out var message))
            {
                queries.Add(query);
            }
            else
            {
                errors.Add(new { index = i, error = message });
            }
        }

        if (errors.Count > 0)
        {
            return Problems.BadRequest("invalid_hashes", $"{errors.Count} of {body.Hashes.Count} hashes are not valid; nothing was looked up.", new Dictionary<string, object?> { ["errors"] = errors });
        }

        var index = holder.Current;
        var results = queries.Select(q => new LookupResult(q.Text, q.Lookup(index, options).Select(HitDto.From).ToArray())).ToArray();
        return TypedResults.Ok(new LookupResponse(results, index.Version));
    }
}

/// <summary>Body of <c>POST /v1/hashes/lookup</c>.</summary>
/// <param name="Hashes">Hashes: bare hex (32 → MD5, 64 → PDQ and SHA-256) or prefixed <c>pdq:</c>/<c>md5:</c>/<c>sha256:</c>.</param>
/// <param name="Threshold">PDQ Hamming threshold 0..63 (default 31).</param>
/// <param name="Bank">Only this bank.</param>
internal sealed record LookupRequest(IReadOnlyList<string>? Hashes, int? Threshold, string? Bank);

/// <summary>Hits per query hash, in request order.</summary>
internal sealed record LookupResponse(IReadOnlyList<LookupResult> Results, long IndexVersion);

/// <summary>One query's hits.</summary>
internal sealed record LookupResult(string Hash, IReadOnlyList<HitDto> Hits);

/// <summary>A bank entry that matched.</summary>
internal sealed record HitDto(string Bank, long EntryId, string SignalType, string? Category, string? ExternalId, int Distance, string Variant)
{
    public static HitDto From(MatchHit hit) => new(hit.Bank, hit.EntryId, hit.SignalType.Name(), hit.Category, hit.ExternalId, hit.Distance, hit.Variant);
}

/// <summary>Answer of <c>POST /v1/media/match</c>.</summary>
/// <param name="PdqChecked">False when the image's PDQ quality is below the gate (or it is degenerate): only exact hashes were matched.</param>
internal sealed record MediaMatchResponse(
    string Md5, string Sha256, string? Pdq, int Quality, IReadOnlyList<string>? Dihedral,
    int Width, int Height, string? Format, string Pipeline, bool PdqChecked, int QualityGate,
    IReadOnlyList<HitDto> Hits, long IndexVersion)
{
    public static MediaMatchResponse From(MediaSignals s, MediaMatch match, int qualityGate) => new(
        s.Exact.Md5, s.Exact.Sha256, s.Pdq?.ToString(), s.Quality,
        s.Dihedral.Length == 8 ? [.. s.Dihedral.Select(h => h.ToString())] : null,
        s.Width, s.Height, s.Format, s.Pipeline, match.PdqChecked, qualityGate,
        [.. match.Hits.Select(HitDto.From)], match.IndexVersion);
}
