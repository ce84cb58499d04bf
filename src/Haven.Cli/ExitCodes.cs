namespace Haven.Cli;

/// <summary>Documented process exit codes (docs/cli.md).</summary>
internal static class ExitCodes
{
    /// <summary>Done; for lookup and match: at least one hit.</summary>
    public const int Ok = 0;

    /// <summary>lookup and match: ran, found no hit (as grep).</summary>
    public const int NoMatch = 1;

    /// <summary>The command line is wrong.</summary>
    public const int Usage = 2;

    /// <summary>Some input could not be used (unreadable file, not an image, malformed hash); the rest was processed.</summary>
    public const int InputError = 3;

    /// <summary>An import was refused as a whole; nothing was written.</summary>
    public const int ImportRefused = 4;

    /// <summary>A named thing (bank, entry, key) does not exist.</summary>
    public const int NotFound = 5;

    /// <summary>The store could not be opened or migrated.</summary>
    public const int StoreError = 6;

    /// <summary><c>audit verify</c>: the chain is broken (see <see cref="Commands.AuditCommands.Tampered"/>).</summary>
    public const int AuditBroken = Commands.AuditCommands.Tampered;

    /// <summary>A bug: an unexpected exception.</summary>
    public const int Internal = 70;
}
