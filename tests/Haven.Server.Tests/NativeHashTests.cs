using System.Diagnostics;

namespace Haven.Server.Tests;

/// <summary>Publishes the natively compiled hasher once (Native AOT, as <c>./haven hash</c> builds it).</summary>
public sealed class NativeHasherFixture : IAsyncLifetime
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("haven-native-hash-").FullName;

    public string Binary => Path.Combine(Folder, "haven-hash");

    public async Task InitializeAsync()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "publish", Path.Combine(Haven.Testing.TestPaths.RepoRoot, "src", "Haven.Hash", "Haven.Hash.csproj"), "-c", "Release", "-r", "linux-x64", "-o", Folder, "-nologo", "-v", "q" })
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, "publishing the native hasher failed: " + await output + await errors);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Folder, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>
/// The native hasher prints exactly what <c>haven hash</c> prints (standard output, standard error, exit code) on the
/// shared PDQ vectors and on bad input, and hands everything else back to the full CLI with exit code 125.
/// </summary>
public sealed class NativeHashTests(NativeHasherFixture native) : IClassFixture<NativeHasherFixture>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("haven-native-cases-").FullName;

    private static string[] Vectors() =>
        [.. Directory.EnumerateFiles(Haven.Testing.TestPaths.PdqVectors, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".png", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".jpeg", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal).Take(60)];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task It_prints_what_haven_hash_prints_on_the_vectors(bool dihedral)
    {
        var files = Vectors();
        Assert.NotEmpty(files);
        string[] args = dihedral ? ["hash", "--dihedral", .. files] : ["hash", .. files];
        var expected = await CliTests.Run(_folder, args);
        var actual = await Run(args);
        Assert.Equal(0, expected.ExitCode);
        Assert.Equal(expected.ExitCode, actual.ExitCode);
        Assert.Equal(expected.Stdout, actual.Stdout);
        Assert.Equal(files.Length, actual.StdoutLines.Length);
    }

    [Fact]
    public async Task Missing_unreadable_and_broken_files_are_reported_as_haven_hash_reports_them()
    {
        var text = Path.Combine(_folder, "notes.png");
        File.WriteAllText(text, "placeholder text, not an image");
        var truncated = Path.Combine(_folder, "truncated.png");
        var vector = Vectors()[0];
        File.WriteAllBytes(truncated, File.ReadAllBytes(vector)[..200]);
        string[] args = ["hash", text, vector, Path.Combine(_folder, "missing.png"), truncated, Path.Combine(_folder, "missing-too.jpg")];
        var expected = await CliTests.Run(_folder, args);
        var actual = await Run(args);
        Assert.Equal(3, expected.ExitCode);
        Assert.Equal(expected.ExitCode, actual.ExitCode);
        Assert.Equal(expected.Stdout, actual.Stdout);
        Assert.Equal(expected.Stderr, actual.Stderr);
    }

    [Fact]
    public async Task Everything_else_is_handed_back_to_the_full_cli()
    {
        var vector = Vectors()[0];
        foreach (var args in new[] { ["hash"], ["hash", "--json", vector], ["hash", "--scaled-decode", vector], ["hash", _folder], ["lookup", vector], Array.Empty<string>() })
        {
            var outcome = await Run(args);
            Assert.True(outcome.ExitCode == 125, string.Join(' ', args));
            Assert.Equal(string.Empty, outcome.Stdout + outcome.Stderr);
        }

        Assert.Equal(125, (await Run(["hash", vector], new() { ["HAVEN_MEDIA__SCALEDDECODE"] = "true" })).ExitCode);
        Assert.Equal(125, (await Run(["hash", vector], new() { ["HAVEN_CONFIG"] = "/etc/haven.json" })).ExitCode);
        File.WriteAllText(Path.Combine(_folder, "haven.json"), "{}");
        Assert.Equal(125, (await Run(["hash", vector])).ExitCode);
    }

    private async Task<CliTests.Outcome> Run(string[] args, Dictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(native.Binary) { WorkingDirectory = _folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment.Remove("HAVEN_MEDIA__SCALEDDECODE");
        start.Environment.Remove("HAVEN_CONFIG");
        foreach (var (name, value) in environment ?? [])
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new CliTests.Outcome(process.ExitCode, await stdout, await stderr);
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
