using System.Text;

namespace Haven.Tests.Storage;

/// <summary>Seeded random hex values: test banks hold random hashes only, never hashes of real media.</summary>
internal static class TestHashes
{
    public static string Hex(Random random, int hexDigits)
    {
        var bytes = new byte[hexDigits / 2];
        random.NextBytes(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    public static List<string> Many(int seed, int count, int hexDigits)
    {
        var random = new Random(seed);
        var set = new HashSet<string>(count);
        while (set.Count < count)
        {
            set.Add(Hex(random, hexDigits));
        }

        return [.. set];
    }

    public static string Lines(IEnumerable<string> lines)
    {
        var builder = new StringBuilder();
        foreach (var line in lines)
        {
            builder.Append(line).Append('\n');
        }

        return builder.ToString();
    }
}
