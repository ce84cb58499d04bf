using System.Globalization;
using System.Runtime.InteropServices;

namespace Haven.Cli.Commands;

/// <summary>What a steady-state measurement found: the last window's figure and how many windows it took.</summary>
/// <param name="Value">The figure of the last window measured.</param>
/// <param name="Windows">Windows measured, warm-up included.</param>
/// <param name="Steady">True when the last two windows agreed within the tolerance; false when the cap stopped it.</param>
internal sealed record SteadyFigure(double Value, int Windows, bool Steady);

/// <summary>
/// Warm-up for the quick benchmarks: measure window after window until two consecutive windows agree within a
/// tolerance (the JIT has finished tiering and the figure is steady), or until a cap, and say which of the two stopped it.
/// </summary>
internal static class BenchSteady
{
    /// <summary>Relative difference two consecutive windows may have to count as steady.</summary>
    public const double DefaultTolerance = 0.03;

    /// <summary>Most windows measured for one figure.</summary>
    public const int DefaultMaxWindows = 12;

    /// <summary>Calls <paramref name="window"/> (one measurement, e.g. a median time) until two in a row agree or the cap.</summary>
    public static SteadyFigure Measure(Func<double> window, double tolerance = DefaultTolerance, int maxWindows = DefaultMaxWindows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWindows, 2);
        var previous = window();
        for (var windows = 2; ; windows++)
        {
            var current = window();
            if (Math.Abs(current - previous) <= tolerance * Math.Min(Math.Abs(current), Math.Abs(previous)))
            {
                return new SteadyFigure(current, windows, Steady: true);
            }

            if (windows == maxWindows)
            {
                return new SteadyFigure(current, windows, Steady: false);
            }

            previous = current;
        }
    }

    /// <summary>CPU model, cores, OS and .NET version: printed with every benchmark table.</summary>
    public static string MachineLine()
    {
        var cpu = RuntimeInformation.ProcessArchitecture.ToString();
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                var model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
                if (model is not null)
                {
                    cpu = model[(model.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
                }
            }
        }
        catch (IOException)
        {
            // Keep the architecture only.
        }

        return $"{cpu}, {Environment.ProcessorCount} cores; {RuntimeInformation.OSDescription}; .NET {Environment.Version}";
    }

    /// <summary>The 1-minute load average (Linux), or "-" where the system does not say.</summary>
    public static string LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg")
                ? File.ReadAllText("/proc/loadavg").Split(' ')[0]
                : "-";
        }
        catch (IOException)
        {
            return "-";
        }
    }

    /// <summary>"steady after N windows" or "not steady after N windows (cap)".</summary>
    public static string Describe(SteadyFigure figure) => figure.Steady
        ? string.Create(CultureInfo.InvariantCulture, $"steady after {figure.Windows}")
        : string.Create(CultureInfo.InvariantCulture, $"cap: {figure.Windows}, not steady");
}
