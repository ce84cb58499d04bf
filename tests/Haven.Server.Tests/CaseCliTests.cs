using Haven.Cases;
using Haven.People;
using Haven.Storage;

namespace Haven.Server.Tests;

public sealed class CaseCliTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "haven-case-cli-tests-" + Guid.NewGuid().ToString("N"));

    public CaseCliTests() => Directory.CreateDirectory(_folder);

    [Fact]
    public async Task Cases_are_listed_assigned_and_decided_as_an_active_person_and_refused_to_anyone_else()
    {
        var data = Path.Combine(_folder, "data");
        Assert.Equal(0, (await CliTests.Run(_folder, ["user", "create", "lee", "--role", "lead", "--data", data])).ExitCode);
        Assert.Equal(0, (await CliTests.Run(_folder, ["user", "create", "ana", "--role", "reviewer", "--data", data])).ExitCode);
        Assert.Equal(0, (await CliTests.Run(_folder, ["user", "create", "old", "--role", "lead", "--data", data])).ExitCode);
        Assert.Equal(0, (await CliTests.Run(_folder, ["user", "disable", "old", "--data", data])).ExitCode);
        long caseId;
        await using (var store = (await HavenStore.OpenAsync(new StoreOptions { DataFolder = data })).Value)
        {
            caseId = (await new CaseService(store, CaseSettings.Default).OpenAsync(new Actor("lee", PersonRole.Lead), CaseSubjects.Account, "acct-cli-1", null)).Value.CaseId;
        }

        var id = caseId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var listed = await CliTests.Run(_folder, ["cases", "list", "--as", "ana", "--json", "--data", data]);
        Assert.Equal(0, listed.ExitCode);
        Assert.Contains("acct-cli-1", listed.Stdout, StringComparison.Ordinal);
        Assert.Equal(2, (await CliTests.Run(_folder, ["cases", "list", "--as", "nobody", "--data", data])).ExitCode);
        Assert.Equal(2, (await CliTests.Run(_folder, ["cases", "list", "--as", "old", "--data", data])).ExitCode);

        var refused = await CliTests.Run(_folder, ["cases", "assign", id, "ana", "--as", "ana", "--data", data]);
        Assert.Equal((2, true), (refused.ExitCode, refused.Stderr.Contains("role_too_low", StringComparison.Ordinal)));
        Assert.Equal(0, (await CliTests.Run(_folder, ["cases", "assign", id, "ana", "--as", "lee", "--data", data])).ExitCode);
        var confirmed = await CliTests.Run(_folder, ["cases", "decide", id, "confirm", "--action", "suspend_account", "--as", "ana", "--json", "--data", data]);
        Assert.Equal(0, confirmed.ExitCode);
        Assert.Contains("\"outcome\":\"confirmed\"", confirmed.Stdout, StringComparison.Ordinal);

        var shown = await CliTests.Run(_folder, ["cases", "show", id, "--as", "lee", "--json", "--data", data]);
        Assert.Equal(0, shown.ExitCode);
        Assert.Contains("\"kind\":\"confirmed\"", shown.Stdout, StringComparison.Ordinal);
        Assert.Equal(5, (await CliTests.Run(_folder, ["cases", "show", "999", "--as", "lee", "--data", data])).ExitCode);
        var again = await CliTests.Run(_folder, ["cases", "decide", id, "dismiss", "--reason", "duplicate", "--as", "ana", "--data", data]);
        Assert.Equal((2, true), (again.ExitCode, again.Stderr.Contains("case_closed", StringComparison.Ordinal)));
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
