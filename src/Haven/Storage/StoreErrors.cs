namespace Haven.Storage;

/// <summary>Why a store could not be opened.</summary>
internal abstract record StoreOpenError(string Message)
{
    public sealed override string ToString() => Message;
}

/// <summary>The options are unusable (unknown provider, missing connection string).</summary>
internal sealed record StoreOptionsInvalid(string Reason) : StoreOpenError("Store options are invalid: " + Reason);

/// <summary>The database was migrated by a newer Haven; opening it with this build could corrupt it.</summary>
internal sealed record SchemaTooNew(int DatabaseVersion, int CodeVersion) : StoreOpenError(
    $"The database schema is at version {DatabaseVersion} but this build of Haven knows versions up to {CodeVersion}. " +
    "Upgrade Haven (or point it at another database); the database was left untouched.");

/// <summary>The database could not be reached or created (server down, folder not writable, bad credentials).</summary>
internal sealed record StoreUnavailable(string Reason) : StoreOpenError("The store could not be opened: " + Reason);
