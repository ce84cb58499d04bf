using System.CommandLine;
using System.Text.Json;
using Haven.Audit;
using Spectre.Console;

namespace Haven.Cli.Commands;

/// <summary><c>haven audit verify|list</c>.</summary>
internal static class AuditCommands
{
    /// <summary>Exit code of <c>audit verify</c> when the chain is broken.</summary>
    public const int Tampered = 7;

    public static Command Create()
    {
        var audit = new Command("audit", "The append-only, hash-chained audit log of every change.");

        var expect = new Option<string?>("--expect-head") { Description = "Also require the last entry's hash to be this one (recorded earlier, outside the database)." };
        var verify = new Command("verify", "Walk the whole chain; report the first edited, deleted, inserted or reordered entry. Exit 0 intact, 7 broken.") { expect };
        verify.SetAction((parse, ct) => CliContext.GuardAsync("audit verify", async () =>
        {
            await using var store = await CliContext.OpenStoreAsync(parse, ct);
            if (store is null)
            {
                return ExitCodes.StoreError;
            }

            var result = await new AuditLog(store).VerifyAsync(ct);
            if (!result.Intact)
            {
                Console.Out.WriteLine($"BROKEN at entry {result.FirstBadSeq}: {result.Problem}");
                Console.Out.WriteLine($"{result.Entries} entries before it are intact; the last intact hash is {result.HeadHash}");
                return Tampered;
            }

            if (parse.GetValue(expect) is { } head && !string.Equals(head.Trim(), result.HeadHash, StringComparison.OrdinalIgnoreCase))
            {
                Console.Out.WriteLine($"BROKEN: the chain is consistent but its head is {result.HeadHash}, not the expected {head.Trim()} (rewritten or rolled back)");
                return Tampered;
            }

            Console.Out.WriteLine($"intact: {result.Entries} entries, head {result.HeadHash}");
            return ExitCodes.Ok;
        }));
        audit.Add(verify);

        var last = new Option<int>("--last") { Description = "Show only the last N entries.", DefaultValueFactory = _ => 50 };
        var json = new Option<bool>("--json") { Description = "One JSON object per entry." };
        var list = new Command("list", "Show audit entries.") { last, json };
        list.SetAction((parse, ct) => CliContext.GuardAsync("audit list", async () =>
        {
            await using var store = await CliContext.OpenStoreAsync(parse, ct);
            if (store is null)
            {
                return ExitCodes.StoreError;
            }

            var entries = await new AuditLog(store).ReadAsync(parse.GetValue(last), ct);
            if (parse.GetValue(json))
            {
                foreach (var e in entries)
                {
                    Console.Out.WriteLine(JsonSerializer.Serialize(e, CliJson.Options));
                }

                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("seq", "at (UTC)", "actor", "action", "subject", "details");
            foreach (var e in entries)
            {
                table.AddRow(e.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture), e.At.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture), Markup.Escape(e.Actor), Markup.Escape(e.Action), Markup.Escape(e.Subject), Markup.Escape(e.Details));
            }

            AnsiConsole.Write(table);
            return ExitCodes.Ok;
        }));
        audit.Add(list);
        return audit;
    }
}
