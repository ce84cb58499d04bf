using Haven.Media;

namespace Haven.Cli;

/// <summary>Expands paths to image files and hashes them in parallel, yielding results in input order.</summary>
internal static class MediaFiles
{
    private static readonly HashSet<string> ImageExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".ico", ".wbmp",
    };

    /// <summary>The <c>--scaled-decode</c> option of hash and match.</summary>
    public static System.CommandLine.Option<bool> ScaledDecodeOption() => new("--scaled-decode")
    {
        Description = "Decode large JPEGs at 1/2–1/8 scale: several times faster, hashes a few bits from the reference (docs/adr/0001-image-decoder.md). Media:ScaledDecode.",
        DefaultValueFactory = _ => Configuration.HavenConfig.Flag(Configuration.Settings.ScaledDecode, false),
    };

    /// <summary>Files are taken as given; folders contribute their image files (by extension), sorted, recursively.</summary>
    public static List<string> Expand(IEnumerable<string> paths, out List<string> missing)
    {
        var files = new List<string>();
        missing = [];
        foreach (var path in paths)
        {
            if (File.Exists(path))
            {
                files.Add(path);
            }
            else if (Directory.Exists(path))
            {
                files.AddRange(Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                    .Where(f => ImageExtensions.Contains(Path.GetExtension(f)))
                    .Order(StringComparer.Ordinal));
            }
            else
            {
                missing.Add(path);
            }
        }

        return files;
    }

    /// <summary>
    /// Hashes files on all cores, in input order; unreadable files come back with an error. One file is hashed on the
    /// calling thread (starting PLINQ costs more than the hash). <paramref name="exact"/> false skips MD5 and SHA-256
    /// (their <see cref="MediaSignals.Exact"/> is then empty) for callers that print only PDQ.
    /// </summary>
    public static IEnumerable<(string Path, MediaSignals Signals)> HashAll(IReadOnlyList<string> files, MediaHasher hasher, bool exact = true) =>
        files.Count == 1 ? [(files[0], hasher.HashFile(files[0], exact))] : HashInParallel(files, hasher, exact);

    // Its own method, so that hashing one file never loads PLINQ (start-up, ADR 0007).
    private static IEnumerable<(string Path, MediaSignals Signals)> HashInParallel(IReadOnlyList<string> files, MediaHasher hasher, bool exact) =>
        files.AsParallel().AsOrdered().WithDegreeOfParallelism(Environment.ProcessorCount).Select(path => (path, hasher.HashFile(path, exact)));

    /// <summary>The JSON shape of one hashed file.</summary>
    public static object ToJson(string path, MediaSignals s) => new
    {
        path,
        pdq = s.Pdq?.ToString(),
        quality = s.Pdq is null ? (int?)null : s.Quality,
        dihedral = s.Dihedral.Length == 8 ? s.Dihedral.Select(h => h.ToString()).ToArray() : null,
        md5 = s.Exact.Md5,
        sha256 = s.Exact.Sha256,
        bytes = s.Length,
        width = s.Pdq is null ? (int?)null : s.Width,
        height = s.Pdq is null ? (int?)null : s.Height,
        format = s.Format,
        pipeline = s.Pipeline,
        error = s.DecodeError is null ? null : new { code = s.DecodeError.Code, message = s.DecodeError.Message },
    };
}
