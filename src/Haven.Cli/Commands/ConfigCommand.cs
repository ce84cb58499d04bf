using System.CommandLine;
using System.Text.Json;
using Haven.Cli.Configuration;
using Spectre.Console;

namespace Haven.Cli.Commands;

/// <summary><c>haven config</c>: every setting's value from <c>haven.json</c> and the environment, and where it came from.</summary>
internal static class ConfigCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "One JSON object per setting." };
        var command = new Command("config", "Show every setting read from haven.json and HAVEN_ environment variables, and where each came from (secrets shown only as set). Command-line options override these per command; docs/configuration.md.")
        {
            json,
        };
        command.SetAction(parse =>
        {
            var rows = Settings.All.Select(s => new
            {
                key = s.Key,
                value = s.Secret ? (HavenConfig.Text(s) is null ? null : "(set)")
                    : s.Kind == SettingKind.List ? string.Join(",", HavenConfig.List(s)) is { Length: > 0 } list ? list : null
                    : HavenConfig.Text(s) is { } text && s == Settings.Postgres ? WithoutPassword(text) : HavenConfig.Text(s),
                source = HavenConfig.Source(s),
                environment = s.Environment,
                option = s.Option,
            }).ToList();
            if (parse.GetValue(json))
            {
                foreach (var row in rows)
                {
                    Console.Out.WriteLine(JsonSerializer.Serialize(row, CliJson.Options));
                }

                return ExitCodes.Ok;
            }

            Console.Error.WriteLine(HavenConfig.File is { } file ? $"configuration file: {file}" : "configuration file: none (haven.json not found; --config or HAVEN_CONFIG name one)");
            var table = new Table().AddColumns("setting", "value", "from", "environment", "option");
            foreach (var row in rows)
            {
                table.AddRow(Markup.Escape(row.key), Markup.Escape(row.value ?? "-"), Markup.Escape(row.source ?? "default"), Markup.Escape(row.environment), Markup.Escape(row.option ?? "-"));
            }

            AnsiConsole.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// A connection string as Npgsql reads it, with its passwords (any spelling Npgsql accepts) replaced by <c>***</c>;
    /// one Npgsql cannot read is not shown at all.
    /// </summary>
    internal static string WithoutPassword(string connectionString)
    {
        try
        {
            var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
            if (builder.Password is not null)
            {
                builder.Password = "***";
            }

            if (builder.SslPassword is not null)
            {
                builder.SslPassword = "***";
            }

            return builder.ToString();
        }
        catch (ArgumentException)
        {
            return "(set; not a connection string Npgsql can read)";
        }
    }
}
