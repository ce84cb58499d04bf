using Haven.Media;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Haven.Server.Endpoints;

/// <summary>The one place expected failures become ProblemDetails (RFC 9457) with a stable <c>code</c> extension.</summary>
internal static class Problems
{
    public static ProblemHttpResult Create(int status, string code, string title, string detail, IDictionary<string, object?>? extensions = null)
    {
        var ext = new Dictionary<string, object?>(extensions ?? new Dictionary<string, object?>()) { ["code"] = code };
        return TypedResults.Problem(detail: detail, statusCode: status, title: title, type: $"https://haven.invalid/problems/{code}", extensions: ext);
    }

    public static ProblemHttpResult BadRequest(string code, string detail, IDictionary<string, object?>? extensions = null) =>
        Create(StatusCodes.Status400BadRequest, code, "The request is not valid.", detail, extensions);

    public static ProblemHttpResult NotFound(string code, string detail) =>
        Create(StatusCodes.Status404NotFound, code, "Not found.", detail);

    public static ProblemHttpResult Conflict(string code, string detail) =>
        Create(StatusCodes.Status409Conflict, code, "Conflict.", detail);

    /// <summary>
    /// Maps a case error: 404 for a missing case; 403 when the reviewer's role is too low; 409 for a closed case, one
    /// already open, a claim by someone else or a stale version; 400 for anything malformed or not allowed. The code is
    /// the error's own (<see cref="Haven.Cases.CaseError.Code"/>).
    /// </summary>
    public static ProblemHttpResult Case(Haven.Cases.CaseError error) => error switch
    {
        Haven.Cases.CaseNotFound => NotFound(error.Code, error.Message),
        Haven.Cases.CaseRoleTooLow => Create(StatusCodes.Status403Forbidden, error.Code, "Forbidden.", error.Message),
        Haven.Cases.CaseClosed or Haven.Cases.CaseAlreadyOpen or Haven.Cases.CaseClaimedByOther or Haven.Cases.CaseVersionConflict => Conflict(error.Code, error.Message),
        _ => BadRequest(error.Code, error.Message),
    };

    /// <summary>503 <c>busy</c>: the work would wait too long for capacity; the caller sets Retry-After.</summary>
    public static ProblemHttpResult Busy(string detail) =>
        Create(StatusCodes.Status503ServiceUnavailable, "busy", "Busy; retry later.", detail);

    /// <summary>Maps a media error: 413 for size, 415 for what is not a (supported) image, 422 for broken images.</summary>
    public static ProblemHttpResult Media(MediaError error, IDictionary<string, object?>? extensions = null) => error.Kind switch
    {
        MediaErrorKind.TooManyBytes => Create(StatusCodes.Status413PayloadTooLarge, error.Code, "The media is too large.", error.Message, extensions),
        MediaErrorKind.TooManyPixels => Create(StatusCodes.Status413PayloadTooLarge, error.Code, "The image has too many pixels.", error.Message, extensions),
        MediaErrorKind.NotAnImage => Create(StatusCodes.Status415UnsupportedMediaType, error.Code, "The body is not an image.", error.Message, extensions),
        MediaErrorKind.UnsupportedFormat => Create(StatusCodes.Status415UnsupportedMediaType, error.Code, "The image format is not supported.", error.Message, extensions),
        MediaErrorKind.Truncated => Create(StatusCodes.Status422UnprocessableEntity, error.Code, "The image is truncated.", error.Message, extensions),
        MediaErrorKind.Corrupt => Create(StatusCodes.Status422UnprocessableEntity, error.Code, "The image is corrupt.", error.Message, extensions),
        _ => Create(StatusCodes.Status400BadRequest, error.Code, "The media cannot be used.", error.Message, extensions),
    };
}
