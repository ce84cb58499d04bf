using System.Collections;
using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Haven.Cli.Configuration;

/// <summary>
/// Haven's configuration in the ASP.NET Core precedence: an optional <c>haven.json</c> &lt; environment variables
/// (<c>HAVEN_SECTION__KEY</c>, or an older short name) &lt; command-line options. Loaded once before the command line is
/// parsed and validated against <see cref="Settings"/> as a whole: an unknown key, a secret in the file or a value of the
/// wrong shape stops the command (exit 2) naming the key and where it came from. Options read their defaults from here,
/// so a value given on the command line wins. docs/configuration.md.
/// </summary>
internal static class HavenConfig
{
    /// <summary>The file read when neither <c>--config</c> nor <c>HAVEN_CONFIG</c> names one (optional).</summary>
    public const string DefaultFile = "haven.json";

    /// <summary>Largest configuration file read.</summary>
    public const long MaxFileBytes = 1L << 20;

    // Null until something was read: every setting then has its default, and Microsoft.Extensions.Configuration is not
    // even loaded (start-up of `haven hash`, ADR 0007).
    private static Loaded? _current;

    /// <summary>The configuration file that was read, if any.</summary>
    public static string? File { get; private set; }

    /// <summary>
    /// Loads the configuration for this process: <paramref name="explicitFile"/> (from <c>--config</c>) or
    /// <c>HAVEN_CONFIG</c> must exist when given; otherwise <c>./haven.json</c> is read if present. Returns every error.
    /// </summary>
    public static IReadOnlyList<string> Load(string? explicitFile, IDictionary environment)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in environment)
        {
            // A variable set to nothing counts as unset (it does not hide the file's value).
            if (entry.Key is string name && name.StartsWith("HAVEN_", StringComparison.Ordinal) && entry.Value is string value && value.Trim().Length > 0)
            {
                variables[name] = value;
            }
        }

        var named = explicitFile ?? (variables.TryGetValue("HAVEN_CONFIG", out var fromEnvironment) && fromEnvironment.Length > 0 ? fromEnvironment : null);
        var path = named ?? (System.IO.File.Exists(DefaultFile) ? DefaultFile : null);
        if (path is null && !variables.Keys.Any(name => name.Contains("__", StringComparison.Ordinal) || Settings.All.Any(s => s.ShortEnvironment == name)))
        {
            // Nothing to read: every setting keeps its default, and a short command (`haven hash`) does not pay for
            // building a configuration.
            return [];
        }

        var (loaded, errors) = Build(path, named is not null, variables);
        if (errors.Count == 0)
        {
            _current = loaded!;
            File = path is null ? null : Path.GetFullPath(path);
        }

        return errors;
    }

    /// <summary>Builds and validates a configuration from a file (or none) and <c>HAVEN_</c> variables.</summary>
    internal static (Loaded? Config, List<string> Errors) Build(string? path, bool fileRequired, IReadOnlyDictionary<string, string> variables)
    {
        var errors = new List<string>();
        var sources = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var builder = new ConfigurationBuilder();
        if (path is not null)
        {
            if (!System.IO.File.Exists(path))
            {
                if (fileRequired)
                {
                    errors.Add($"configuration file '{path}' does not exist.");
                    return (null, errors);
                }
            }
            else
            {
                try
                {
                    // Read here rather than through a file provider (which hides dot-named files), and bounded.
                    var length = new FileInfo(path).Length;
                    if (length > MaxFileBytes)
                    {
                        errors.Add($"{path}: {length:N0} bytes; a configuration file is at most {MaxFileBytes:N0}.");
                        return (null, errors);
                    }

                    var file = new ConfigurationBuilder().AddJsonStream(new MemoryStream(System.IO.File.ReadAllBytes(path))).Build();
                    foreach (var (key, value) in file.AsEnumerable())
                    {
                        if (value is null)
                        {
                            continue;
                        }

                        var setting = Find(key);
                        if (setting is null)
                        {
                            errors.Add($"{path}: unknown setting '{key}' (docs/configuration.md lists them).");
                        }
                        else if (setting.Secret)
                        {
                            errors.Add($"{path}: '{setting.Key}' is a secret: set it in the environment ({setting.Environment}), not in a file.");
                        }
                        else
                        {
                            sources[setting.Key] = path;
                        }
                    }

                    builder.AddConfiguration(file);
                }
                catch (Exception e) when (e is FormatException or InvalidDataException or IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
                {
                    errors.Add($"{path}: not a readable JSON configuration: {e.Message}");
                    return (null, errors);
                }
            }
        }

        // Short names first, so the ASP.NET Core-style name wins where both are set.
        var shortNames = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var longNames = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var setting in Settings.All)
        {
            if (setting.ShortEnvironment is { } name && variables.TryGetValue(name, out var value))
            {
                shortNames[setting.Key] = value;
                sources[setting.Key] = "environment " + name;
            }
        }

        foreach (var (name, value) in variables)
        {
            if (name.Contains("__", StringComparison.Ordinal))
            {
                var key = name["HAVEN_".Length..].Replace("__", ":", StringComparison.Ordinal);
                if (Find(key) is { } setting)
                {
                    longNames[key] = value;
                    sources[setting.Key] = "environment " + name;
                }
                else
                {
                    errors.Add($"environment {name}: unknown setting '{key}' (docs/configuration.md lists them).");
                }
            }
        }

        builder.AddInMemoryCollection(shortNames).AddInMemoryCollection(longNames);
        var loaded = new Loaded(builder.Build(), sources, EnvironmentLists(variables));
        foreach (var setting in Settings.All)
        {
            if (loaded.Check(setting) is { } invalid)
            {
                errors.Add($"{(sources.TryGetValue(setting.Key, out var source) ? source : "configuration")}: {setting.Key}: {invalid}");
            }
        }

        return (loaded, errors);
    }

    /// <summary>
    /// Lists set in the environment, which replace the file's list whole (configuration sources would otherwise merge
    /// lists item by item): <c>HAVEN_X__Y=a,b</c>, or items <c>HAVEN_X__Y__0</c>, <c>HAVEN_X__Y__1</c>, … in index order.
    /// </summary>
    private static Dictionary<string, string[]> EnvironmentLists(IReadOnlyDictionary<string, string> variables)
    {
        var lists = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
        foreach (var setting in Settings.All.Where(s => s.Kind == SettingKind.List))
        {
            if (variables.TryGetValue(setting.Environment, out var joined))
            {
                lists[setting.Key] = Items(joined.Split(','));
                continue;
            }

            var prefix = setting.Environment + "__";
            var items = variables.Where(v => v.Key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && int.TryParse(v.Key.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out _))
                .OrderBy(v => int.Parse(v.Key.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture)).Select(v => v.Value).ToList();
            if (items.Count > 0)
            {
                lists[setting.Key] = Items(items);
            }
        }

        return lists;
    }

    private static string[] Items(IEnumerable<string> items) => [.. items.Select(i => i.Trim()).Where(i => i.Length > 0)];

    private static Setting? Find(string key)
    {
        foreach (var setting in Settings.All)
        {
            if (string.Equals(setting.Key, key, StringComparison.OrdinalIgnoreCase))
            {
                return setting;
            }

            // List items: Media:AllowedHosts:0, Media:AllowedHosts:1, ...
            if (setting.Kind == SettingKind.List && key.Length > setting.Key.Length + 1 && key.StartsWith(setting.Key + ":", StringComparison.OrdinalIgnoreCase) &&
                int.TryParse(key.AsSpan(setting.Key.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                return setting;
            }
        }

        return null;
    }

    /// <summary>Where the setting's value came from (a file path or <c>environment NAME</c>), or null for the default.</summary>
    public static string? Source(Setting setting) => _current is not null && _current.Sources.TryGetValue(setting.Key, out var source) ? source : null;

    /// <summary>The setting's text, or null when nothing sets it.</summary>
    public static string? Text(Setting setting) => _current?.Text(setting);

    /// <summary>The setting as a whole number, or <paramref name="fallback"/>.</summary>
    public static long Integer(Setting setting, long fallback) =>
        Text(setting) is { } text ? long.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture) : fallback;

    /// <summary>The setting as a 32-bit whole number (clamped, so that range checks see an out-of-range value), or <paramref name="fallback"/>.</summary>
    public static int Int32(Setting setting, int fallback) => (int)Math.Clamp(Integer(setting, fallback), int.MinValue, int.MaxValue);

    /// <summary>The setting as a flag, or <paramref name="fallback"/>.</summary>
    public static bool Flag(Setting setting, bool fallback) => Text(setting) is { } text ? bool.Parse(text) : fallback;

    /// <summary>The setting as a duration, or <paramref name="fallback"/>.</summary>
    public static TimeSpan Duration(Setting setting, TimeSpan fallback) =>
        Text(setting) is { } text && EventLimitOptions.TryDuration(text, out var value) ? value : fallback;

    /// <summary>The setting as a list (empty when nothing sets it).</summary>
    public static string[] List(Setting setting) => _current?.List(setting) ?? [];

    /// <summary>A loaded configuration and where each setting came from.</summary>
    internal sealed class Loaded(IConfigurationRoot root, IReadOnlyDictionary<string, string> sources, IReadOnlyDictionary<string, string[]>? environmentLists = null)
    {
        /// <summary>Where each set key came from (a file path, or <c>environment NAME</c>).</summary>
        public IReadOnlyDictionary<string, string> Sources { get; } = sources;

        /// <summary>The value, trimmed; an empty value (an environment variable set to nothing) counts as unset.</summary>
        public string? Text(Setting setting) => root[setting.Key] is { } value && value.Trim() is { Length: > 0 } trimmed ? trimmed : null;

        public string[] List(Setting setting)
        {
            if (environmentLists?.TryGetValue(setting.Key, out var fromEnvironment) == true)
            {
                return fromEnvironment;
            }

            var section = root.GetSection(setting.Key);
            return section.Value is { } joined ? Items(joined.Split(',')) : Items(section.GetChildren().OrderBy(c => int.TryParse(c.Key, out var n) ? n : int.MaxValue).Select(c => c.Value).OfType<string>());
        }

        /// <summary>Why the setting's value has the wrong shape, or null (also when unset).</summary>
        public string? Check(Setting setting)
        {
            if (setting.Kind == SettingKind.List)
            {
                return null;
            }

            if (Text(setting) is not { } text)
            {
                return null;
            }

            return setting.Kind switch
            {
                SettingKind.Integer when !long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out _) => $"'{text}' is not a whole number.",
                SettingKind.Number when !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _) => $"'{text}' is not a number.",
                SettingKind.Flag when !bool.TryParse(text, out _) => $"'{text}' is not true or false.",
                SettingKind.Duration when !EventLimitOptions.TryDuration(text, out _) => $"'{text}' is not a duration such as 90s, 15m, 12h or 1d.",
                // Not echoed: a URL may carry credentials.
                SettingKind.Url when !(Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https") => "not an absolute http(s) URL.",
                _ when setting.Choices is { } choices && !choices.Contains(text, StringComparer.Ordinal) => $"'{text}' is not one of {string.Join(", ", choices)}.",
                _ => null,
            };
        }
    }
}
