using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Haven.Cases;
using Haven.Cli.Configuration;
using Haven.People;
using Haven.Storage;
using Spectre.Console;

namespace Haven.Cli.Commands;

/// <summary><c>haven cases list|show|assign|decide</c>: the review queue from a terminal (docs/cases.md), acting as a person.</summary>
internal static class CaseCommands
{
    /// <summary>The cases stage's settings from configuration (<c>Cases:*</c>, docs/configuration.md).</summary>
    public static CaseSettings SettingsFromConfig()
    {
        var d = CaseSettings.Default;
        return new CaseSettings(
            HavenConfig.Duration(Settings.CasesClaimLapse, d.ClaimLapse),
            HavenConfig.Duration(Settings.CasesDueUrgent, d.DueUrgent),
            HavenConfig.Duration(Settings.CasesDueHigh, d.DueHigh),
            HavenConfig.Duration(Settings.CasesDueNormal, d.DueNormal),
            HavenConfig.Duration(Settings.CasesDueLow, d.DueLow),
            HavenConfig.Text(Settings.CasesQaShare) is { } share ? double.Parse(share, NumberStyles.Float, CultureInfo.InvariantCulture) : d.QaShare,
            HavenConfig.Int32(Settings.CasesMuteThreshold, d.MuteThreshold),
            HavenConfig.Duration(Settings.CasesPresenceWindow, d.PresenceWindow));
    }

    public static Command Create()
    {
        var cases = new Command("cases", "The review queue: list, show, assign and decide cases as a person (docs/cases.md).");
        var json = new Option<bool>("--json") { Description = "JSON instead of a table." };
        var actor = new Option<string>("--as") { Description = "The person acting (an active user, `haven user list`); their role is what is checked.", Required = true };
        var id = new Argument<long>("CASE") { Description = "Case id." };

        var queue = new Option<string?>("--queue") { Description = "review or specialist." };
        var status = new Option<string>("--status") { Description = "open (default) or closed.", DefaultValueFactory = _ => CaseStatuses.Open };
        var assignee = new Option<string?>("--assignee") { Description = "Cases held by this person." };
        var subject = new Option<string?>("--subject-kind") { Description = "account, content, community or network." };
        var rule = new Option<string?>("--rule") { Description = "Cases with an item from this rule." };
        var network = new Option<string?>("--network") { Description = "Cases of this discovered network (run-…)." };
        var qa = new Option<string?>("--qa") { Description = "Second-review state: requested, agreed or disagreed (with --status closed)." };
        var limit = new Option<int>("--limit") { Description = "Page size, 1–500.", DefaultValueFactory = _ => 50 };
        var after = new Option<string?>("--after") { Description = "The cursor printed with the previous page." };
        var list = new Command("list", "List the queue: highest score first, then due first.") { actor, queue, status, assignee, subject, rule, network, qa, limit, after, json };
        list.SetAction((parse, ct) => CliContext.GuardAsync("cases list", () => AsPersonAsync(parse, ct, "cases list", actor, async (service, _) =>
        {
            var result = await service.ListAsync(new CaseQuery
            {
                Queue = parse.GetValue(queue),
                Status = parse.GetValue(status),
                Assignee = parse.GetValue(assignee),
                SubjectKind = parse.GetValue(subject),
                Rule = parse.GetValue(rule),
                Network = parse.GetValue(network),
                QaState = parse.GetValue(qa),
                Limit = parse.GetValue(limit),
                After = parse.GetValue(after),
            }, ct);
            if (!result.TryGetValue(out var page, out var error))
            {
                return Refused("cases list", error!);
            }

            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(new { cases = page.Cases, next = page.Next }, CliJson.Options));
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("case", "subject", "queue", "priority", "score", "due", "held by", "items", "status");
            foreach (var c in page.Cases)
            {
                table.AddRow(c.CaseId.ToString(CultureInfo.InvariantCulture), Markup.Escape($"{c.SubjectKind}:{c.SubjectId}"), c.Queue, c.Priority, c.Score.ToString(CultureInfo.InvariantCulture),
                    c.DueAt.ToString("u", CultureInfo.InvariantCulture), Markup.Escape(c.Assignee ?? "-"), c.Items.ToString(CultureInfo.InvariantCulture), c.Outcome ?? c.Status);
            }

            AnsiConsole.Write(table);
            if (page.Next is { } next)
            {
                Console.Error.WriteLine($"more: --after {next}");
            }

            return ExitCodes.Ok;
        })));
        cases.Add(list);

        var show = new Command("show", "Show a case: its items and its log (never reporter ids).") { actor, id, json };
        show.SetAction((parse, ct) => CliContext.GuardAsync("cases show", () => AsPersonAsync(parse, ct, "cases show", actor, async (service, _) =>
        {
            var result = await service.GetAsync(parse.GetValue(id), ct);
            if (!result.TryGetValue(out var detail, out var error))
            {
                return Refused("cases show", error!);
            }

            var allowed = (await service.AllowedActionsAsync(detail.Case.CaseId, ct)).Value;
            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(new { @case = detail.Case, items = detail.Items, events = detail.Events, allowedActions = allowed }, CliJson.Options));
                return ExitCodes.Ok;
            }

            var c = detail.Case;
            Console.Out.WriteLine($"case {c.CaseId}: {c.SubjectKind}:{c.SubjectId} · {c.Status}{(c.Outcome is null ? string.Empty : " (" + c.Outcome + ")")} · {c.Queue} · {c.Priority} · score {c.Score} · due {c.DueAt:u} · version {c.LastEventN}");
            var items = new Table().AddColumns("item", "kind", "rule", "added");
            foreach (var item in detail.Items)
            {
                items.AddRow(Markup.Escape(item.ItemId), item.Kind, Markup.Escape(item.RuleId ?? "-"), item.AddedAt.ToString("u", CultureInfo.InvariantCulture));
            }

            AnsiConsole.Write(items);
            var log = new Table().AddColumns("n", "event", "by", "at");
            foreach (var e in detail.Events)
            {
                log.AddRow(e.N.ToString(CultureInfo.InvariantCulture), e.Kind, Markup.Escape(e.Actor), DateTimeOffset.FromUnixTimeMilliseconds(e.At).ToString("u", CultureInfo.InvariantCulture));
            }

            AnsiConsole.Write(log);
            Console.Out.WriteLine("actions: " + (allowed.Count == 0 ? "none" : string.Join(", ", allowed.Select(a => $"{a.Action}@{a.Target}"))));
            return ExitCodes.Ok;
        })));
        cases.Add(show);

        var person = new Argument<string>("PERSON") { Description = "The person to give the case to." };
        var expected = new Option<long?>("--expected-version") { Description = "The case version the decision was made from (refused if the case changed since)." };
        var assign = new Command("assign", "A lead gives a case to a person.") { actor, id, person, expected, json };
        assign.SetAction((parse, ct) => CliContext.GuardAsync("cases assign", () => AsPersonAsync(parse, ct, "cases assign", actor, async (service, who) =>
            Print(parse.GetValue(json), "cases assign", await service.AssignAsync(who, parse.GetValue(id), parse.GetValue(person)!, parse.GetValue(expected), ct)))));
        cases.Add(assign);

        var decision = new Argument<string>("DECISION") { Description = "confirm, dismiss or escalate." };
        decision.AcceptOnlyFromAmong([.. CaseDecisionRequest.Kinds]);
        var actions = new Option<string[]>("--action") { Description = "confirm: a platform action to take (repeat; see `cases show`).", AllowMultipleArgumentsPerToken = false };
        var category = new Option<string?>("--category") { Description = "confirm: the category of the case's media (A1, A2, B1, B2); required when the case has media." };
        var reason = new Option<string?>("--reason") { Description = $"dismiss: {string.Join(", ", CaseService.DismissReasons)}." };
        var note = new Option<string?>("--note") { Description = "A note kept in the case log." };
        var closeRelated = new Option<bool>("--close-related") { Description = "confirm: also close the subject account's other open cases as handled." };
        var decide = new Command("decide", "Confirm, dismiss or escalate a case.") { actor, id, decision, actions, category, reason, note, closeRelated, expected, json };
        var enforcement = new EnforcementCliOptions();
        enforcement.AddTo(decide);
        decide.SetAction((parse, ct) => CliContext.GuardAsync("cases decide", () => AsPersonAsync(parse, ct, "cases decide", actor, async (service, who) =>
            Print(parse.GetValue(json), "cases decide", await service.DecideAsync(who, parse.GetValue(id), new CaseDecisionRequest(
                parse.GetValue(decision)!, parse.GetValue(actions) ?? [], parse.GetValue(category), parse.GetValue(reason), parse.GetValue(note), parse.GetValue(expected), parse.GetValue(closeRelated)), ct)), enforcement)));
        cases.Add(decide);
        return cases;
    }

    private static int Print(bool json, string command, Result<CaseView, CaseError> result)
    {
        if (!result.TryGetValue(out var view, out var error))
        {
            return Refused(command, error!);
        }

        Console.Out.WriteLine(json
            ? JsonSerializer.Serialize(view, CliJson.Options)
            : $"case {view.CaseId}: {view.Status}{(view.Outcome is null ? string.Empty : " (" + view.Outcome + ")")}, held by {view.Assignee ?? "nobody"}, version {view.LastEventN}");
        return ExitCodes.Ok;
    }

    private static int Refused(string command, CaseError error)
    {
        Console.Error.WriteLine($"haven {command}: {error.Message} ({error.Code})");
        return error is CaseNotFound ? ExitCodes.NotFound : ExitCodes.Usage;
    }

    private static async Task<int> AsPersonAsync(ParseResult parse, CancellationToken ct, string command, Option<string> actor, Func<CaseService, Actor, Task<int>> body, EnforcementCliOptions? enforcement = null)
    {
        await using var store = await CliContext.OpenStoreAsync(parse, ct);
        if (store is null)
        {
            return ExitCodes.StoreError;
        }

        var name = parse.GetValue(actor)!;
        if (await new PeopleService(store).FindActiveAsync(name, ct) is not { } who)
        {
            Console.Error.WriteLine($"haven {command}: '{name}' is not an active person (haven user list).");
            return ExitCodes.Usage;
        }

        // A confirmation enqueues platform actions for the adapters `serve` and `process` would (docs/enforcement.md).
        var adapters = Enforcement.EnforcementTargets.None.Adapters;
        if (enforcement is not null)
        {
            if (!enforcement.TryGet(parse, out var targets, out var invalid))
            {
                Console.Error.WriteLine($"haven {command}: {invalid}");
                return ExitCodes.Usage;
            }

            adapters = targets.Adapters;
        }

        return await body(new CaseService(store, SettingsFromConfig(), adapters), who);
    }
}
