using System.CommandLine;
using Haven.Cli.Configuration;
using Haven.Storage;
using Spectre.Console;

namespace Haven.Cli;

/// <summary>Options every command shares (where the store is), and opening the store from them.</summary>
internal static class CliContext
{
    /// <summary><c>--config FILE</c>: read before parsing (<see cref="ConfigFileArgument"/>); declared so that parsing accepts it.</summary>
    public static readonly Option<string?> Config = new("--config")
    {
        Description = "Configuration file (default: HAVEN_CONFIG, else ./haven.json if present). Environment and options override it; docs/configuration.md.",
        Recursive = true,
    };

    public static readonly Option<string> Data = new("--data")
    {
        Description = "Folder of the embedded SQLite store (created if missing). Store:Data, HAVEN_DATA.",
        DefaultValueFactory = _ => HavenConfig.Text(Settings.Data) ?? "./haven-data",
        Recursive = true,
    };

    public static readonly Option<string?> Postgres = new("--postgres")
    {
        // No default value: help would print it, and a connection string may hold a password. StoreOptions reads the
        // configuration when the option is not given.
        Description = "Use PostgreSQL instead of SQLite: an Npgsql connection string. Store:Postgres, HAVEN_POSTGRES.",
        Recursive = true,
    };

    /// <summary>The value of <c>--config FILE</c> or <c>--config=FILE</c> in raw arguments (the last one wins), or null.</summary>
    public static string? ConfigFileArgument(IReadOnlyList<string> args)
    {
        string? file = null;
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == "--")
            {
                break;
            }

            if (args[i] == "--config" && i + 1 < args.Count)
            {
                file = args[++i];
            }
            else if (args[i].StartsWith("--config=", StringComparison.Ordinal) || args[i].StartsWith("--config:", StringComparison.Ordinal))
            {
                file = args[i]["--config=".Length..];
            }
        }

        return file;
    }

    /// <summary>Console for progress and tables on standard error, so standard output stays machine-readable.</summary>
    public static IAnsiConsole Stderr => StderrConsole.Value;

    // Created on first use, in a class of its own so that CliContext's static fields never name a Spectre type: setting
    // up a Spectre console, even loading the assembly, costs start-up time that `haven hash` does not spend.
    private static class StderrConsole
    {
        public static readonly IAnsiConsole Value = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
    }

    /// <summary>Store options from the command line.</summary>
    public static StoreOptions StoreOptions(ParseResult parse)
    {
        // An explicit --postgres wins; an explicit --data chooses SQLite over a configured PostgreSQL; else the configuration.
        var postgres = parse.GetResult(Postgres) is { Implicit: false } ? parse.GetValue(Postgres)
            : parse.GetResult(Data) is { Implicit: false } ? null
            : HavenConfig.Text(Settings.Postgres);
        return string.IsNullOrWhiteSpace(postgres)
            ? new StoreOptions { Provider = "sqlite", DataFolder = parse.GetValue(Data)! }
            : new StoreOptions { Provider = "postgres", ConnectionString = postgres };
    }

    /// <summary>Opens and migrates the store, or prints why not and returns null.</summary>
    public static async Task<HavenStore?> OpenStoreAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var result = await HavenStore.OpenAsync(StoreOptions(parse), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (result.TryGetValue(out var store, out var error))
        {
            return store;
        }

        Console.Error.WriteLine($"haven: cannot open the store: {error}");
        return null;
    }

    /// <summary>Runs a command body, turning unexpected exceptions into exit code 70 with a short message.</summary>
    public static async Task<int> GuardAsync(string command, Func<Task<int>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"haven {command}: cancelled.");
            return 130;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"haven {command}: internal error ({e.GetType().Name}): {e.Message}");
            if (Environment.GetEnvironmentVariable("HAVEN_DEBUG") == "1")
            {
                Console.Error.WriteLine(e);
            }

            return ExitCodes.Internal;
        }
    }
}
