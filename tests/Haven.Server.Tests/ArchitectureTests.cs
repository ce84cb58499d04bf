using System.Reflection;

namespace Haven.Server.Tests;

/// <summary>
/// The dependency rules of docs/architecture.md, read from the compiled assemblies: Kernels ← Haven ← Server ← Cli, and
/// Haven ← Simulation ← Cli (the engine ships only the engine).
/// </summary>
public sealed class ArchitectureTests
{
    private static readonly Assembly Kernels = typeof(Haven.Kernels.Pdq.PdqHash).Assembly;
    private static readonly Assembly Engine = typeof(Haven.Media.ImageDecoder).Assembly;
    private static readonly Assembly Server = typeof(HavenServerOptions).Assembly;
    private static readonly Assembly Simulation = typeof(Haven.Simulation.PlatformSimulator).Assembly;

    private static string[] References(Assembly assembly) => [.. assembly.GetReferencedAssemblies().Select(a => a.Name!)];

    /// <summary>The references of <paramref name="assembly"/> that start with any of <paramref name="prefixes"/>.</summary>
    private static List<string> ReferencesTo(Assembly assembly, params string[] prefixes) =>
        [.. References(assembly).Where(n => prefixes.Any(p => n.StartsWith(p, StringComparison.Ordinal)))];

    private static readonly string[] CommandLine = ["Haven.Cli", "Spectre", "System.CommandLine"];
    private static readonly string[] Hosts = ["Haven.Server", "Microsoft.AspNetCore", .. CommandLine];

    [Fact]
    public void The_kernels_depend_on_the_base_class_library_only()
    {
        var outside = References(Kernels).Where(n => !(n.StartsWith("System", StringComparison.Ordinal) || n is "netstandard" or "mscorlib")).ToList();
        Assert.True(outside.Count == 0, "Haven.Kernels references " + string.Join(", ", outside));
    }

    [Fact]
    public void The_engine_reaches_into_no_host()
    {
        var hosts = ReferencesTo(Engine, Hosts);
        Assert.True(hosts.Count == 0, "Haven references " + string.Join(", ", hosts));
        Assert.Contains("Haven.Kernels", References(Engine));
    }

    [Fact]
    public void The_server_does_not_depend_on_the_command_line()
    {
        var cli = ReferencesTo(Server, CommandLine);
        Assert.True(cli.Count == 0, "Haven.Server references " + string.Join(", ", cli));
        Assert.Contains("Haven", References(Server));
    }

    [Fact]
    public void The_engine_ships_no_simulation()
    {
        Assert.Equal("Haven.Simulation", Simulation.GetName().Name);
        Assert.DoesNotContain("Haven.Simulation", References(Engine));
        var simulated = Engine.GetTypes().Where(t => t.Namespace is { } ns && (ns == "Haven.Simulation" || ns.StartsWith("Haven.Simulation.", StringComparison.Ordinal)))
            .Select(t => t.FullName).ToList();
        Assert.True(simulated.Count == 0, "Haven holds simulation types: " + string.Join(", ", simulated));
    }

    [Fact]
    public void The_server_does_not_depend_on_the_simulation() => Assert.DoesNotContain("Haven.Simulation", References(Server));

    [Fact]
    public void The_simulation_depends_on_the_engine_and_the_kernels_only()
    {
        var outside = ReferencesTo(Simulation, ["Haven", .. Hosts]).Where(n => n is not ("Haven" or "Haven.Kernels")).ToList();
        Assert.True(outside.Count == 0, "Haven.Simulation references " + string.Join(", ", outside));
        Assert.Contains("Haven", References(Simulation));
    }
}
