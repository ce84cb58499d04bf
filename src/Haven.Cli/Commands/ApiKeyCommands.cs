using System.CommandLine;
using Haven.Security;
using Spectre.Console;

namespace Haven.Cli.Commands;

/// <summary><c>haven apikey create|list|revoke</c>.</summary>
internal static class ApiKeyCommands
{
    private static readonly string[] AllScopes = [.. ApiScopes.All];

    public static Command Create()
    {
        var apikey = new Command("apikey", "Manage API keys for the HTTP API. Only a key's SHA-256 is stored.");

        var name = new Argument<string>("NAME") { Description = "Who the key is for." };
        var scopes = new Option<string[]>("--scope") { Description = "Scopes (repeatable): ingest, match, read, review, admin. Default: all.", AllowMultipleArgumentsPerToken = true };
        scopes.AcceptOnlyFromAmong(AllScopes);
        var rate = new Option<int?>("--rate-limit") { Description = "Requests per minute for this key (default: the server's, 6,000)." };
        var create = new Command("create", "Create a key and print it once; it cannot be shown again.") { name, scopes, rate };
        create.SetAction((parse, ct) => CliContext.GuardAsync("apikey create", () => WithKeysAsync(parse, ct, async keys =>
        {
            var chosen = parse.GetValue(scopes) is { Length: > 0 } s ? s : AllScopes;
            var result = await keys.CreateAsync(parse.GetValue(name)!, chosen, parse.GetValue(rate), ct);
            if (!result.TryGetValue(out var created, out var error))
            {
                Console.Error.WriteLine("haven apikey create: " + error);
                return ExitCodes.Usage;
            }

            Console.Out.WriteLine(created.PlaintextKey);
            Console.Error.WriteLine($"API key {created.Info.Id} '{created.Info.Name}' created with scopes {string.Join(", ", created.Info.Scopes)}. Store it now: it is not shown again.");
            return ExitCodes.Ok;
        })));
        apikey.Add(create);

        var list = new Command("list", "List keys (never their secrets).");
        list.SetAction((parse, ct) => CliContext.GuardAsync("apikey list", () => WithKeysAsync(parse, ct, async keys =>
        {
            var table = new Table().AddColumns("id", "name", "scopes", "rate limit/min", "created", "revoked");
            foreach (var k in await keys.ListAsync(ct))
            {
                table.AddRow(k.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), Markup.Escape(k.Name), string.Join(",", k.Scopes), k.RateLimitPerMinute?.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) ?? "default", k.CreatedAt.ToString("u", System.Globalization.CultureInfo.InvariantCulture), k.RevokedAt?.ToString("u", System.Globalization.CultureInfo.InvariantCulture) ?? "-");
            }

            AnsiConsole.Write(table);
            return ExitCodes.Ok;
        })));
        apikey.Add(list);

        var id = new Argument<long>("ID") { Description = "Key id (from 'haven apikey list')." };
        var revoke = new Command("revoke", "Revoke a key: it stops working at once.") { id };
        revoke.SetAction((parse, ct) => CliContext.GuardAsync("apikey revoke", () => WithKeysAsync(parse, ct, async keys =>
        {
            var result = await keys.RevokeAsync(parse.GetValue(id), ct);
            if (!result.TryGetValue(out var info, out var error))
            {
                Console.Error.WriteLine("haven apikey revoke: " + error);
                return error is ApiKeyNotFound ? ExitCodes.NotFound : ExitCodes.Usage;
            }

            Console.Out.WriteLine($"API key {info.Id} '{info.Name}' revoked");
            return ExitCodes.Ok;
        })));
        apikey.Add(revoke);
        return apikey;
    }

    private static async Task<int> WithKeysAsync(ParseResult parse, CancellationToken ct, Func<ApiKeyService, Task<int>> body)
    {
        await using var store = await CliContext.OpenStoreAsync(parse, ct);
        return store is null ? ExitCodes.StoreError : await body(new ApiKeyService(store));
    }
}
