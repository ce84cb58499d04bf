using Microsoft.Extensions.Logging;

namespace Haven.Storage;

/// <summary>Store log messages; event ids 1000–1099. Ids and counts only.</summary>
internal static partial class StoreLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Store opened: provider {Provider}, schema version {Version}")]
    public static partial void Opened(ILogger logger, StoreProvider provider, int version);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Applied schema migration {Version} ({Name})")]
    public static partial void MigrationApplied(ILogger logger, int version, string name);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Error, Message = "Refusing to open a database at schema version {DatabaseVersion}; this build knows up to {CodeVersion}")]
    public static partial void SchemaTooNew(ILogger logger, int databaseVersion, int codeVersion);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Error, Message = "Store could not be opened (provider {Provider})")]
    public static partial void OpenFailed(ILogger logger, StoreProvider provider, Exception exception);
}
