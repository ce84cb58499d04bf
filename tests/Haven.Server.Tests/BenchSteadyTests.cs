using Haven.Cli.Commands;

namespace Haven.Server.Tests;

/// <summary>The quick benchmarks' warm-up loop, driven by fake series of window figures.</summary>
public sealed class BenchSteadyTests
{
    [Fact]
    public void Stops_at_the_first_two_windows_that_agree()
    {
        // Warm-up (tier-0 code, then tiering), then steady within 3 %.
        var series = new Queue<double>([1.50, 1.10, 0.60, 0.48, 0.47, 0.47, 0.30]);

        var figure = BenchSteady.Measure(series.Dequeue, tolerance: 0.03, maxWindows: 12);

        Assert.Equal(new SteadyFigure(0.47, 5, Steady: true), figure);
        Assert.Equal(2, series.Count);
    }

    [Fact]
    public void Stops_at_the_cap_when_the_series_never_settles_and_says_so()
    {
        var calls = 0;
        double Alternating() => ++calls % 2 == 0 ? 1.0 : 2.0;

        var figure = BenchSteady.Measure(Alternating, tolerance: 0.03, maxWindows: 6);

        Assert.Equal(new SteadyFigure(1.0, 6, Steady: false), figure);
        Assert.Equal(6, calls);
        Assert.Contains("not steady", BenchSteady.Describe(figure));
    }

    [Fact]
    public void A_steady_series_takes_two_windows()
    {
        var figure = BenchSteady.Measure(() => 0.25);

        Assert.Equal(new SteadyFigure(0.25, 2, Steady: true), figure);
        Assert.Equal("steady after 2", BenchSteady.Describe(figure));
    }

    [Fact]
    public void The_tolerance_is_relative_to_the_smaller_window() =>
        Assert.True(BenchSteady.Measure(new Queue<double>([100.0, 102.9]).Dequeue, tolerance: 0.03).Steady);

    [Fact]
    public void The_machine_line_names_cores_and_the_runtime()
    {
        var line = BenchSteady.MachineLine();

        Assert.Contains($"{Environment.ProcessorCount} cores", line);
        Assert.Contains($".NET {Environment.Version}", line);
    }
}
