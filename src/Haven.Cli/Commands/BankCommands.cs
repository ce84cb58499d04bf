using System.CommandLine;
using System.Text;
using System.Text.Json;
using Haven.Banks;
using Haven.Banks.Import;
using Haven.Server.Endpoints;
using Spectre.Console;

namespace Haven.Cli.Commands;

/// <summary><c>haven bank create|list|import|export|enable|disable|remove|delete</c>.</summary>
internal static class BankCommands
{
    public static Command Create()
    {
        var bank = new Command("bank", "Manage hash banks: named sets of PDQ, MD5 and SHA-256 signals with category and source.");
        bank.Add(CreateCommand());
        bank.Add(ListCommand());
        bank.Add(ImportCommand());
        bank.Add(ExportCommand());
        bank.Add(EnableCommand(true));
        bank.Add(EnableCommand(false));
        bank.Add(RemoveCommand());
        bank.Add(DeleteCommand());
        return bank;
    }

    private static Argument<string> NameArgument() => new("NAME") { Description = "Bank name: 1–64 of a-z 0-9 . _ -, starting with a letter or digit" };

    private static Command CreateCommand()
    {
        var name = NameArgument();
        var description = new Option<string?>("--description") { Description = "Free text for operators." };
        var disabled = new Option<bool>("--disabled") { Description = "Create the bank disabled (its entries are not matched until enabled)." };
        var command = new Command("create", "Create a bank.") { name, description, disabled };
        command.SetAction((parse, ct) => CliContext.GuardAsync("bank create", () => WithBanksAsync(parse, ct, async banks =>
        {
            var result = await banks.CreateAsync(parse.GetValue(name)!, parse.GetValue(description), !parse.GetValue(disabled), ct);
            if (!result.TryGetValue(out var created, out var error))
            {
                return Fail("bank create", error!);
            }

            Console.Out.WriteLine($"created bank '{created.Name}' (id {created.Id}, {(created.Enabled ? "enabled" : "disabled")})");
            return ExitCodes.Ok;
        })));
        return command;
    }

    private static Command ListCommand()
    {
        var json = new Option<bool>("--json") { Description = "JSON array instead of a table." };
        var command = new Command("list", "List banks with their entry counts.") { json };
        command.SetAction((parse, ct) => CliContext.GuardAsync("bank list", () => WithBanksAsync(parse, ct, async banks =>
        {
            var list = await banks.ListAsync(ct);
            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(list.Select(BankDto.From), CliJson.Options));
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("bank", "enabled", "pdq", "md5", "sha256", "created", "description");
            foreach (var s in list)
            {
                table.AddRow(
                    Markup.Escape(s.Bank.Name), s.Bank.Enabled ? "yes" : "[yellow]no[/]", $"{s.PdqCount:N0}", $"{s.Md5Count:N0}", $"{s.Sha256Count:N0}",
                    s.Bank.CreatedAt.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture), Markup.Escape(s.Bank.Description));
            }

            AnsiConsole.Write(table);
            return ExitCodes.Ok;
        })));
        return command;
    }

    private static Command ImportCommand()
    {
        var name = NameArgument();
        var file = new Argument<string>("FILE") { Description = "The list to import; '-' reads standard input." };
        var format = new Option<string?>("--format") { Description = "hex (one hash per line), csv (header with 'hash' and optional quality,category,external_id), or hma (ThreatExchange/HMA signal CSV). Default: detected from the first line that is not blank." };
        format.AcceptOnlyFromAmong("hex", "csv", "hma");
        var signal = new Option<string?>("--signal") { Description = "Signal type of values that do not name one: pdq, md5 or sha256. Without it 32 hex digits are md5 and 64 are pdq." };
        var source = new Option<string?>("--source") { Description = "Source stored on every entry without one (e.g. ncmec, iwf)." };
        var category = new Option<string?>("--category") { Description = "Category stored on every entry without one (e.g. A1)." };
        var command = new Command("import", "Import a hash list into a bank, all or nothing: any bad line refuses the whole file and every error is listed with its line number.")
        {
            name, file, format, signal, source, category,
        };
        command.SetAction((parse, ct) => CliContext.GuardAsync("bank import", () => WithBanksAsync(parse, ct, async banks =>
        {
            SignalType? signalType = null;
            if (parse.GetValue(signal) is { } s)
            {
                if (!SignalTypes.TryParse(s, out var t))
                {
                    Console.Error.WriteLine($"haven bank import: unknown signal type '{s}' (pdq, md5, sha256).");
                    return ExitCodes.Usage;
                }

                signalType = t;
            }

            ImportFormats.TryParse(parse.GetValue(format), out var importFormat);
            var path = parse.GetValue(file)!;
            if (path != "-" && !File.Exists(path))
            {
                Console.Error.WriteLine($"haven bank import: {path}: no such file.");
                return ExitCodes.InputError;
            }

            var options = new ImportOptions { Format = importFormat, SignalType = signalType, Source = parse.GetValue(source), Category = parse.GetValue(category) };
            using var reader = path == "-" ? new StreamReader(Console.OpenStandardInput(), Encoding.UTF8) : new StreamReader(path, Encoding.UTF8, true, new FileStreamOptions { BufferSize = 1 << 16 });
            var length = path == "-" ? 0 : new FileInfo(path).Length;
            var result = await WithProgressAsync(length, reader.BaseStream, progress => banks.ImportAsync(parse.GetValue(name)!, reader, options, progress, ct));
            if (!result.TryGetValue(out var summary, out var error))
            {
                return Fail("bank import", error!);
            }

            Console.Out.WriteLine(summary.ToString());
            return ExitCodes.Ok;
        })));
        return command;
    }

    private static Command ExportCommand()
    {
        var name = NameArgument();
        var output = new Option<string?>("--output", "-o") { Description = "Write to this file instead of standard output." };
        var command = new Command("export", "Export a bank as Haven CSV (importable with --format csv).") { name, output };
        command.SetAction((parse, ct) => CliContext.GuardAsync("bank export", () => WithBanksAsync(parse, ct, async banks =>
        {
            var path = parse.GetValue(output);
            await using var writer = path is null ? new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) : new StreamWriter(path, false, new UTF8Encoding(false));
            var result = await banks.ExportCsvAsync(parse.GetValue(name)!, writer, ct);
            if (!result.TryGetValue(out var count, out var error))
            {
                return Fail("bank export", error!);
            }

            if (path is not null)
            {
                Console.Error.WriteLine($"exported {count:N0} entries to {path}");
            }

            return ExitCodes.Ok;
        })));
        return command;
    }

    private static Command EnableCommand(bool enable)
    {
        var name = NameArgument();
        var verb = enable ? "enable" : "disable";
        var command = new Command(verb, enable ? "Enable a bank: its entries are matched." : "Disable a bank: its entries stay stored but are not matched.") { name };
        command.SetAction((parse, ct) => CliContext.GuardAsync("bank " + verb, () => WithBanksAsync(parse, ct, async banks =>
        {
            var result = await banks.SetEnabledAsync(parse.GetValue(name)!, enable, ct);
            if (!result.TryGetValue(out var bank, out var error))
            {
                return Fail("bank " + verb, error!);
            }

            Console.Out.WriteLine($"bank '{bank.Name}' {verb}d");
            return ExitCodes.Ok;
        })));
        return command;
    }

    private static Command RemoveCommand()
    {
        var name = NameArgument();
        var ids = new Option<long[]>("--entry") { Description = "Entry id (repeatable).", AllowMultipleArgumentsPerToken = true };
        var values = new Option<string[]>("--value") { Description = "Hash value (repeatable).", AllowMultipleArgumentsPerToken = true };
        var externalIds = new Option<string[]>("--external-id") { Description = "The provider's id (repeatable).", AllowMultipleArgumentsPerToken = true };
        var command = new Command("remove", "Remove entries from a bank by entry id, value or external id.") { name, ids, values, externalIds };
        command.SetAction((parse, ct) => CliContext.GuardAsync("bank remove", () => WithBanksAsync(parse, ct, async banks =>
        {
            var (i, v, x) = (parse.GetValue(ids) ?? [], parse.GetValue(values) ?? [], parse.GetValue(externalIds) ?? []);
            if ((i.Length > 0 ? 1 : 0) + (v.Length > 0 ? 1 : 0) + (x.Length > 0 ? 1 : 0) != 1)
            {
                Console.Error.WriteLine("haven bank remove: give exactly one kind of selector: --entry, --value or --external-id.");
                return ExitCodes.Usage;
            }

            var selector = i.Length > 0 ? EntrySelector.ByIds(i) : v.Length > 0 ? EntrySelector.ByValues(v) : EntrySelector.ByExternalIds(x);
            var result = await banks.RemoveEntriesAsync(parse.GetValue(name)!, selector, ct);
            if (!result.TryGetValue(out var removed, out var error))
            {
                return Fail("bank remove", error!);
            }

            Console.Out.WriteLine($"removed {removed:N0} entries");
            return ExitCodes.Ok;
        })));
        return command;
    }

    private static Command DeleteCommand()
    {
        var name = NameArgument();
        var command = new Command("delete", "Delete a bank and all its entries.") { name };
        command.SetAction((parse, ct) => CliContext.GuardAsync("bank delete", () => WithBanksAsync(parse, ct, async banks =>
        {
            var result = await banks.DeleteAsync(parse.GetValue(name)!, ct);
            if (!result.TryGetValue(out var removed, out var error))
            {
                return Fail("bank delete", error!);
            }

            Console.Out.WriteLine($"deleted bank '{parse.GetValue(name)}' and {removed:N0} entries");
            return ExitCodes.Ok;
        })));
        return command;
    }

    private static async Task<int> WithBanksAsync(ParseResult parse, CancellationToken ct, Func<BankService, Task<int>> body)
    {
        await using var store = await CliContext.OpenStoreAsync(parse, ct);
        return store is null ? ExitCodes.StoreError : await body(new BankService(store));
    }

    /// <summary>Shows a progress bar on a terminal (bytes read of the file), or a line every few seconds otherwise.</summary>
    private static async Task<T> WithProgressAsync<T>(long length, Stream stream, Func<IProgress<ImportProgress>, Task<T>> work)
    {
        var console = CliContext.Stderr;
        if (!console.Profile.Capabilities.Interactive || length == 0)
        {
            var last = DateTime.UtcNow;
            var plain = new Progress<ImportProgress>(p =>
            {
                if ((DateTime.UtcNow - last).TotalSeconds >= 2)
                {
                    last = DateTime.UtcNow;
                    Console.Error.WriteLine($"import: {p.LinesRead:N0} lines read, {p.EntriesWritten:N0} entries written");
                }
            });
            return await work(plain);
        }

        T result = default!;
        await console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask("importing", maxValue: length);
                var progress = new Progress<ImportProgress>(p =>
                {
                    task.Value = Math.Min(length, stream.Position);
                    task.Description = $"importing: {p.LinesRead:N0} lines";
                });
                result = await work(progress);
                task.Value = length;
            });
        return result;
    }

    private static int Fail(string command, BankError error)
    {
        Console.Error.WriteLine($"haven {command}: {error.Message}");
        if (error is ImportFailed failed)
        {
            foreach (var line in failed.Errors)
            {
                Console.Error.WriteLine($"  line {line.Line}: {line.Message}");
            }

            if (failed.NotListed > 0)
            {
                Console.Error.WriteLine($"  … and {failed.NotListed:N0} more bad lines not listed");
            }

            return ExitCodes.ImportRefused;
        }

        return error switch
        {
            BankNotFound => ExitCodes.NotFound,
            BankAlreadyExists or BankNameInvalid or BankRequestInvalid => ExitCodes.Usage,
            _ => ExitCodes.InputError,
        };
    }
}
