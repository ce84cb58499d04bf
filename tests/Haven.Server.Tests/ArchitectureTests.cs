using System.Reflection;

namespace Haven.Server.Tests;

/// <summary>The dependency rules of docs/architecture.md, read from the compiled assemblies: Kernels ← Haven ← Server ← Cli.</summary>
public sealed class ArchitectureTests
{
    private static readonly Assembly Kernels = typeof(Haven.Kernels.Pdq.PdqHash).Assembly;
    private static readonly Assembly Engine = typeof(Haven.Media.ImageDecoder).Assembly;
    private static readonly Assembly Server = typeof(HavenServerOptions).Assembly;

    private static string[] References(Assembly assembly) => [.. assembly.GetReferencedAssemblies().Select(a => a.Name!)];

    [Fact]
    public void The_kernels_depend_on_the_base_class_library_only()
    {
        var outside = References(Kernels).Where(n => !(n.StartsWith("System", StringComparison.Ordinal) || n is "netstandard" or "mscorlib")).ToList();
        Assert.True(outside.Count == 0, "Haven.Kernels references " + string.Join(", ", outside));
    }

    [Fact]
    public void The_engine_reaches_into_no_host()
    {
        var hosts = References(Engine).Where(n => n.StartsWith("Haven.Server", StringComparison.Ordinal) || n.StartsWith("Haven.Cli", StringComparison.Ordinal) ||
            n.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) || n.StartsWith("Spectre", StringComparison.Ordinal) || n.StartsWith("System.CommandLine", StringComparison.Ordinal)).ToList();
        Assert.True(hosts.Count == 0, "Haven references " + string.Join(", ", hosts));
        Assert.Contains("Haven.Kernels", References(Engine));
    }

    [Fact]
    public void The_server_does_not_depend_on_the_command_line()
    {
        var cli = References(Server).Where(n => n.StartsWith("Haven.Cli", StringComparison.Ordinal) || n.StartsWith("Spectre", StringComparison.Ordinal) || n.StartsWith("System.CommandLine", StringComparison.Ordinal)).ToList();
        Assert.True(cli.Count == 0, "Haven.Server references " + string.Join(", ", cli));
        Assert.Contains("Haven", References(Server));
    }
}
