using System.Globalization;
using Haven.Wellness;

namespace Haven.Server.Console;

/// <summary>View settings as a form holds them: text, so a refused form shows back what was typed. Empty or <c>inherit</c>: the organisation's default.</summary>
/// <param name="Blur">Blur strength 1–10, or empty.</param>
/// <param name="Colour">greyscale, sepia, colour, or inherit.</param>
/// <param name="Muted">yes, no, or inherit.</param>
/// <param name="Paused">yes, no, or inherit.</param>
/// <param name="Speed">Playback speed in per cent, or empty.</param>
/// <param name="Budget">Daily reveal budget (organisation form only), or empty.</param>
public sealed record ViewSettingsForm(string Blur, string Colour, string Muted, string Paused, string Speed, string Budget = "");

/// <summary>The settings page's model.</summary>
public sealed record SettingsModel
{
    /// <summary>The person's own choices.</summary>
    public required ViewSettingsForm Own { get; init; }

    /// <summary>The organisation's defaults (every field set).</summary>
    public required ViewSettingsForm Defaults { get; init; }

    /// <summary>What applies to the person now, in words.</summary>
    public required IReadOnlyList<KeyValuePair<string, string>> Effective { get; init; }

    /// <summary>Reveals today, or null when the person's role does not reveal.</summary>
    public int? RevealsToday { get; init; }

    /// <summary>The person's daily reveal budget.</summary>
    public required int Budget { get; init; }

    /// <summary>True when a lead set this person's budget.</summary>
    public bool BudgetOverridden { get; init; }

    /// <summary>The person may set the organisation's defaults (an admin).</summary>
    public bool MayAdminister { get; init; }

    /// <summary>The person may set someone's reveal budget (a lead).</summary>
    public bool MayLead { get; init; }

    /// <summary>The budget form as last submitted: person.</summary>
    public string BudgetPerson { get; init; } = string.Empty;

    /// <summary>The budget form as last submitted: budget (empty: back to the organisation's).</summary>
    public string BudgetValue { get; init; } = string.Empty;

    /// <summary>Which form the problems belong to: own, defaults or budget.</summary>
    public string? ProblemsFor { get; init; }

    /// <summary>Every reason the last form was refused.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>A message from the last change.</summary>
    public string? Notice { get; init; }
}

/// <summary>Reads and writes the settings forms: every field problem is collected, so a refused form names them all.</summary>
internal static class SettingsViews
{
    /// <summary>The value of a choice that takes the organisation's default.</summary>
    public const string Inherit = "inherit";

    /// <summary>The form of a person's own choices.</summary>
    public static ViewSettingsForm Own(PersonSettings settings) => new(
        settings.BlurStrength?.ToString(CultureInfo.InvariantCulture) ?? string.Empty,
        settings.Colour?.Name() ?? Inherit,
        YesNo(settings.VideoMuted),
        YesNo(settings.VideoPaused),
        settings.PlaybackSpeedPercent?.ToString(CultureInfo.InvariantCulture) ?? string.Empty);

    /// <summary>The form of the organisation's defaults.</summary>
    public static ViewSettingsForm Defaults(OrganisationDefaults defaults) => new(
        defaults.View.BlurStrength.ToString(CultureInfo.InvariantCulture),
        defaults.View.Colour.Name(),
        YesNo(defaults.View.VideoMuted),
        YesNo(defaults.View.VideoPaused),
        defaults.View.PlaybackSpeedPercent.ToString(CultureInfo.InvariantCulture),
        defaults.DailyRevealBudget.ToString(CultureInfo.InvariantCulture));

    /// <summary>Effective settings in words.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Effective(ViewSettings view) =>
    [
        new("Blur strength", view.BlurStrength.ToString(CultureInfo.InvariantCulture)),
        new("Colour", view.Colour.Name()),
        new("Video muted", view.VideoMuted ? "yes" : "no"),
        new("Video paused", view.VideoPaused ? "yes" : "no"),
        new("Playback speed", view.PlaybackSpeedPercent.ToString(CultureInfo.InvariantCulture) + " %"),
    ];

    /// <summary>The form as posted (each field at most 32 characters kept, for showing back).</summary>
    public static ViewSettingsForm Read(IFormCollection form) => new(
        Field(form, "blur"), Field(form, "colour"), Field(form, "muted"), Field(form, "paused"), Field(form, "speed"), Field(form, "budget"));

    /// <summary>A person's choices from <paramref name="form"/>; <paramref name="problems"/> gets every field that is not a valid choice.</summary>
    public static PersonSettings ParseOwn(ViewSettingsForm form, List<string> problems)
    {
        var blur = Number(form.Blur, "blur strength", ViewSettings.MinBlurStrength, ViewSettings.MaxBlurStrength, required: false, problems);
        ColourMode? colour = null;
        if (form.Colour is not ("" or Inherit))
        {
            if (ColourModes.TryParse(form.Colour, out var mode))
            {
                colour = mode;
            }
            else
            {
                problems.Add("colour must be greyscale, sepia, colour or the organisation's default");
            }
        }

        var muted = Choice(form.Muted, "video muted", required: false, problems);
        var paused = Choice(form.Paused, "video paused", required: false, problems);
        var speed = Number(form.Speed, "playback speed", ViewSettings.MinPlaybackSpeedPercent, ViewSettings.MaxPlaybackSpeedPercent, required: false, problems);
        return new PersonSettings(blur, colour, muted, paused, speed);
    }

    /// <summary>The organisation's defaults from <paramref name="form"/> (every field required), or null with every problem in <paramref name="problems"/>.</summary>
    public static OrganisationDefaults? ParseDefaults(ViewSettingsForm form, List<string> problems)
    {
        var blur = Number(form.Blur, "blur strength", ViewSettings.MinBlurStrength, ViewSettings.MaxBlurStrength, required: true, problems);
        var colour = ColourModes.TryParse(form.Colour, out var mode) ? mode : (ColourMode?)null;
        if (colour is null)
        {
            problems.Add("colour must be greyscale, sepia or colour");
        }

        var muted = Choice(form.Muted, "video muted", required: true, problems);
        var paused = Choice(form.Paused, "video paused", required: true, problems);
        var speed = Number(form.Speed, "playback speed", ViewSettings.MinPlaybackSpeedPercent, ViewSettings.MaxPlaybackSpeedPercent, required: true, problems);
        var budget = Number(form.Budget, "daily reveal budget", 0, OrganisationDefaults.MaxDailyRevealBudget, required: true, problems);
        return problems.Count > 0 ? null : new OrganisationDefaults(new ViewSettings(blur!.Value, colour!.Value, muted!.Value, paused!.Value, speed!.Value), budget!.Value);
    }

    /// <summary>A whole number from a form field, or null when empty; a problem when it is not a number in range.</summary>
    public static int? Number(string text, string name, int min, int max, bool required, List<string> problems)
    {
        if (text.Length == 0)
        {
            if (required)
            {
                problems.Add($"{name} is required ({min}–{max})");
            }

            return null;
        }

        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            problems.Add($"{name} must be a whole number {min}–{max}");
            return null;
        }

        if (value < min || value > max)
        {
            problems.Add($"{name} must be {min}–{max} (was {value})");
            return null;
        }

        return value;
    }

    private static bool? Choice(string text, string name, bool required, List<string> problems)
    {
        switch (text)
        {
            case "yes":
                return true;
            case "no":
                return false;
            case "" or Inherit when !required:
                return null;
            default:
                problems.Add(required ? $"{name} must be yes or no" : $"{name} must be yes, no or the organisation's default");
                return null;
        }
    }

    private static string YesNo(bool? value) => value switch
    {
        true => "yes",
        false => "no",
        null => Inherit,
    };

    private static string Field(IFormCollection form, string name)
    {
        var text = form[name].ToString().Trim();
        return text.Length <= 32 ? text : text[..32];
    }
}
