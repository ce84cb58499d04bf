using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Haven.Pipeline;
using Haven.Signals;
using Spectre.Console;

namespace Haven.Cli.Commands;

/// <summary><c>haven events dead list|retry</c>: the events the signals stage set aside (docs/pipeline.md, "Failures").</summary>
internal static class DeadEventCommands
{
    public static Command Create()
    {
        var dead = new Command("dead", "Events the signals stage set aside because they fail alone (docs/pipeline.md, \"Failures\").");

        var json = new Option<bool>("--json") { Description = "JSON lines instead of a table." };
        var list = new Command("list", "List dead events: log position, event id, stage, error type and code, first and last failure, attempts. Never content.") { json };
        list.SetAction((parse, ct) => CliContext.GuardAsync("events dead list", async () =>
        {
            await using var store = await CliContext.OpenStoreAsync(parse, ct);
            if (store is null)
            {
                return ExitCodes.StoreError;
            }

            var rows = await DeadEvents.ListAsync(store, cancellationToken: ct);
            if (parse.GetValue(json))
            {
                foreach (var r in rows)
                {
                    Console.Out.WriteLine(JsonSerializer.Serialize(new
                    {
                        seq = r.Seq,
                        eventId = r.EventId,
                        checkpoint = r.Checkpoint,
                        stage = r.Stage,
                        errorType = r.ErrorType,
                        errorCode = r.ErrorCode,
                        firstFailedAt = r.FirstFailedAt,
                        lastFailedAt = r.LastFailedAt,
                        attempts = r.Attempts,
                    }, CliJson.Options));
                }

                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("seq", "event id", "stage", "error type", "error code", "first failed (UTC)", "last failed (UTC)", "attempts");
            foreach (var r in rows)
            {
                table.AddRow(
                    r.Seq.ToString(CultureInfo.InvariantCulture), Markup.Escape(r.EventId), r.Stage, Markup.Escape(r.ErrorType), Markup.Escape(r.ErrorCode),
                    Time(r.FirstFailedAt), Time(r.LastFailedAt), r.Attempts.ToString(CultureInfo.InvariantCulture));
            }

            AnsiConsole.Write(table);
            Console.Out.WriteLine($"{rows.Count} dead event(s)");
            return ExitCodes.Ok;
        }));
        dead.Add(list);

        var seqs = new Argument<long[]>("SEQ") { Description = "Log positions of dead events to process again.", Arity = ArgumentArity.ZeroOrMore };
        var all = new Option<bool>("--all") { Description = "Retry every dead event." };
        var policy = ProcessCommands.PolicyOption();
        var shadow = ProcessCommands.ShadowOption();
        var hosts = ProcessCommands.MediaHostOption();
        var enforcement = new EnforcementCliOptions();
        var retry = new Command("retry", "Process dead events again through the same handlers, each in its own transaction; on success it leaves the dead events (audited as event.dead.retried), on failure one more attempt is recorded.")
        {
            seqs, all, policy, shadow, hosts,
        };
        enforcement.AddTo(retry);
        retry.SetAction((parse, ct) => CliContext.GuardAsync("events dead retry", async () =>
        {
            if (!enforcement.TryGet(parse, out var targets, out var invalidTargets))
            {
                Console.Error.WriteLine("haven events dead retry: " + invalidTargets);
                return ExitCodes.Usage;
            }

            var given = parse.GetValue(seqs) ?? [];
            var everything = parse.GetValue(all);
            if (everything == given.Length > 0)
            {
                Console.Error.WriteLine("haven events dead retry: give SEQ... or --all (not both).");
                return ExitCodes.Usage;
            }

            var engine = await ProcessCommands.LoadPolicyAsync("events dead retry", parse.GetValue(policy), parse.GetValue(shadow), ct);
            if (engine is null)
            {
                return ExitCodes.Usage;
            }

            await using var store = await CliContext.OpenStoreAsync(parse, ct);
            if (store is null)
            {
                return ExitCodes.StoreError;
            }

            await using var pipeline = SignalsPipeline.Create(store, new SignalsSettings { Policy = engine, Fetch = ProcessCommands.FetchOptions(parse.GetValue(hosts)), Targets = targets });
            var result = await pipeline.Processor.RetryDeadAsync(everything ? null : given, ct);
            Console.Out.WriteLine($"{result.Retried} retried, {result.StillDead} still dead, {result.NotFound} not dead");
            return result.StillDead > 0 ? ExitCodes.InputError : result.NotFound > 0 && result.Retried == 0 ? ExitCodes.NotFound : ExitCodes.Ok;
        }));
        dead.Add(retry);
        return dead;
    }

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
