using System.Text.Json;
using Haven.Cli.Configuration;

namespace Haven.Server.Tests;

/// <summary>
/// haven.json &lt; environment &lt; command line, validated as a whole before any command runs: unknown keys, secrets in
/// the file, values of the wrong shape and a missing named file stop the command with exit 2 naming the key and source.
/// </summary>
public sealed class ConfigurationTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("haven-config-").FullName;

    private static readonly Dictionary<string, string> NoDataVariable = new() { ["HAVEN_DATA"] = "" };

    [Fact]
    public async Task The_file_is_overridden_by_the_environment_and_both_by_the_command_line()
    {
        File.WriteAllText(Path.Combine(_folder, "haven.json"), """{ "Store": { "Data": "from-file" }, "Media": { "MaxBytes": 1000, "AllowedHosts": ["a.example", "*.b.example"] } }""");

        var fromFile = await CliTests.Run(_folder, ["config", "--json"], NoDataVariable);
        Assert.True(fromFile.ExitCode == 0, fromFile.Stderr);
        var settings = fromFile.StdoutLines.Select(l => JsonDocument.Parse(l).RootElement).ToDictionary(e => e.GetProperty("key").GetString()!);
        Assert.Equal("from-file", settings["Store:Data"].GetProperty("value").GetString());
        Assert.Equal("haven.json", settings["Store:Data"].GetProperty("source").GetString());
        Assert.Equal("1000", settings["Media:MaxBytes"].GetProperty("value").GetString());
        Assert.Equal("a.example,*.b.example", settings["Media:AllowedHosts"].GetProperty("value").GetString());

        var environment = new Dictionary<string, string>(NoDataVariable) { ["HAVEN_STORE__DATA"] = "from-env", ["HAVEN_MEDIA__MAXBYTES"] = "2000" };
        var fromEnvironment = await CliTests.Run(_folder, ["config", "--json"], environment);
        settings = fromEnvironment.StdoutLines.Select(l => JsonDocument.Parse(l).RootElement).ToDictionary(e => e.GetProperty("key").GetString()!);
        Assert.Equal("from-env", settings["Store:Data"].GetProperty("value").GetString());
        Assert.Equal("environment HAVEN_STORE__DATA", settings["Store:Data"].GetProperty("source").GetString());
        Assert.Equal("2000", settings["Media:MaxBytes"].GetProperty("value").GetString());

        // The store each command opens shows which value won.
        Assert.Equal(0, (await CliTests.Run(_folder, ["bank", "list"], NoDataVariable)).ExitCode);
        Assert.True(Directory.Exists(Path.Combine(_folder, "from-file")));
        Assert.Equal(0, (await CliTests.Run(_folder, ["bank", "list"], environment)).ExitCode);
        Assert.True(Directory.Exists(Path.Combine(_folder, "from-env")));
        Assert.Equal(0, (await CliTests.Run(_folder, ["bank", "list", "--data", "from-option"], environment)).ExitCode);
        Assert.True(Directory.Exists(Path.Combine(_folder, "from-option")));
    }

    [Fact]
    public async Task The_short_environment_names_still_work_and_the_long_ones_win()
    {
        var shortOnly = await CliTests.Run(_folder, ["config", "--json"], new Dictionary<string, string> { ["HAVEN_DATA"] = "short" });
        Assert.Contains(shortOnly.StdoutLines, l => l.Contains("\"key\":\"Store:Data\"", StringComparison.Ordinal) && l.Contains("\"value\":\"short\"", StringComparison.Ordinal));
        var both = await CliTests.Run(_folder, ["config", "--json"], new Dictionary<string, string> { ["HAVEN_DATA"] = "short", ["HAVEN_STORE__DATA"] = "long" });
        Assert.Contains(both.StdoutLines, l => l.Contains("\"key\":\"Store:Data\"", StringComparison.Ordinal) && l.Contains("\"value\":\"long\"", StringComparison.Ordinal));
    }

    public static TheoryData<string, string, string> BrokenFiles => new()
    {
        { "unknown key", """{ "Media": { "MaxByte": 10 } }""", "unknown setting 'Media:MaxByte'" },
        { "secret in the file", """{ "Enforcement": { "Webhook": { "Secret": "s3cr3t-value-in-file" } } }""", "set it in the environment (HAVEN_ENFORCEMENT__WEBHOOK__SECRET)" },
        { "wrong shape", """{ "Media": { "MaxBytes": "lots" } }""", "Media:MaxBytes: 'lots' is not a whole number" },
        { "bad duration", """{ "Events": { "MaxFutureSkew": "soon" } }""", "Events:MaxFutureSkew: 'soon' is not a duration" },
        { "bad url", """{ "Telemetry": { "OtlpEndpoint": "ftp://collector" } }""", "Telemetry:OtlpEndpoint: 'ftp://collector' is not an http(s) URL" },
        { "not JSON", """{ "Media": { "MaxBytes": 10 """, "not a readable JSON configuration" },
    };

    [Theory]
    [MemberData(nameof(BrokenFiles))]
    public async Task A_broken_file_stops_every_command_with_what_is_wrong(string name, string json, string expected)
    {
        File.WriteAllText(Path.Combine(_folder, "haven.json"), json);
        var outcome = await CliTests.Run(_folder, ["status"]);
        Assert.True(outcome.ExitCode == 2, name + ": " + outcome.Stderr);
        Assert.Contains(expected, outcome.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t-value-in-file", outcome.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_folder, "haven-data-default")), "no store is opened");
    }

    [Fact]
    public async Task A_bad_environment_value_or_unknown_variable_and_a_missing_named_file_stop_the_command()
    {
        var bad = await CliTests.Run(_folder, ["status"], new Dictionary<string, string> { ["HAVEN_SIGNALS__BATCHSIZE"] = "ten" });
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("environment HAVEN_SIGNALS__BATCHSIZE: Signals:BatchSize: 'ten' is not a whole number", bad.Stderr, StringComparison.Ordinal);

        var unknown = await CliTests.Run(_folder, ["status"], new Dictionary<string, string> { ["HAVEN_SIGNALS__BATCHSIZ"] = "10" });
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("unknown setting 'SIGNALS:BATCHSIZ'", unknown.Stderr, StringComparison.Ordinal);

        var missing = await CliTests.Run(_folder, ["status", "--config", "nowhere.json"]);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("configuration file 'nowhere.json' does not exist", missing.Stderr, StringComparison.Ordinal);

        var named = Path.Combine(_folder, "other.json");
        File.WriteAllText(named, """{ "Signals": { "BatchSize": 0 } }""");
        var invalidValue = await CliTests.Run(_folder, ["process", "--config", named]);
        Assert.Equal(2, invalidValue.ExitCode);
        Assert.Contains("--batch must be 1..100000", invalidValue.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Host=db;Username=haven;Password=hunter2-secret;Database=haven", "Host=db;Username=haven;Password=***;Database=haven")]
    [InlineData("host=db;pwd = 'a;b' ;database=x", "host=db;pwd=*** ;database=x")]
    [InlineData("Host=db;Database=haven", "Host=db;Database=haven")]
    public void Haven_config_never_shows_a_connection_string_password(string connection, string shown) =>
        Assert.Equal(shown, Haven.Cli.Commands.ConfigCommand.WithoutPassword(connection));

    [Fact]
    public void Every_setting_is_documented_with_its_environment_variable()
    {
        var doc = File.ReadAllText(Path.Combine(Haven.Testing.TestPaths.RepoRoot, "docs", "configuration.md"));
        foreach (var setting in Settings.All)
        {
            Assert.True(doc.Contains($"`{setting.Key}`", StringComparison.Ordinal), $"docs/configuration.md does not name {setting.Key}");
            Assert.True(doc.Contains(setting.Environment, StringComparison.Ordinal), $"docs/configuration.md does not name {setting.Environment}");
            if (setting.ShortEnvironment is { } shortName)
            {
                Assert.Contains(shortName, doc, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Keys_are_unique_and_every_list_item_key_is_known()
    {
        Assert.Equal(Settings.All.Count, Settings.All.Select(s => s.Key.ToUpperInvariant()).Distinct().Count());
        var (config, errors) = HavenConfig.Build(null, false, new Dictionary<string, string> { ["HAVEN_MEDIA__ALLOWEDHOSTS__0"] = "a.example", ["HAVEN_MEDIA__ALLOWEDHOSTS__1"] = "b.example" });
        Assert.Empty(errors);
        Assert.Equal(["a.example", "b.example"], config!.List(Settings.MediaHosts));
        var (_, listErrors) = HavenConfig.Build(null, false, new Dictionary<string, string> { ["HAVEN_MEDIA__ALLOWEDHOSTS__X"] = "a.example" });
        Assert.Single(listErrors);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
