using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Haven.Enforcement;
using Spectre.Console;

namespace Haven.Cli.Commands;

/// <summary><c>haven outbox list|replay</c> (docs/enforcement.md).</summary>
internal static class OutboxCommands
{
    public static Command Create()
    {
        var outbox = new Command("outbox", "Inspect the enforcement outbox and replay dead-lettered actions (docs/enforcement.md).");

        var state = new Option<string?>("--state") { Description = "Only rows in this state: pending, delivered or dead." };
        var limit = new Option<int>("--limit") { Description = "Most rows shown, oldest first.", DefaultValueFactory = _ => 1000 };
        var json = new Option<bool>("--json") { Description = "JSON lines instead of a table." };
        var list = new Command("list", "List outbox rows: action id, kind, state, attempts, next attempt, last error. Payloads are not shown.") { state, limit, json };
        list.SetAction((parse, ct) => CliContext.GuardAsync("outbox list", () => WithQueueAsync(parse, ct, async queue =>
        {
            OutboxState? only = null;
            if (parse.GetValue(state) is { } text)
            {
                if (!OutboxStates.TryParse(text, out var parsed))
                {
                    Console.Error.WriteLine($"haven outbox list: unknown state '{text}'; use pending, delivered or dead.");
                    return ExitCodes.Usage;
                }

                only = parsed;
            }

            if (parse.GetValue(limit) < 1)
            {
                Console.Error.WriteLine("haven outbox list: --limit must be at least 1.");
                return ExitCodes.Usage;
            }

            var rows = await queue.ListAsync(only, parse.GetValue(limit), ct);
            if (parse.GetValue(json))
            {
                foreach (var r in rows)
                {
                    Console.Out.WriteLine(JsonSerializer.Serialize(new
                    {
                        actionId = r.ActionId,
                        adapter = r.Adapter,
                        kind = r.Kind,
                        state = r.State.ToText(),
                        attempts = r.Attempts,
                        createdAt = r.CreatedAt,
                        nextAttemptAt = r.NextAttemptAt,
                        deliveredAt = r.DeliveredAt,
                        lastError = r.LastError,
                    }, CliJson.Options));
                }

                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("action id", "kind", "adapter", "state", "attempts", "next attempt (UTC)", "delivered (UTC)", "last error");
            foreach (var r in rows)
            {
                table.AddRow(
                    Markup.Escape(r.ActionId), Markup.Escape(r.Kind), Markup.Escape(r.Adapter), r.State.ToText(),
                    r.Attempts.ToString(CultureInfo.InvariantCulture),
                    r.State == OutboxState.Pending ? Time(r.NextAttemptAt) : "-",
                    r.DeliveredAt is { } d ? Time(d) : "-",
                    Markup.Escape(r.LastError ?? "-"));
            }

            AnsiConsole.Write(table);
            Console.Out.WriteLine($"{rows.Count} row(s)");
            return ExitCodes.Ok;
        })));
        outbox.Add(list);

        var ids = new Argument<string[]>("ACTION_ID") { Description = "Action ids of dead rows to send again.", Arity = ArgumentArity.ZeroOrMore };
        var allDead = new Option<bool>("--all-dead") { Description = "Replay every dead row." };
        var replay = new Command("replay", "Move dead rows back to pending with attempts reset; the dispatcher sends them on its next round. Audited as outbox.replayed.") { ids, allDead };
        replay.SetAction((parse, ct) => CliContext.GuardAsync("outbox replay", () => WithQueueAsync(parse, ct, async queue =>
        {
            var given = parse.GetValue(ids) ?? [];
            var all = parse.GetValue(allDead);
            if (all == given.Length > 0)
            {
                Console.Error.WriteLine("haven outbox replay: give ACTION_ID... or --all-dead (not both).");
                return ExitCodes.Usage;
            }

            var result = await queue.ReplayAsync(all ? null : given, ct);
            foreach (var id in result.Replayed)
            {
                Console.Out.WriteLine($"replayed {id}");
            }

            foreach (var id in result.NotDead)
            {
                Console.Error.WriteLine($"haven outbox replay: {id}: not dead (pending or delivered); left unchanged.");
            }

            foreach (var id in result.NotFound)
            {
                Console.Error.WriteLine($"haven outbox replay: {id}: no such action.");
            }

            Console.Out.WriteLine($"{result.Replayed.Count} replayed, {result.NotDead.Count} not dead, {result.NotFound.Count} not found");
            return result.NotFound.Count > 0 ? ExitCodes.NotFound : ExitCodes.Ok;
        })));
        outbox.Add(replay);
        return outbox;
    }

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static async Task<int> WithQueueAsync(ParseResult parse, CancellationToken ct, Func<OutboxQueue, Task<int>> body)
    {
        await using var store = await CliContext.OpenStoreAsync(parse, ct);
        return store is null ? ExitCodes.StoreError : await body(new OutboxQueue(store));
    }
}
