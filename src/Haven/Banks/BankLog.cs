using Microsoft.Extensions.Logging;

namespace Haven.Banks;

/// <summary>Bank log messages; event ids 1100–1199. Ids and counts only, never hash values.</summary>
internal static partial class BankLog
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Bank {BankId} created")]
    public static partial void Created(ILogger logger, long bankId);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Bank {BankId} deleted with {EntryCount} entries")]
    public static partial void Deleted(ILogger logger, long bankId, long entryCount);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Information, Message = "Bank {BankId} enabled: {Enabled}")]
    public static partial void EnabledChanged(ILogger logger, long bankId, bool enabled);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Information, Message = "Bank {BankId}: import of {LineCount} lines committed, {Added} added, {AlreadyPresent} already present, {Skipped} skipped, in {ElapsedMs} ms")]
    public static partial void ImportCommitted(ILogger logger, long bankId, long lineCount, long added, long alreadyPresent, long skipped, long elapsedMs);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "Bank {BankId}: import of {LineCount} lines refused with {ErrorCount} bad lines; nothing written")]
    public static partial void ImportRefused(ILogger logger, long bankId, long lineCount, long errorCount);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Information, Message = "Bank {BankId}: {RemovedCount} entries removed")]
    public static partial void EntriesRemoved(ILogger logger, long bankId, long removedCount);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Information, Message = "Enabled-bank entries read: {EntryCount} at banks version {BanksVersion} in {ElapsedMs} ms")]
    public static partial void EnabledEntriesRead(ILogger logger, long entryCount, long banksVersion, long elapsedMs);
}
