namespace Haven.Cli.Configuration;

/// <summary>What a setting's value must look like.</summary>
internal enum SettingKind
{
    /// <summary>Any text.</summary>
    Text,

    /// <summary>A whole number (invariant culture).</summary>
    Integer,

    /// <summary>A number (invariant culture).</summary>
    Number,

    /// <summary><c>true</c> or <c>false</c>.</summary>
    Flag,

    /// <summary>A list: a JSON array in <c>haven.json</c>, comma-separated in an environment variable.</summary>
    List,

    /// <summary>A duration such as <c>90s</c>, <c>15m</c>, <c>12h</c>, <c>1d</c>.</summary>
    Duration,

    /// <summary>An absolute http(s) URL.</summary>
    Url,
}

/// <summary>
/// One setting: its configuration key (a section path in <c>haven.json</c>), the environment variable that sets it
/// (<c>HAVEN_</c> + the key with <c>:</c> as <c>__</c>, plus an older short name where one existed), the command-line
/// option that overrides it (if any), and whether it is a secret (then only the environment may hold it).
/// </summary>
internal sealed record Setting(string Key, SettingKind Kind, string? Option, string Description, string? ShortEnvironment = null, bool Secret = false, IReadOnlyList<string>? Choices = null)
{
    /// <summary>The environment variable in the ASP.NET Core convention, e.g. <c>HAVEN_MEDIA__MAXBYTES</c>.</summary>
    public string Environment => "HAVEN_" + Key.Replace(":", "__", StringComparison.Ordinal).ToUpperInvariant();
}
