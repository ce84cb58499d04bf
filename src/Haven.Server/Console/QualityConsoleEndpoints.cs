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
            // QA: the lead wires second-review agreement here once CaseService.QualityAsync() is merged
            // (per reviewer and per rule, as AgreementRow); null shows the page's placeholder.
            Agreement = null,
        };
        return ConsolePages.Render<QualityPage>(new { Page = await ConsolePages.ContextAsync(http), Model = model });
    }
}
