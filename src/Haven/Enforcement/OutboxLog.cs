using Microsoft.Extensions.Logging;

namespace Haven.Enforcement;

/// <summary>Outbox and webhook log messages; event ids 1600–1699. Action ids, status codes and counts only, never payloads.</summary>
internal static partial class OutboxLog
{
    [LoggerMessage(EventId = 1600, Level = LogLevel.Information, Message = "Outbox action {ActionId} delivered on attempt {Attempt}")]
    public static partial void Delivered(ILogger logger, string actionId, int attempt);

    [LoggerMessage(EventId = 1601, Level = LogLevel.Warning, Message = "Outbox action {ActionId} attempt {Attempt} failed ({Failure}); next attempt in {DelayMs} ms")]
    public static partial void Retrying(ILogger logger, string actionId, int attempt, string failure, long delayMs);

    [LoggerMessage(EventId = 1602, Level = LogLevel.Error, Message = "Outbox action {ActionId} dead after {Attempts} attempts ({Failure})")]
    public static partial void Dead(ILogger logger, string actionId, int attempts, string failure);

    [LoggerMessage(EventId = 1603, Level = LogLevel.Information, Message = "Outbox replay: {Replayed} moved back to pending, {NotFound} not found, {NotDead} not dead")]
    public static partial void Replayed(ILogger logger, int replayed, int notFound, int notDead);

    [LoggerMessage(EventId = 1605, Level = LogLevel.Warning, Message = "Outbox action {ActionId} attempt {Attempt}: result not recorded, the row was claimed again or changed meanwhile")]
    public static partial void LostClaim(ILogger logger, string actionId, int attempt);
}
