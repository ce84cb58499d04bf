using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Haven.Appeals;
using Haven.Enforcement;
using Haven.People;
using Haven.Storage;
using Spectre.Console;

namespace Haven.Cli.Commands;

/// <summary><c>haven appeals list|show|assign|decide|rates</c> (docs/appeals.md); changes act as the person named by <c>--as</c>.</summary>
internal static class AppealCommands
{
    public static Command Create()
    {
        var appeals = new Command("appeals", "List, show, assign and decide appeals against decisions (docs/appeals.md).");
        var json = new Option<bool>("--json") { Description = "JSON instead of a table." };

        var status = new Option<string?>("--status") { Description = "Only appeals in this status: open, upheld, overturned or rejected." };
        var rule = new Option<string?>("--rule") { Description = "Only appeals against decisions of this rule." };
        var after = new Option<long>("--after") { Description = "Keyset cursor: the 'next' value of the previous page.", DefaultValueFactory = _ => 0 };
        var limit = new Option<int>("--limit") { Description = "Page size, 1–500.", DefaultValueFactory = _ => 50 };
        var list = new Command("list", "List appeals, oldest first: id, status, rule, subject, account, who decided the original, assignee.") { status, rule, after, limit, json };
        list.SetAction((parse, ct) => CliContext.GuardAsync("appeals list", () => WithStoreAsync(parse, ct, async store =>
        {
            var result = await Service(store, []).ListAsync(new AppealFilter(parse.GetValue(status), parse.GetValue(rule), parse.GetValue(after), parse.GetValue(limit)), ct);
            if (!result.TryGetValue(out var page, out var error))
            {
                return Fail("appeals list", error!);
            }

            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(new { appeals = page.Appeals.Select(Dto), next = page.Next }, CliJson.Options));
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("appeal", "status", "rule", "subject", "account", "decided by", "assigned to", "version", "opened (UTC)");
            foreach (var a in page.Appeals)
            {
                table.AddRow(
                    Markup.Escape(a.AppealId), Markup.Escape(a.Status + (a.RejectedCode is null ? string.Empty : $" ({a.RejectedCode})")), Markup.Escape(a.RuleId ?? "-"),
                    Markup.Escape(a.SubjectKind is null ? "-" : $"{a.SubjectKind}:{a.SubjectId}"), Markup.Escape(a.Account), Markup.Escape(a.OriginalDecidedBy),
                    Markup.Escape(a.AssignedTo ?? "-"), a.Version.ToString(CultureInfo.InvariantCulture), Time(a.CreatedAt));
            }

            AnsiConsole.Write(table);
            Console.Out.WriteLine($"{page.Appeals.Count} appeal(s)" + (page.Next is { } next ? $"; next page: --after {next}" : string.Empty));
            return ExitCodes.Ok;
        })));
        appeals.Add(list);

        var id = new Argument<string>("APPEAL_ID") { Description = "The appeal, e.g. ap-17." };
        var show = new Command("show", "One appeal with the appealed decision (rule, actions, evidence), its outbox actions, the requests that joined it and the reversal of an overturn.") { id, json };
        show.SetAction((parse, ct) => CliContext.GuardAsync("appeals show", () => WithStoreAsync(parse, ct, async store =>
        {
            var result = await Service(store, []).GetAsync(parse.GetValue(id)!, ct);
            if (!result.TryGetValue(out var details, out var error))
            {
                return Fail("appeals show", error!);
            }

            var dto = new
            {
                appeal = Dto(details.Appeal),
                decision = details.Decision is { } d ? new { d.DecisionId, d.RuleId, d.PolicyVersion, d.Mode, d.SubjectKind, d.SubjectId, d.Account, d.Actions, evidence = JsonDocument.Parse(d.EvidenceJson).RootElement, d.OccurredAt, d.DecidedAt } : null,
                actions = details.Actions.Select(OutboxDto),
                caseId = details.CaseId,
                requests = details.Requests,
                reversal = details.Reversal is { } r ? new { r.DecisionId, r.Actions, r.DecidedAt } : null,
                reversalActions = details.ReversalActions.Select(OutboxDto),
            };
            Console.Out.WriteLine(JsonSerializer.Serialize(dto, CliJson.Options));
            return ExitCodes.Ok;
        })));
        appeals.Add(show);

        var actingAs = new Option<string>("--as") { Description = "The person acting (an active user: haven user list); recorded in the audit log as person:NAME.", Required = true };
        var version = new Option<long>("--expected-version") { Description = "The appeal's version as you read it (appeals show); a change since then is refused.", Required = true };
        var assigneeName = new Argument<string>("PERSON") { Description = "A lead or specialist who did not decide the appealed decision." };
        var assign = new Command("assign", "Assign an open appeal (a lead only). Audited as appeal.assigned.") { id, assigneeName, actingAs, version, json };
        assign.SetAction((parse, ct) => CliContext.GuardAsync("appeals assign", () => WithStoreAsync(parse, ct, async store =>
        {
            if (await ActorAsync(store, parse.GetValue(actingAs)!, "appeals assign", ct) is not { } actor)
            {
                return ExitCodes.Usage;
            }

            var result = await Service(store, []).AssignAsync(actor, parse.GetValue(id)!, parse.GetValue(assigneeName)!, parse.GetValue(version), ct);
            if (!result.TryGetValue(out var appeal, out var error))
            {
                return Fail("appeals assign", error!);
            }

            Console.Out.WriteLine(parse.GetValue(json) ? JsonSerializer.Serialize(Dto(appeal), CliJson.Options) : $"{appeal.AppealId} assigned to {appeal.AssignedTo} (version {appeal.Version})");
            return ExitCodes.Ok;
        })));
        appeals.Add(assign);

        var outcome = new Argument<string>("OUTCOME") { Description = "upheld (the decision stands) or overturned (reverse its actions)." };
        var reason = new Option<string>("--reason") { Description = "Why, for the record (kept with the appeal, never logged).", Required = true };
        var enforcement = new EnforcementCliOptions();
        var decide = new Command("decide", "Decide an open appeal as a specialist or lead who did not decide the original. Overturned enqueues reverse actions for the configured adapters. Audited as appeal.decided.") { id, outcome, actingAs, version, reason, json };
        enforcement.AddTo(decide);
        decide.SetAction((parse, ct) => CliContext.GuardAsync("appeals decide", () => WithStoreAsync(parse, ct, async store =>
        {
            if (!AppealOutcomes.TryParse(parse.GetValue(outcome), out var chosen))
            {
                Console.Error.WriteLine("haven appeals decide: OUTCOME is upheld or overturned.");
                return ExitCodes.Usage;
            }

            if (!enforcement.TryGet(parse, out var targets, out var invalid))
            {
                Console.Error.WriteLine("haven appeals decide: " + invalid);
                return ExitCodes.Usage;
            }

            if (await ActorAsync(store, parse.GetValue(actingAs)!, "appeals decide", ct) is not { } actor)
            {
                return ExitCodes.Usage;
            }

            var result = await Service(store, targets.Adapters).DecideAsync(actor, parse.GetValue(id)!, chosen, parse.GetValue(reason)!, parse.GetValue(version), ct);
            if (!result.TryGetValue(out var decided, out var error))
            {
                return Fail("appeals decide", error!);
            }

            Console.Out.WriteLine(parse.GetValue(json)
                ? JsonSerializer.Serialize(new { appeal = Dto(decided.Appeal), reversalDecisionId = decided.ReversalDecisionId, reverseActions = decided.ReverseActionsEnqueued }, CliJson.Options)
                : $"{decided.Appeal.AppealId} {decided.Appeal.Status}" + (decided.ReversalDecisionId is { } rev ? $"; reversal {rev}, {decided.ReverseActionsEnqueued} reverse action(s) enqueued" : string.Empty));
            return ExitCodes.Ok;
        })));
        appeals.Add(decide);

        var rates = new Command("rates", "Per rule: appeals, open, upheld, overturned and the overturn rate.") { json };
        rates.SetAction((parse, ct) => CliContext.GuardAsync("appeals rates", () => WithStoreAsync(parse, ct, async store =>
        {
            var rows = await Service(store, []).RatesAsync(ct);
            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(rows, CliJson.Options));
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("rule", "appeals", "open", "upheld", "overturned", "overturn rate");
            foreach (var r in rows)
            {
                table.AddRow(Markup.Escape(r.RuleId), $"{r.Appeals}", $"{r.Open}", $"{r.Upheld}", $"{r.Overturned}", r.OverturnRate is { } rate ? rate.ToString("P0", CultureInfo.InvariantCulture) : "-");
            }

            AnsiConsole.Write(table);
            return ExitCodes.Ok;
        })));
        appeals.Add(rates);
        return appeals;
    }

    private static AppealService Service(HavenStore store, IReadOnlyList<string> adapters) => new(store, adapters, new PeopleService(store));

    private static async Task<Actor?> ActorAsync(HavenStore store, string name, string command, CancellationToken ct)
    {
        var actor = await new PeopleService(store).FindActiveAsync(name, ct);
        if (actor is null)
        {
            Console.Error.WriteLine($"haven {command}: --as {name}: no active person has this name (haven user list).");
        }

        return actor;
    }

    private static int Fail(string command, AppealError error)
    {
        Console.Error.WriteLine($"haven {command}: {error.Code}: {error.Message}");
        return error switch
        {
            AppealNotFound => ExitCodes.NotFound,
            AppealRequestInvalid or AppealAssigneeInvalid => ExitCodes.Usage,
            _ => Refused,
        };
    }

    /// <summary>Exit code of a change the appeal's state or the person's role refuses (closed, changed since read, conflict of interest, not permitted).</summary>
    public const int Refused = 9;

    private static object Dto(Appeal a) => new
    {
        appealId = a.AppealId,
        status = a.Status,
        rejectedCode = a.RejectedCode,
        eventSeq = a.EventSeq,
        platformAppealId = a.PlatformAppealId,
        account = a.Account,
        decisionId = a.DecisionId,
        contestedActionId = a.ContestedActionId,
        ruleId = a.RuleId,
        subject = a.SubjectKind is null ? null : $"{a.SubjectKind}:{a.SubjectId}",
        reason = a.Reason,
        originalDecidedBy = a.OriginalDecidedBy,
        assignedTo = a.AssignedTo,
        decidedBy = a.DecidedBy,
        reversalDecisionId = a.ReversalDecisionId,
        version = a.Version,
        occurredAt = a.OccurredAt,
        createdAt = a.CreatedAt,
        decidedAt = a.DecidedAt,
    };

    private static object OutboxDto(OutboxEntry r) => new { actionId = r.ActionId, adapter = r.Adapter, kind = r.Kind, state = r.State.ToText(), attempts = r.Attempts, lastError = r.LastError };

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static async Task<int> WithStoreAsync(ParseResult parse, CancellationToken ct, Func<HavenStore, Task<int>> body)
    {
        await using var store = await CliContext.OpenStoreAsync(parse, ct);
        return store is null ? ExitCodes.StoreError : await body(store);
    }
}
