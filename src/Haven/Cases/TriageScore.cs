namespace Haven.Cases;

/// <summary>What the triage score of a case is computed from (all of it folded from the case's log).</summary>
/// <param name="Priority">The highest review priority any item asked for (<c>low</c> … <c>urgent</c>).</param>
/// <param name="Category">The most severe bank category among the case's media matches, or null.</param>
/// <param name="HasMedia">Any media item or bank match.</param>
/// <param name="Solicitation">Any solicitation language.</param>
/// <param name="Trade">Any trade-request language.</param>
/// <param name="Reporters">Distinct reporters.</param>
/// <param name="Reach">The subject account's followers (the highest seen).</param>
internal readonly record struct TriageInputs(string Priority, string? Category, bool HasMedia, bool Solicitation, bool Trade, long Reporters, long Reach);

/// <summary>
/// The triage score: higher is reviewed first. A pure function of <see cref="TriageInputs"/>:
/// <code>
/// score = band × 1,000,000 + severity
/// band     = 0 low, 1 normal, 2 high, 3 urgent (the rule's priority always dominates)
/// severity = category (A1 4000, A2 3000, B1 2000, B2 1000, another category or an uncategorised match 500)
///          + 300 solicitation + 200 trade request
///          + 50 per distinct reporter, at most 10 counted (≤ 500)
///          + 10 × ⌊log2(followers + 1)⌋, at most 200
/// </code>
/// Severity is below 1,000,000, so a band is never overtaken by severity. The age of a case is not in the stored score
/// (it would change every second and could not be indexed); it enters the order through the due time, which is the
/// second key of the queue: among equal scores the case due first (the oldest at that priority) comes first.
/// </summary>
internal static class TriageScore
{
    /// <summary>The weight of one priority band.</summary>
    public const long Band = 1_000_000;

    /// <summary>The score of <paramref name="inputs"/>.</summary>
    public static long Compute(TriageInputs inputs)
    {
        var band = Math.Max(0, CasePriorities.Rank(inputs.Priority));
        long severity = CategoryPoints(inputs.Category, inputs.HasMedia);
        severity += inputs.Solicitation ? 300 : 0;
        severity += inputs.Trade ? 200 : 0;
        severity += 50 * Math.Clamp(inputs.Reporters, 0, 10);
        severity += Math.Min(200, 10 * Log2Floor(Math.Max(0, inputs.Reach) + 1));
        return (band * Band) + severity;
    }

    /// <summary>Severity of a bank category: A1 &gt; A2 &gt; B1 &gt; B2 &gt; any other match; 0 without media.</summary>
    public static int CategoryPoints(string? category, bool hasMedia) => category switch
    {
        "A1" => 4000,
        "A2" => 3000,
        "B1" => 2000,
        "B2" => 1000,
        _ => category is not null || hasMedia ? 500 : 0,
    };

    /// <summary>The more severe of two categories (by <see cref="CategoryPoints"/>; the first on a tie).</summary>
    public static string? MoreSevere(string? a, string? b) =>
        b is null ? a : a is null ? b : CategoryPoints(b, true) > CategoryPoints(a, true) ? b : a;

    private static long Log2Floor(long value) => 63 - long.LeadingZeroCount(value);
}
