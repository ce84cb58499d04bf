namespace Haven.Events;

/// <summary>
/// What ingest accepts beyond the shape of the contract: how far event times may lie from the server's clock, and how
/// large one media item may be. Enforced per line, so one bad event never costs the rest of its batch.
/// </summary>
internal sealed record EventLimits
{
    /// <summary>The default floor for <c>occurredAt</c>: before it no platform of this kind existed.</summary>
    public static readonly DateTimeOffset DefaultOldest = new(1990, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The defaults: one day of clock skew, times from 1990 on, media up to <see cref="Media.MediaLimits.DefaultMaxBytes"/>.</summary>
    public static EventLimits Default { get; } = new();

    /// <summary>How far ahead of the server's clock an event time may be (clock skew between platform and Haven).</summary>
    public TimeSpan MaxFutureSkew { get; init; } = TimeSpan.FromDays(1);

    /// <summary>The earliest event time accepted.</summary>
    public DateTimeOffset Oldest { get; init; } = DefaultOldest;

    /// <summary>Largest media item, decoded, whether sent as base64 <c>bytes</c> or as a multipart part.</summary>
    public long MaxMediaBytes { get; init; } = Media.MediaLimits.DefaultMaxBytes;

    /// <summary>Why these limits cannot work, or null.</summary>
    public string? Validate() =>
        MaxFutureSkew < TimeSpan.Zero || MaxFutureSkew > TimeSpan.FromDays(3650) ? "the future skew must be between 0 and 3650 days"
        : MaxMediaBytes <= 0 ? "the media byte limit must be positive"
        : null;
}

/// <summary>Why one line of a batch was refused: a stable <see cref="Code"/> and a message that says what to change.</summary>
/// <param name="Code">
/// <c>invalid_utf8</c>, <c>malformed_json</c>, <c>invalid_text</c> (a string that is not valid Unicode, e.g. a lone
/// surrogate escape), <c>duplicate_key</c>, <c>not_an_object</c>, <c>missing_field</c>, <c>invalid_field</c>,
/// <c>unknown_type</c>, <c>invalid_time</c>, <c>time_out_of_range</c>, <c>too_many_bytes</c>, <c>unknown_part</c>,
/// <c>line_too_long</c>; <c>conflict</c> for an id already used by different content.
/// </param>
internal sealed record LineError(string Code, string Message)
{
    /// <summary>The codes a line can be refused with (docs/events.md).</summary>
    public static IReadOnlyList<string> Codes { get; } =
    [
        "invalid_utf8", "malformed_json", "invalid_text", "duplicate_key", "not_an_object", "missing_field", "invalid_field",
        "unknown_type", "invalid_time", "time_out_of_range", "too_many_bytes", "unknown_part", "line_too_long", "conflict",
    ];

    public override string ToString() => $"{Code}: {Message}";
}
