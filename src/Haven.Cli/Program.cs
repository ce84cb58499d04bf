using System.CommandLine;
using Haven.Cli;
using Haven.Cli.Commands;
using Haven.Cli.Configuration;

// `haven hash` is run once per file by platforms, so it starts lean (docs/adr/0007-cli-startup.md): only its own command
// is built and Spectre.Console (which it never uses) is not set up.
var hashOnly = args is ["hash", ..];

// Redirected output has no terminal width; Spectre would wrap tables at 80 columns.
if (Console.IsOutputRedirected && !hashOnly)
{
    Spectre.Console.AnsiConsole.Profile.Width = 160;
}

// Configuration (haven.json < environment < command line) is loaded before parsing: options take their defaults from it.
var configErrors = HavenConfig.Load(CliContext.ConfigFileArgument(args), Environment.GetEnvironmentVariables());
if (configErrors.Count > 0)
{
    foreach (var error in configErrors)
    {
        Console.Error.WriteLine("haven: " + error);
    }

    Console.Error.WriteLine("See docs/configuration.md.");
    return ExitCodes.Usage;
}

var root = new RootCommand("Haven: find and stop child sexual exploitation on a platform. Docs: README.md, docs/cli.md.")
{
    CliContext.Config,
    CliContext.Data,
    CliContext.Postgres,
    ConfigCommand.Create(),
    HashCommand.Create(),
};
Command[] others = hashOnly ? [] :
[
    BankCommands.Create(),
    MatchCommands.Lookup(),
    MatchCommands.Match(),
    ApiKeyCommands.Create(),
    UserCommands.Create(),
    CaseCommands.Create(),
    ServeCommand.Create(),
    DemoCommand.Create(),
    BenchCommand.Create(),
    AuditCommands.Create(),
    IngestCommand.Create(),
    LexiconCommands.Create(),
    OutboxCommands.Create(),
    AppealCommands.Create(),
    PolicyCommands.Create(),
    ProcessCommands.Process(),
    ProcessCommands.Decisions(),
    ProcessCommands.Status(),
    ProcessCommands.Events(),
    HashtagCommands.Create(),
    SimulateCommand.Create(),
    DiscoverCommand.Create(),
    EvaluateCommand.Create(),
];
foreach (var command in others)
{
    root.Add(command);
}

// Audit entries appended by this process name the operating-system user at the command line.
Haven.Audit.AuditContext.Actor = "cli:" + Environment.UserName;

var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    foreach (var error in parse.Errors)
    {
        Console.Error.WriteLine("haven: " + error.Message);
    }

    Console.Error.WriteLine("Try 'haven --help'.");
    return ExitCodes.Usage;
}

// The configuration was read before parsing; a --config the parser found elsewhere (a response file) was not read.
if (parse.GetValue(CliContext.Config) is { } parsedConfig && parsedConfig != CliContext.ConfigFileArgument(args))
{
    Console.Error.WriteLine("haven: --config must be given on the command line itself (or as HAVEN_CONFIG), not in a response file.");
    return ExitCodes.Usage;
}

return await parse.InvokeAsync();
