using Haven.Media;

namespace Haven.Wellness;

/// <summary>
/// Expected failures of the wellness services, returned as values: each has a stable <see cref="Code"/> for the console
/// and the API, and a message a person can act on. Messages carry ids and numbers only, never content.
/// </summary>
internal abstract record WellnessError(string Code, string Message)
{
    public sealed override string ToString() => Message;
}

/// <summary>The acting person's role does not allow this (e.g. a reviewer revealing media, a specialist changing defaults).</summary>
internal sealed record WellnessNotPermitted(string Reason) : WellnessError("not_permitted", Reason);

/// <summary>Settings were refused; <see cref="Problems"/> names every field out of range, and nothing was stored.</summary>
internal sealed record WellnessSettingsInvalid(IReadOnlyList<string> Problems)
    : WellnessError("invalid_settings", "The settings were not saved: " + string.Join("; ", Problems) + ".");

/// <summary>A request argument is unusable (an empty case id, a negative media index, a reversed date range).</summary>
internal sealed record WellnessRequestInvalid(string Reason) : WellnessError("invalid_request", Reason);

/// <summary>Why Haven holds no bytes it may show for a media item.</summary>
internal enum MediaNotHeldReason
{
    /// <summary>No media item with this post id and index has been processed.</summary>
    UnknownItem,
    /// <summary>The platform sent precomputed hashes only: Haven never had the bytes.</summary>
    HashesOnly,
    /// <summary>The platform sent a URL; Haven keeps no fetched bytes and never fetches on a reviewer's behalf.</summary>
    UrlNotKept,
    /// <summary>The event that carried the bytes is no longer in the log.</summary>
    EventMissing,
    /// <summary>The stored event does not hold the item's bytes in the form ingest stored them (a bug or a tampered row).</summary>
    EventUnreadable,
    /// <summary>The stored bytes are larger than the decoding limit.</summary>
    TooManyBytes,
}

/// <summary>Haven holds no bytes to show for this item; the console says so instead of fetching anything.</summary>
internal sealed record MediaNotHeld(string PostId, int MediaIndex, MediaNotHeldReason Reason) : WellnessError(CodeOf(Reason), MessageOf(Reason))
{
    /// <summary>The stable code of <paramref name="reason"/>.</summary>
    public static string CodeOf(MediaNotHeldReason reason) => reason switch
    {
        MediaNotHeldReason.UnknownItem => "unknown_media",
        MediaNotHeldReason.HashesOnly => "hashes_only",
        MediaNotHeldReason.UrlNotKept => "url_not_kept",
        MediaNotHeldReason.EventMissing => "event_missing",
        MediaNotHeldReason.EventUnreadable => "event_unreadable",
        MediaNotHeldReason.TooManyBytes => "too_many_bytes",
        _ => throw new ArgumentOutOfRangeException(nameof(reason)),
    };

    private static string MessageOf(MediaNotHeldReason reason) => reason switch
    {
        MediaNotHeldReason.UnknownItem => "No such media item has been processed.",
        MediaNotHeldReason.HashesOnly => "The platform sent only hashes for this item; Haven holds no image to show.",
        MediaNotHeldReason.UrlNotKept => "The platform sent a link for this item; Haven did not keep the image and does not fetch it for review.",
        MediaNotHeldReason.EventMissing => "The event that carried this item is no longer stored.",
        MediaNotHeldReason.EventUnreadable => "The stored event does not hold this item's bytes as expected.",
        MediaNotHeldReason.TooManyBytes => "The stored item is larger than the decoding limit.",
        _ => throw new ArgumentOutOfRangeException(nameof(reason)),
    };
}

/// <summary>The bytes are held but are no image Haven can show (truncated, a decompression bomb, not an image).</summary>
internal sealed record RenderFailed(MediaError Media) : WellnessError("render_failed", "The image cannot be shown: " + Media.Message)
{
    /// <summary>The decoder's code, e.g. <c>truncated</c> or <c>too_many_pixels</c>.</summary>
    public string MediaCode => Media.Code;
}

/// <summary>The person has used today's reveals; a lead can raise their budget.</summary>
internal sealed record RevealBudgetExhausted(string Person, int RevealsToday, int Budget) : WellnessError(
    "reveal_budget_exhausted",
    $"You have revealed {RevealsToday} of your {Budget} items for today (UTC). Ask a lead if you need to reveal more today.");

/// <summary>No redeemable reveal grant: unknown, another person's, expired or already used (one answer for all, on purpose).</summary>
internal sealed record RevealGrantNotFound(long RevealId) : WellnessError("grant_not_found", "This reveal link is not valid (expired, already used or not yours). Reveal the item again.");
