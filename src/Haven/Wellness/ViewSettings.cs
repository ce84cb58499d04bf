namespace Haven.Wellness;

/// <summary>How media is coloured when shown: greyscale (the default, even on reveal), sepia, or as sent.</summary>
internal enum ColourMode
{
    /// <summary>Luminance only, R = G = B (ITU-R BT.601 weights).</summary>
    Greyscale,
    /// <summary>Luminance tinted brown; as muted as greyscale, warmer to look at for long.</summary>
    Sepia,
    /// <summary>The colours as sent.</summary>
    Colour,
}

/// <summary>Colour mode names as stored and written in forms (lower case).</summary>
internal static class ColourModes
{
    /// <summary>Every mode.</summary>
    public static IReadOnlyList<ColourMode> All { get; } = [ColourMode.Greyscale, ColourMode.Sepia, ColourMode.Colour];

    /// <summary><c>greyscale</c>, <c>sepia</c> or <c>colour</c>.</summary>
    public static string Name(this ColourMode mode) => mode switch
    {
        ColourMode.Greyscale => "greyscale",
        ColourMode.Sepia => "sepia",
        ColourMode.Colour => "colour",
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };

    /// <summary>Parses a mode name (exact, lower case); false for anything else.</summary>
    public static bool TryParse(string? name, out ColourMode mode)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(candidate.Name(), name, StringComparison.Ordinal))
            {
                mode = candidate;
                return true;
            }
        }

        mode = default;
        return false;
    }
}

/// <summary>How one person sees media: every field set (a person's own choices over the organisation's defaults).</summary>
/// <param name="BlurStrength">1 (weakest, still unrecognisable: see <see cref="BlurSigmaFraction"/>) to 10.</param>
/// <param name="Colour">Colour of previews and of revealed media.</param>
/// <param name="VideoMuted">Video starts muted (kept for the video issue; Haven shows no video yet).</param>
/// <param name="VideoPaused">Video starts paused: no autoplay (kept for the video issue).</param>
/// <param name="PlaybackSpeedPercent">Video playback speed in per cent, 25–400 (kept for the video issue).</param>
internal sealed record ViewSettings(int BlurStrength, ColourMode Colour, bool VideoMuted, bool VideoPaused, int PlaybackSpeedPercent)
{
    /// <summary>Weakest blur.</summary>
    public const int MinBlurStrength = 1;

    /// <summary>Strongest blur.</summary>
    public const int MaxBlurStrength = 10;

    /// <summary>Slowest playback, per cent.</summary>
    public const int MinPlaybackSpeedPercent = 25;

    /// <summary>Fastest playback, per cent.</summary>
    public const int MaxPlaybackSpeedPercent = 400;

    /// <summary>
    /// The Gaussian sigma at the weakest strength, as a share of the image's longest side: 4 %. Face recognition by
    /// people falls to chance below about 4 cycles per face width (it is best at 8–16; Costen, Parker and Craw 1994). A
    /// Gaussian of sigma s passes little above 0.13/s cycles per pixel (half amplitude at 0.19/s), so with s = 4 % of the
    /// longest side even a face filling the whole frame keeps about 3 cycles across it, and a smaller face fewer: at any
    /// display size, thumbnails included, since the share scales with the image.
    /// </summary>
    public const double MinBlurSigmaFraction = 0.04;

    /// <summary>Sigma added per strength step above 1, as a share of the longest side (strength 10: 13 %).</summary>
    public const double BlurSigmaStep = 0.01;

    /// <summary>Haven's built-in defaults, before an admin sets the organisation's: blurred, greyscale, muted, paused, normal speed.</summary>
    public static ViewSettings Default { get; } = new(4, ColourMode.Greyscale, VideoMuted: true, VideoPaused: true, PlaybackSpeedPercent: 100);

    /// <summary>The blur's Gaussian sigma as a share of the image's longest side.</summary>
    public double BlurSigmaFraction => MinBlurSigmaFraction + (BlurSigmaStep * (Math.Clamp(BlurStrength, MinBlurStrength, MaxBlurStrength) - MinBlurStrength));

    /// <summary>Every field out of range, in words; empty when the settings are valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (BlurStrength is < MinBlurStrength or > MaxBlurStrength)
        {
            problems.Add($"blur strength must be {MinBlurStrength}–{MaxBlurStrength} (was {BlurStrength})");
        }

        if (!Enum.IsDefined(Colour))
        {
            problems.Add("colour mode must be greyscale, sepia or colour");
        }

        if (PlaybackSpeedPercent is < MinPlaybackSpeedPercent or > MaxPlaybackSpeedPercent)
        {
            problems.Add($"playback speed must be {MinPlaybackSpeedPercent}–{MaxPlaybackSpeedPercent} % (was {PlaybackSpeedPercent})");
        }

        return problems;
    }
}

/// <summary>What an admin sets for everyone: the view settings people inherit and the daily reveal budget.</summary>
/// <param name="View">Settings a person inherits field by field where they set none.</param>
/// <param name="DailyRevealBudget">Reveals per person per UTC day, 0–<see cref="MaxDailyRevealBudget"/>; a lead may set a person's own.</param>
internal sealed record OrganisationDefaults(ViewSettings View, int DailyRevealBudget)
{
    /// <summary>The budget until an admin sets one.</summary>
    public const int DefaultDailyRevealBudget = 25;

    /// <summary>The largest budget that can be set, for the organisation or a person.</summary>
    public const int MaxDailyRevealBudget = 1000;

    /// <summary>Haven's built-in defaults (also what the migration stores).</summary>
    public static OrganisationDefaults Default { get; } = new(ViewSettings.Default, DefaultDailyRevealBudget);

    /// <summary>Every field out of range, in words; empty when valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>(View.Problems());
        if (BudgetProblem(DailyRevealBudget) is { } problem)
        {
            problems.Add(problem);
        }

        return problems;
    }

    /// <summary>Why <paramref name="budget"/> cannot be a daily reveal budget, or null.</summary>
    public static string? BudgetProblem(int budget) => budget is < 0 or > MaxDailyRevealBudget
        ? $"the daily reveal budget must be 0–{MaxDailyRevealBudget} (was {budget})"
        : null;
}

/// <summary>A person's own choices; a null field inherits the organisation's default.</summary>
internal sealed record PersonSettings(int? BlurStrength, ColourMode? Colour, bool? VideoMuted, bool? VideoPaused, int? PlaybackSpeedPercent)
{
    /// <summary>No choices: everything from the organisation's defaults.</summary>
    public static PersonSettings Inherit { get; } = new(null, null, null, null, null);

    /// <summary>These choices over <paramref name="defaults"/>, field by field.</summary>
    public ViewSettings Over(ViewSettings defaults) => new(
        BlurStrength ?? defaults.BlurStrength,
        Colour ?? defaults.Colour,
        VideoMuted ?? defaults.VideoMuted,
        VideoPaused ?? defaults.VideoPaused,
        PlaybackSpeedPercent ?? defaults.PlaybackSpeedPercent);

    /// <summary>Every set field out of range, in words; empty when valid.</summary>
    public IReadOnlyList<string> Problems() => Over(ViewSettings.Default).Problems();
}

/// <summary>What applies to one person now.</summary>
/// <param name="Person">The person's user name.</param>
/// <param name="View">Their own settings over the organisation's defaults.</param>
/// <param name="DailyRevealBudget">Their budget: a lead's override for them, else the organisation's.</param>
/// <param name="BudgetOverridden">True when a lead set their budget.</param>
internal sealed record EffectiveSettings(string Person, ViewSettings View, int DailyRevealBudget, bool BudgetOverridden);
