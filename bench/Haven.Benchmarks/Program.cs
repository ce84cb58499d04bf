namespace Haven.Benchmarks; internal static class Program { private static void Main() { } }
