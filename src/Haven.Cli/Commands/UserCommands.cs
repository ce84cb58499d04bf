using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Haven.People;
using Spectre.Console;

namespace Haven.Cli.Commands;

/// <summary><c>haven user create|list|disable|enable|set-role|reset-password</c>: the people who sign in to the review console.</summary>
internal static class UserCommands
{
    private static readonly string[] RoleNames = [.. PersonRoles.All.Select(r => r.Name())];

    public static Command Create()
    {
        var user = new Command("user", "Manage the people who sign in to the review console (docs/review.md). API keys are for machines; people sign in with a password.");

        var name = new Argument<string>("NAME") { Description = "User name: lower-case letters, digits, '.', '_', '-'." };
        var role = new Option<string>("--role") { Description = "viewer, reviewer, specialist, lead or admin.", Required = true };
        role.AcceptOnlyFromAmong(RoleNames);
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from the first line of standard input (at least 12 characters). Without it a one-time password is printed once and must be changed at first sign-in." };

        var create = new Command("create", "Create a person with a role.") { name, role, passwordStdin };
        create.SetAction((parse, ct) => CliContext.GuardAsync("user create", () => WithPeopleAsync(parse, ct, async people =>
        {
            PersonRoles.TryParse(parse.GetValue(role), out var chosen);
            var password = parse.GetValue(passwordStdin) ? ReadPassword() : null;
            if (parse.GetValue(passwordStdin) && password is null)
            {
                Console.Error.WriteLine("haven user create: --password-stdin given but standard input was empty.");
                return ExitCodes.Usage;
            }

            var result = await people.CreateAsync(parse.GetValue(name)!, chosen, password, ct);
            return Issued("user create", result, $"{parse.GetValue(name)} created as {chosen.Name()}");
        })));
        user.Add(create);

        var json = new Option<bool>("--json") { Description = "JSON instead of a table." };
        var list = new Command("list", "List people (never their passwords).") { json };
        list.SetAction((parse, ct) => CliContext.GuardAsync("user list", () => WithPeopleAsync(parse, ct, async people =>
        {
            var all = await people.ListAsync(ct);
            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(all.Select(p => new { p.Name, role = p.Role.Name(), p.Disabled, p.MustChangePassword, p.LockedUntil, p.CreatedAt, p.LastSignInAt }), CliJson.Options));
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("name", "role", "state", "created", "last sign-in");
            foreach (var p in all)
            {
                var state = p.Disabled ? "disabled" : p.LockedUntil is { } until && until > DateTimeOffset.UtcNow ? "locked until " + until.ToString("u", CultureInfo.InvariantCulture) : p.MustChangePassword ? "must change password" : "active";
                table.AddRow(Markup.Escape(p.Name), p.Role.Name(), state, p.CreatedAt.ToString("u", CultureInfo.InvariantCulture), p.LastSignInAt?.ToString("u", CultureInfo.InvariantCulture) ?? "never");
            }

            AnsiConsole.Write(table);
            return ExitCodes.Ok;
        })));
        user.Add(list);

        user.Add(Toggle("disable", "Disable a person: they cannot sign in and their open sessions end.", name, disabled: true));
        user.Add(Toggle("enable", "Enable a disabled person again.", name, disabled: false));

        var newRole = new Argument<string>("ROLE") { Description = "viewer, reviewer, specialist, lead or admin." };
        newRole.AcceptOnlyFromAmong(RoleNames);
        var setRole = new Command("set-role", "Give a person another role; their sessions end and they sign in again.") { name, newRole };
        setRole.SetAction((parse, ct) => CliContext.GuardAsync("user set-role", () => WithPeopleAsync(parse, ct, async people =>
        {
            PersonRoles.TryParse(parse.GetValue(newRole), out var chosen);
            var result = await people.SetRoleAsync(parse.GetValue(name)!, chosen, ct);
            if (!result.TryGetValue(out var person, out var error))
            {
                return Refused("user set-role", error!);
            }

            Console.Out.WriteLine($"{person.Name} is now {person.Role.Name()}");
            return ExitCodes.Ok;
        })));
        user.Add(setRole);

        var reset = new Command("reset-password", "Reset a person's password and clear a lockout: a one-time password is printed once (or read with --password-stdin).") { name, passwordStdin };
        reset.SetAction((parse, ct) => CliContext.GuardAsync("user reset-password", () => WithPeopleAsync(parse, ct, async people =>
        {
            var password = parse.GetValue(passwordStdin) ? ReadPassword() : null;
            if (parse.GetValue(passwordStdin) && password is null)
            {
                Console.Error.WriteLine("haven user reset-password: --password-stdin given but standard input was empty.");
                return ExitCodes.Usage;
            }

            return Issued("user reset-password", await people.ResetPasswordAsync(parse.GetValue(name)!, password, ct), $"password of {parse.GetValue(name)} reset");
        })));
        user.Add(reset);
        return user;
    }

    private static Command Toggle(string verb, string description, Argument<string> name, bool disabled)
    {
        var command = new Command(verb, description) { name };
        command.SetAction((parse, ct) => CliContext.GuardAsync("user " + verb, () => WithPeopleAsync(parse, ct, async people =>
        {
            var result = await people.SetDisabledAsync(parse.GetValue(name)!, disabled, ct);
            if (!result.TryGetValue(out var person, out var error))
            {
                return Refused("user " + verb, error!);
            }

            Console.Out.WriteLine($"{person.Name} {(disabled ? "disabled" : "enabled")}");
            return ExitCodes.Ok;
        })));
        return command;
    }

    private static int Issued(string command, Haven.Storage.Result<IssuedPerson, PeopleError> result, string done)
    {
        if (!result.TryGetValue(out var issued, out var error))
        {
            return Refused(command, error!);
        }

        if (issued.OneTimePassword is { } oneTime)
        {
            // The password on standard output alone, so a script can capture it; the explanation on standard error.
            Console.Out.WriteLine(oneTime);
            Console.Error.WriteLine($"{done}. One-time password above: hand it over privately; it is not shown again and must be changed at first sign-in.");
        }
        else
        {
            Console.Error.WriteLine(done + ".");
        }

        return ExitCodes.Ok;
    }

    private static int Refused(string command, PeopleError error)
    {
        Console.Error.WriteLine($"haven {command}: {error.Message}");
        return error is PersonNotFound ? ExitCodes.NotFound : ExitCodes.Usage;
    }

    private static string? ReadPassword()
    {
        var line = Console.In.ReadLine();
        return string.IsNullOrEmpty(line) ? null : line;
    }

    private static async Task<int> WithPeopleAsync(ParseResult parse, CancellationToken ct, Func<PeopleService, Task<int>> body)
    {
        await using var store = await CliContext.OpenStoreAsync(parse, ct);
        return store is null ? ExitCodes.StoreError : await body(new PeopleService(store));
    }
}
