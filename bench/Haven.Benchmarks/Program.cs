using BenchmarkDotNet.Running;

namespace Haven.Benchmarks;

/// <summary>Entry point: <c>dotnet run -c Release --project bench/Haven.Benchmarks -- --filter '*Pdq*'</c>.</summary>
internal static class Program
{
    private static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
