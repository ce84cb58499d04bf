namespace Haven.Enforcement;

/// <summary>How the outbox reacts to one delivery attempt's outcome.</summary>
internal enum DeliveryVerdict
{
    /// <summary>2xx: done.</summary>
    Delivered,

    /// <summary>Worth another try later: 5xx, 408, 429, network error, timeout.</summary>
    Transient,

    /// <summary>Will fail the same way every time: any other status (4xx; 3xx as redirects are not followed).</summary>
    Permanent,
}

/// <summary>Retry classification and backoff of the outbox.</summary>
internal static class RetryPolicy
{
    /// <summary>The verdict for an HTTP status code.</summary>
    public static DeliveryVerdict Classify(int statusCode) => statusCode switch
    {
        >= 200 and <= 299 => DeliveryVerdict.Delivered,
        408 or 429 => DeliveryVerdict.Transient,
        >= 500 and <= 599 => DeliveryVerdict.Transient,
        _ => DeliveryVerdict.Permanent,
    };

    /// <summary>
    /// Delay before the attempt after failed attempt number <paramref name="attempt"/> (1-based): exponential
    /// <c>d = min(max, base · 2^(attempt−1))</c> with "equal jitter", a uniform pick in <c>[d/2, d]</c>, so retries from
    /// many rows spread out while the delay still grows and never exceeds <paramref name="max"/>.
    /// </summary>
    /// <param name="jitter">A uniform draw in [0, 1).</param>
    public static TimeSpan Backoff(int attempt, TimeSpan baseDelay, TimeSpan max, double jitter)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        var exponent = Math.Min(attempt - 1, 40);
        var ceiling = Math.Min(max.TotalMilliseconds, baseDelay.TotalMilliseconds * Math.Pow(2, exponent));
        var delay = (ceiling / 2) + (ceiling / 2 * Math.Clamp(jitter, 0, 1));
        return TimeSpan.FromMilliseconds(Math.Ceiling(delay));
    }
}
