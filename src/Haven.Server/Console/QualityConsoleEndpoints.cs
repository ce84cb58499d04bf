using System.Globalization;
using Haven.Appeals;
using Haven.People;
using Haven.Policy;
using Haven.Server.Console.Pages;
using Haven.Storage;
using Haven.Wellness;

namespace Haven.Server.Console;

/// <summary>
/// The quality page for leads (docs/review.md, "Quality"): per rule, what reviewers confirmed and dismissed and how
/// appeals ended; reviewers' exposure (reveals per person per day over the last two weeks); and second-review agreement.
/// </summary>
internal static class QualityConsoleEndpoints
{
    /// <summary>Maps the quality route onto <paramref name="working"/> (signed in, own password chosen).</summary>
    public static void MapQualityConsole(this RouteGroupBuilder working) =>
        working.MapGet("/quality", Show).RequireAuthorization(PersonRoleRequirement.PolicyName(PersonRole.Lead));

    private static async Task<IResult> Show(HttpContext http, HavenStore store, AppealService appeals, Reveals reveals)
    {
        var actor = PersonAuthentication.ActorOf(http.User)!;
        var ct = http.RequestAborted;
        var rules = QualityViews.Rules(await RuleLabels.CountsAsync(store, ct), await appeals.RatesAsync(ct));
        var today = DateOnly.FromDateTime(store.Time.GetUtcNow().UtcDateTime);
        var from = today.AddDays(1 - QualityViews.ExposureDays);
        var exposure = await reveals.ExposureAsync(actor, from, today, ct);
        if (!exposure.TryGetValue(out var daily, out var refused))
        {
            return ConsolePages.Message(http, refused is WellnessNotPermitted ? StatusCodes.Status403Forbidden : StatusCodes.Status400BadRequest, "Exposure not available", refused!.Message);
        }

        var (days, rows) = QualityViews.Exposure(daily, from, QualityViews.ExposureDays);
        var model = new QualityModel
        {
            Rules = rules,
            Days = days,
            Range = $"{from.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)} to {today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)} (UTC)",
            Exposure = rows,
            Agreement = (await http.RequestServices.GetRequiredService<Haven.Cases.CaseService>().QualityAsync(actor, ct)).TryGetValue(out var quality, out _)
                ? [.. quality.Reviewers.Select(r => Agreement("reviewer", r)), .. quality.Rules.Select(r => Agreement("rule", r))]
                : null,
        };
        return ConsolePages.Render<QualityPage>(new { Page = await ConsolePages.ContextAsync(http), Model = model });
    }

    private static AgreementRow Agreement(string scope, Haven.Cases.QaRate rate) =>
        new(scope, rate.Key, rate.Agreed + rate.Disagreed, rate.Agreed, rate.Rate is { } r ? r.ToString("P0", CultureInfo.InvariantCulture) : "-");
}
