namespace Haven.Cases;

/// <summary>
/// The settings of the cases stage, passed in by the host (configuration section <c>Cases</c>, docs/configuration.md).
/// </summary>
/// <param name="ClaimLapse">How long a claim holds before another reviewer may take the case (default 10 minutes).</param>
/// <param name="DueUrgent">Time to review an urgent case (default 1 hour).</param>
/// <param name="DueHigh">Time to review a high-priority case (default 4 hours).</param>
/// <param name="DueNormal">Time to review a normal case (default 24 hours).</param>
/// <param name="DueLow">Time to review a low-priority case (default 72 hours).</param>
/// <param name="QaShare">Share of decisions sent to a second reviewer, 0–1 (default 0.05).</param>
/// <param name="MuteThreshold">Dismissed reports after which a lead may mute a reporter (default 5).</param>
/// <param name="PresenceWindow">How long a person who had the case page open is still listed as viewing it (default 5 minutes).</param>
internal sealed record CaseSettings(
    TimeSpan ClaimLapse,
    TimeSpan DueUrgent,
    TimeSpan DueHigh,
    TimeSpan DueNormal,
    TimeSpan DueLow,
    double QaShare,
    int MuteThreshold,
    TimeSpan PresenceWindow)
{
    /// <summary>The defaults.</summary>
    public static CaseSettings Default { get; } = new(
        TimeSpan.FromMinutes(10), TimeSpan.FromHours(1), TimeSpan.FromHours(4), TimeSpan.FromHours(24), TimeSpan.FromHours(72), 0.05, 5, TimeSpan.FromMinutes(5));

    /// <summary>The review time of <paramref name="priority"/> (normal for an unknown one).</summary>
    public TimeSpan DueAfter(string? priority) => priority switch
    {
        "urgent" => DueUrgent,
        "high" => DueHigh,
        "low" => DueLow,
        _ => DueNormal,
    };

    /// <summary>The reason the settings cannot work, or null.</summary>
    public string? Validate()
    {
        if (ClaimLapse <= TimeSpan.Zero || PresenceWindow <= TimeSpan.Zero)
        {
            return "Cases: ClaimLapse and PresenceWindow must be positive.";
        }

        if (DueUrgent <= TimeSpan.Zero || DueHigh <= TimeSpan.Zero || DueNormal <= TimeSpan.Zero || DueLow <= TimeSpan.Zero)
        {
            return "Cases: every due time must be positive.";
        }

        if (!(QaShare is >= 0 and <= 1))
        {
            return "Cases: QaShare must be between 0 and 1.";
        }

        return MuteThreshold < 1 ? "Cases: MuteThreshold must be at least 1." : null;
    }
}
