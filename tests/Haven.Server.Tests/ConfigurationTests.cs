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
        { "bad url", """{ "Telemetry": { "OtlpEndpoint": "ftp://collector" } }""", "Telemetry:OtlpEndpoint: not an absolute http(s) URL" },
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
    [InlineData("Host=db;Username=haven;Password=hunter2-secret;Database=haven")]
    [InlineData("Host=db;Password=\"ab\"\";c;hunter2-secret\";Port=5")]
    [InlineData("Host=db;PSW=hunter2-secret")]
    [InlineData("Host=db;SSL Password=hunter2-secret;Password=hunter2-secret")]
    public void Haven_config_never_shows_a_connection_string_password(string connection)
    {
        var shown = Haven.Cli.Commands.ConfigCommand.WithoutPassword(connection);
        Assert.DoesNotContain("hunter2", shown, StringComparison.Ordinal);
        Assert.Contains("***", shown, StringComparison.Ordinal);
        Assert.Contains("db", shown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_never_prints_a_configured_connection_string()
    {
        File.WriteAllText(Path.Combine(_folder, "haven.json"), """{ "Store": { "Postgres": "Host=db;Password=file-secret-pw" } }""");
        var help = await CliTests.Run(_folder, ["process", "--help"], new Dictionary<string, string> { ["HAVEN_POSTGRES"] = "Host=db;Password=env-secret-pw" });
        Assert.Equal(0, help.ExitCode);
        Assert.DoesNotContain("secret-pw", help.Stdout + help.Stderr, StringComparison.Ordinal);
        var config = await CliTests.Run(_folder, ["config", "--json"], new Dictionary<string, string> { ["HAVEN_POSTGRES"] = "Host=db;Password=env-secret-pw" });
        Assert.DoesNotContain("secret-pw", config.Stdout + config.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_list_from_the_environment_replaces_the_files_list_whole()
    {
        File.WriteAllText(Path.Combine(_folder, "haven.json"), """{ "Media": { "AllowedHosts": ["a.example", "b.example"] } }""");
        foreach (var (environment, expected) in new[]
        {
            (new Dictionary<string, string> { ["HAVEN_MEDIA__ALLOWEDHOSTS"] = "x.example" }, "x.example"),
            (new Dictionary<string, string> { ["HAVEN_MEDIA__ALLOWEDHOSTS__0"] = "x.example" }, "x.example"),
            (new Dictionary<string, string> { ["HAVEN_MEDIA__ALLOWEDHOSTS__1"] = "y.example", ["HAVEN_MEDIA__ALLOWEDHOSTS__0"] = "x.example" }, "x.example,y.example"),
            (new Dictionary<string, string>(), "a.example,b.example"),
        })
        {
            var outcome = await CliTests.Run(_folder, ["config", "--json"], environment);
            Assert.Contains(outcome.StdoutLines, l => l.Contains("\"key\":\"Media:AllowedHosts\"", StringComparison.Ordinal) && l.Contains($"\"value\":\"{expected}\"", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Config_files_are_named_every_way_the_parser_accepts_and_read_whole()
    {
        var dotted = Path.Combine(_folder, ".haven.json");
        File.WriteAllText(dotted, """{ "Signals": { "BatchSize": 123 } }""");
        foreach (var args in new[] { new[] { "config", "--json", "--config", dotted }, ["config", "--json", "--config=" + dotted], ["config", "--json", "--config:" + dotted] })
        {
            var outcome = await CliTests.Run(_folder, args);
            Assert.True(outcome.ExitCode == 0, outcome.Stderr);
            Assert.Contains(outcome.StdoutLines, l => l.Contains("\"key\":\"Signals:BatchSize\"", StringComparison.Ordinal) && l.Contains("\"value\":\"123\"", StringComparison.Ordinal));
        }

        var response = Path.Combine(_folder, "args.rsp");
        File.WriteAllText(response, "--config " + dotted);
        var fromResponse = await CliTests.Run(_folder, ["config", "@" + response]);
        Assert.Equal(2, fromResponse.ExitCode);
        Assert.Contains("not in a response file", fromResponse.Stderr, StringComparison.Ordinal);

        var huge = Path.Combine(_folder, "huge.json");
        File.WriteAllText(huge, "{ \"Signals\": { \"Policy\": \"" + new string('x', (int)HavenConfig.MaxFileBytes) + "\" } }");
        var tooLarge = await CliTests.Run(_folder, ["config", "--config", huge]);
        Assert.Equal(2, tooLarge.ExitCode);
        Assert.Contains("a configuration file is at most", tooLarge.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Values_that_cannot_work_stop_serve_before_it_starts()
    {
        var protocol = await CliTests.Run(_folder, ["serve"], new Dictionary<string, string> { ["HAVEN_TELEMETRY__OTLPPROTOCOL"] = "GRPC" });
        Assert.Equal(2, protocol.ExitCode);
        Assert.Contains("'GRPC' is not one of http/protobuf, grpc", protocol.Stderr, StringComparison.Ordinal);

        var url = await CliTests.Run(_folder, ["serve"], new Dictionary<string, string> { ["HAVEN_TELEMETRY__OTLPENDPOINT"] = "ftp://user:pw-in-url@collector" });
        Assert.Equal(2, url.ExitCode);
        Assert.DoesNotContain("pw-in-url", url.Stderr, StringComparison.Ordinal);

        var interval = await CliTests.Run(_folder, ["serve", "--urls", "http://127.0.0.1:0"], new Dictionary<string, string> { ["HAVEN_SERVER__INDEXREFRESHINTERVAL"] = "60d" });
        Assert.Equal(2, interval.ExitCode);
        Assert.Contains("IndexRefreshInterval must be between 1 ms and 1 hour", interval.Stderr, StringComparison.Ordinal);

        var batch = await CliTests.Run(_folder, ["serve", "--urls", "http://127.0.0.1:0"], new Dictionary<string, string> { ["HAVEN_SIGNALS__BATCHSIZE"] = "0" });
        Assert.Equal(2, batch.ExitCode);
        Assert.Contains("SignalsBatchSize must be 1..100000", batch.Stderr, StringComparison.Ordinal);
    }

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
