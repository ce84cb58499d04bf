using System.CommandLine;
using System.Globalization;
using Haven.Cli.Configuration;
using Haven.Events;

namespace Haven.Cli;

/// <summary>The options that set <see cref="EventLimits"/> on <c>haven ingest</c> and <c>haven serve</c>.</summary>
internal sealed class EventLimitOptions
{
    private readonly Option<string> _skew = new("--max-future-skew")
    {
        Description = "Refuse events whose occurredAt is more than this far ahead of this machine's clock: a number with s, m, h or d. Events:MaxFutureSkew.",
        DefaultValueFactory = _ => HavenConfig.Text(Settings.MaxFutureSkew) ?? "1d",
    };

    private readonly Option<string> _oldest = new("--oldest-event")
    {
        Description = "Refuse events whose occurredAt is before this RFC 3339 time. Events:OldestEvent.",
        DefaultValueFactory = _ => HavenConfig.Text(Settings.OldestEvent) ?? EventLimits.DefaultOldest.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
    };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(_skew);
        command.Options.Add(_oldest);
    }

    /// <summary>The limits given on the command line (media bytes from <paramref name="maxMediaBytes"/>), or why they are not usable.</summary>
    public bool TryGet(ParseResult parse, out EventLimits limits, out string? error, long maxMediaBytes = Haven.Media.MediaLimits.DefaultMaxBytes)
    {
        limits = EventLimits.Default;
        if (!TryDuration(parse.GetValue(_skew)!, out var skew))
        {
            error = $"--max-future-skew '{parse.GetValue(_skew)}' is not a duration such as 1d, 12h or 90m.";
            return false;
        }

        if (!DateTimeOffset.TryParse(parse.GetValue(_oldest), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var oldest))
        {
            error = $"--oldest-event '{parse.GetValue(_oldest)}' is not a time such as 2000-01-01T00:00:00Z.";
            return false;
        }

        limits = new EventLimits { MaxFutureSkew = skew, Oldest = oldest, MaxMediaBytes = maxMediaBytes };
        error = limits.Validate();
        return error is null;
    }

    /// <summary>Parses <c>90s</c>, <c>15m</c>, <c>12h</c>, <c>1d</c> (or a .NET TimeSpan such as <c>1.00:00:00</c>).</summary>
    public static bool TryDuration(string text, out TimeSpan value)
    {
        value = default;
        text = text.Trim();
        if (text.Length >= 2 && double.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && number >= 0 && number <= 1e6)
        {
            TimeSpan? parsed = char.ToLowerInvariant(text[^1]) switch
            {
                's' => TimeSpan.FromSeconds(number),
                'm' => TimeSpan.FromMinutes(number),
                'h' => TimeSpan.FromHours(number),
                'd' => TimeSpan.FromDays(number),
                _ => null,
            };
            if (parsed is { } p)
            {
                value = p;
                return true;
            }
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value) && value >= TimeSpan.Zero;
    }
}
