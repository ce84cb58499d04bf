using System.Text.Json;

namespace Haven.Server.Endpoints;

/// <summary>
/// Gives every error answer Haven's stable <c>code</c>, including those the framework writes itself (body binding,
/// unmatched routes, wrong methods or content types, unhandled exceptions); answers that already carry a code keep it.
/// </summary>
internal static partial class ProblemCodes
{
    /// <summary>The <see cref="ProblemDetailsOptions.CustomizeProblemDetails"/> hook.</summary>
    public static void Customize(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        problem.Extensions.Remove("exception");
        if (problem.Extensions.ContainsKey("code"))
        {
            return;
        }

        var status = problem.Status ?? context.HttpContext.Response.StatusCode;
        var (code, detail) = (context.Exception, status) switch
        {
            (BadHttpRequestException { InnerException: JsonException json }, _) =>
                ("invalid_json", $"The JSON body does not fit this endpoint ({Describe(json)}); see its schema in /openapi/v1.json."),
            (BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge }, _) =>
                ("too_many_bytes", "The request body is larger than this endpoint accepts."),
            (BadHttpRequestException bad, _) => ("invalid_request", bad.Message),
            (_, StatusCodes.Status404NotFound) => ("not_found", "Nothing is at this path; the API is listed in /openapi/v1.json."),
            (_, StatusCodes.Status405MethodNotAllowed) => ("method_not_allowed", "This path does not take this HTTP method; see /openapi/v1.json."),
            (_, StatusCodes.Status415UnsupportedMediaType) => ("unsupported_media_type",
                $"This endpoint does not take Content-Type '{context.HttpContext.Request.ContentType}'; the types it takes are under its requestBody in /openapi/v1.json."),
            (_, StatusCodes.Status413PayloadTooLarge) => ("too_many_bytes", "The request body is larger than this endpoint accepts."),
            (_, >= 500) => ("internal_error", "Haven failed to answer this request; nothing is known to have been stored. Quote the traceId when reporting it."),
            _ => ($"http_{status}", problem.Detail ?? problem.Title ?? "The request failed."),
        };
        problem.Extensions["code"] = code;
        problem.Detail = detail;
        problem.Type = $"https://haven.invalid/problems/{code}";
    }

    /// <summary>Where the JSON went wrong, without echoing any of its content.</summary>
    private static string Describe(JsonException json) =>
        json.Path is { Length: > 0 } path
            ? $"at {path}, line {json.LineNumber + 1}, byte {json.BytePositionInLine}"
            : $"line {json.LineNumber + 1}, byte {json.BytePositionInLine}";
}
