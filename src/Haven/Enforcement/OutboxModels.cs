using System.Text.Json;

namespace Haven.Enforcement;

/// <summary>Where an outbox row stands.</summary>
internal enum OutboxState
{
    /// <summary>Waiting for its next attempt (or being attempted now).</summary>
    Pending,

    /// <summary>The platform answered 2xx; never sent again.</summary>
    Delivered,

    /// <summary>A permanent failure or too many attempts; sent again only after <see cref="OutboxQueue.ReplayAsync"/>.</summary>
    Dead,
}

/// <summary>
/// One side effect to carry out on the platform, written in the same transaction as the decision that asks for it.
/// </summary>
/// <param name="ActionId">The idempotency key, unique for all time: <c>decision-123:remove_content</c>. Re-enqueueing it does nothing.</param>
/// <param name="Kind">What to do: <c>remove_content</c>, <c>suspend_account</c>, <c>restrict</c>, … (<see cref="OutboxAction.IsValidKind"/>).</param>
/// <param name="Payload">Platform ids the action applies to (<c>contentId</c>, <c>accountId</c>, <c>decisionId</c>): ids only, never content.</param>
/// <param name="Adapter">The adapter that delivers it: <see cref="WebhookAdapter"/> or <see cref="MastodonAdapter"/>.</param>
internal sealed record OutboxAction(string ActionId, string Kind, IReadOnlyDictionary<string, string> Payload, string Adapter = OutboxAction.WebhookAdapter)
{
    /// <summary>The signed-webhook adapter.</summary>
    public const string WebhookAdapter = "webhook";

    /// <summary>The Mastodon admin API adapter (<see cref="Enforcement.MastodonAdapter"/>).</summary>
    public const string MastodonAdapter = "mastodon";

    /// <summary>True for an adapter name the outbox knows.</summary>
    public static bool IsKnownAdapter(string adapter) => adapter is WebhookAdapter or MastodonAdapter;

    /// <summary>Longest action id accepted.</summary>
    public const int MaxActionIdLength = 200;

    /// <summary>True for a kind of 1–64 of <c>a-z 0-9 _ .</c> starting with a letter.</summary>
    public static bool IsValidKind(string kind) =>
        kind.Length is > 0 and <= 64 && char.IsAsciiLetterLower(kind[0]) && kind.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '.');

    /// <summary>The payload as stored and sent: a JSON object with keys in ordinal order.</summary>
    internal string PayloadJson() =>
        JsonSerializer.Serialize(new SortedDictionary<string, string>(Payload.ToDictionary(), StringComparer.Ordinal));
}

/// <summary>One outbox row as stored.</summary>
/// <param name="Attempts">Attempts started so far (a claim counts as an attempt, so a crash mid-send is counted too).</param>
/// <param name="LastError">Why the last attempt failed (status code or network error; never a response body).</param>
internal sealed record OutboxEntry(
    long Id,
    string ActionId,
    string Adapter,
    string Kind,
    string Payload,
    DateTimeOffset CreatedAt,
    int Attempts,
    DateTimeOffset NextAttemptAt,
    OutboxState State,
    string? LastError,
    DateTimeOffset? DeliveredAt);

/// <summary>The outcome of a replay request.</summary>
/// <param name="Replayed">Dead rows moved back to pending with attempts reset.</param>
/// <param name="NotFound">Requested ids with no outbox row.</param>
/// <param name="NotDead">Requested ids whose row is pending or delivered: left unchanged.</param>
internal sealed record OutboxReplayResult(IReadOnlyList<string> Replayed, IReadOnlyList<string> NotFound, IReadOnlyList<string> NotDead);

/// <summary>What one <see cref="WebhookDispatcher.RunOnceAsync"/> did.</summary>
/// <param name="Claimed">Due rows taken for an attempt.</param>
/// <param name="Delivered">Answered 2xx.</param>
/// <param name="Retrying">Failed transiently; back to pending with a later due time.</param>
/// <param name="Dead">Failed permanently or out of attempts.</param>
internal sealed record DispatchSummary(int Claimed, int Delivered, int Retrying, int Dead)
{
    /// <summary>Nothing was due.</summary>
    public static DispatchSummary Empty { get; } = new(0, 0, 0, 0);
}

/// <summary>Conversions between <see cref="OutboxState"/> and the stored text.</summary>
internal static class OutboxStates
{
    /// <summary>The stored text of <paramref name="state"/>.</summary>
    public static string ToText(this OutboxState state) => state switch
    {
        OutboxState.Pending => "pending",
        OutboxState.Delivered => "delivered",
        OutboxState.Dead => "dead",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };

    /// <summary>Parses stored or typed text; false for anything else.</summary>
    public static bool TryParse(string? text, out OutboxState state)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "pending":
                state = OutboxState.Pending;
                return true;
            case "delivered":
                state = OutboxState.Delivered;
                return true;
            case "dead":
                state = OutboxState.Dead;
                return true;
            default:
                state = default;
                return false;
        }
    }
}
