namespace Haven.Enforcement;

/// <summary>
/// Carries out one outbox row on one platform. <see cref="OutboxDispatcher"/> owns everything else (claiming with
/// leases, retries with backoff, dead-lettering, audit); an adapter only turns a row into a request and classifies the
/// result. An adapter must never throw for a failed delivery: it returns a verdict instead.
/// </summary>
internal interface IEnforcementAdapter
{
    /// <summary>The value of the outbox <c>adapter</c> column this adapter delivers; rows of other adapters are never claimed.</summary>
    string AdapterName { get; }

    /// <summary>Attempts <paramref name="delivery"/> once.</summary>
    /// <returns>The verdict and, unless delivered, a short failure text (a status code or reason; never a secret or payload).</returns>
    Task<AdapterOutcome> SendAsync(OutboxDelivery delivery, CancellationToken cancellationToken);
}

/// <summary>One claimed outbox row handed to an adapter.</summary>
/// <param name="ActionId">The idempotency key.</param>
/// <param name="Kind">The action kind, e.g. <c>suspend_account</c>.</param>
/// <param name="PayloadJson">The stored payload: a JSON object of platform ids.</param>
/// <param name="Attempt">This attempt's number, 1-based.</param>
internal sealed record OutboxDelivery(string ActionId, string Kind, string PayloadJson, int Attempt);

/// <summary>The result of one attempt.</summary>
/// <param name="Verdict">Delivered, worth retrying, or permanent.</param>
/// <param name="Failure">Why it failed (empty when delivered).</param>
internal sealed record AdapterOutcome(DeliveryVerdict Verdict, string Failure)
{
    /// <summary>A permanent failure that is no HTTP status (unsupported kind, malformed payload).</summary>
    public static AdapterOutcome Permanent(string failure) => new(DeliveryVerdict.Permanent, failure);
}
