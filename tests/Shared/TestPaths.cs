namespace Haven.Testing;

/// <summary>Locates shared/ (beside the repository root) and the repository's own testdata.</summary>
internal static class TestPaths
{
    private static readonly Lazy<string> SharedRoot = new(FindShared);

    /// <summary>The shared/ folder; HAVEN_SHARED_DIR overrides the search. Fails loudly when absent: vectors are never optional.</summary>
    public static string Shared => SharedRoot.Value;

    /// <summary>shared/vectors/pdq.</summary>
    public static string PdqVectors => Path.Combine(Shared, "vectors", "pdq");

    /// <summary>The repository root (the folder holding Haven.slnx).</summary>
    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Haven.slnx")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("Haven.slnx not found above " + AppContext.BaseDirectory);
        }
    }

    private static string FindShared()
    {
        var fromEnv = Environment.GetEnvironmentVariable("HAVEN_SHARED_DIR");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return Directory.Exists(Path.Combine(fromEnv, "vectors"))
                ? fromEnv
                : throw new InvalidOperationException($"HAVEN_SHARED_DIR={fromEnv} has no vectors/ folder.");
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared");
            if (Directory.Exists(Path.Combine(candidate, "vectors", "pdq")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            "shared/vectors/pdq was not found beside any folder above " + AppContext.BaseDirectory +
            "; clone Haven next to shared/ or set HAVEN_SHARED_DIR.");
    }
}
