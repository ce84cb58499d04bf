using System.Globalization;
using Haven.Appeals;
using Haven.Policy;
using Haven.Wellness;

namespace Haven.Server.Console;

/// <summary>How one rule fares with reviewers and appeals.</summary>
/// <param name="Rule">The rule.</param>
/// <param name="Confirmed">Decisions reviewers confirmed.</param>
/// <param name="FalsePositives">Cases reviewers dismissed as not abuse.</param>
/// <param name="FalsePositiveRate">False positives ÷ reviewed, or "-".</param>
/// <param name="OpenAppeals">Appeals still open.</param>
/// <param name="Upheld">Appeals decided, the decision stands.</param>
/// <param name="Overturned">Appeals decided, the decision reversed.</param>
/// <param name="OverturnRate">Overturned ÷ decided appeals, or "-".</param>
public sealed record RuleQualityRow(string Rule, long Confirmed, long FalsePositives, string FalsePositiveRate, long OpenAppeals, long Upheld, long Overturned, string OverturnRate);

/// <summary>One bar of a person's exposure chart: SVG geometry in user units (the chart is drawn server-side, styled by classes).</summary>
/// <param name="X">Left edge.</param>
/// <param name="Y">Top edge.</param>
/// <param name="Height">Height (0 on a day without reveals).</param>
/// <param name="Day">The day it stands for.</param>
/// <param name="Reveals">Reveals that day.</param>
public sealed record ExposureBar(int X, int Y, int Height, string Day, int Reveals);

/// <summary>One person's reveals per day over the range.</summary>
/// <param name="Person">User name.</param>
/// <param name="PerDay">Reveals on each day of <see cref="QualityModel.Days"/>.</param>
/// <param name="Total">Reveals over the range.</param>
/// <param name="Bars">The chart's bars, one per day.</param>
/// <param name="Summary">The chart in words (its accessible name).</param>
public sealed record ExposureRow(string Person, IReadOnlyList<int> PerDay, int Total, IReadOnlyList<ExposureBar> Bars, string Summary);

/// <summary>Second-review agreement of one reviewer or one rule.</summary>
/// <param name="Scope">reviewer or rule.</param>
/// <param name="Name">The reviewer's name or the rule.</param>
/// <param name="SecondReviews">Decisions that had a second review.</param>
/// <param name="Agreed">Second reviews that agreed.</param>
/// <param name="Rate">Agreed ÷ second reviews, or "-".</param>
public sealed record AgreementRow(string Scope, string Name, long SecondReviews, long Agreed, string Rate);

/// <summary>The quality page's model.</summary>
public sealed record QualityModel
{
    /// <summary>Per rule: review labels and appeals.</summary>
    public required IReadOnlyList<RuleQualityRow> Rules { get; init; }

    /// <summary>The days of the exposure range, oldest first (<c>MM-dd</c>).</summary>
    public required IReadOnlyList<string> Days { get; init; }

    /// <summary>First and last day of the range, for the caption.</summary>
    public required string Range { get; init; }

    /// <summary>People who revealed media in the range.</summary>
    public required IReadOnlyList<ExposureRow> Exposure { get; init; }

    /// <summary>Second-review agreement per reviewer and per rule; null until second review reports it.</summary>
    public IReadOnlyList<AgreementRow>? Agreement { get; init; }
}

/// <summary>Builds the quality page's tables and charts.</summary>
internal static class QualityViews
{
    /// <summary>Days of exposure shown.</summary>
    public const int ExposureDays = 14;

    /// <summary>Height of a full bar, in SVG user units.</summary>
    public const int ChartHeight = 40;

    /// <summary>Width of a bar's slot (bar 10, gap 2).</summary>
    public const int BarSlot = 12;

    /// <summary>Width of a bar.</summary>
    public const int BarWidth = 10;

    /// <summary>One row per rule that has labels or appeals, ordered by rule.</summary>
    public static IReadOnlyList<RuleQualityRow> Rules(IReadOnlyList<RuleLabelCounts> labels, IReadOnlyList<AppealRate> appeals)
    {
        var byRule = labels.ToDictionary(l => l.RuleId, StringComparer.Ordinal);
        var rates = appeals.ToDictionary(a => a.RuleId, StringComparer.Ordinal);
        return [.. byRule.Keys.Union(rates.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(rule =>
        {
            var label = byRule.GetValueOrDefault(rule);
            var rate = rates.GetValueOrDefault(rule);
            return new RuleQualityRow(
                rule,
                label?.Confirmed ?? 0,
                label?.FalsePositives ?? 0,
                AppealViews.Percent(label?.FalsePositiveRate),
                rate?.Open ?? 0,
                rate?.Upheld ?? 0,
                rate?.Overturned ?? 0,
                AppealViews.Percent(rate?.OverturnRate));
        })];
    }

    /// <summary>
    /// The days from <paramref name="from"/> on, and one row per person with reveals, bars scaled to the largest day of
    /// anyone in the range so that people compare at a glance.
    /// </summary>
    public static (IReadOnlyList<string> Days, IReadOnlyList<ExposureRow> Rows) Exposure(IReadOnlyList<DailyExposure> exposure, DateOnly from, int days)
    {
        var labels = Enumerable.Range(0, days).Select(d => from.AddDays(d).ToString("MM-dd", CultureInfo.InvariantCulture)).ToList();
        var max = Math.Max(1, exposure.Select(e => e.Reveals).DefaultIfEmpty(0).Max());
        var rows = exposure.GroupBy(e => e.Person, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(person =>
        {
            var perDay = new int[days];
            foreach (var day in person)
            {
                var index = day.Day.DayNumber - from.DayNumber;
                if (index >= 0 && index < days)
                {
                    perDay[index] += day.Reveals;
                }
            }

            var bars = perDay.Select((count, i) =>
            {
                // A day with reveals is at least 1 unit tall, so it never looks like a day without.
                var height = count == 0 ? 0 : Math.Max(1, (int)Math.Round((double)count * ChartHeight / max, MidpointRounding.AwayFromZero));
                return new ExposureBar(i * BarSlot, ChartHeight - height, height, labels[i], count);
            }).ToList();
            var busiest = bars.MaxBy(b => b.Reveals)!;
            var summary = $"Reveals per day by {person.Key}: {perDay.Sum()} in {days} days, most on {busiest.Day} ({busiest.Reveals})";
            return new ExposureRow(person.Key, perDay, perDay.Sum(), bars, summary);
        }).ToList();
        return (labels, rows);
    }
}
