using System.Collections.Concurrent;
using System.Diagnostics;
using Haven.Banks;
using Haven.Matching;
using Haven.Media;
using SkiaSharp;

namespace Haven.Simulation;

/// <summary>Sizes and seed of the media demo.</summary>
internal sealed record MediaDemoOptions(int Known = 200, int Unrelated = 1000, int Seed = 2026, int Threshold = 31)
{
    /// <summary>Why these options are unusable, or null.</summary>
    public string? Validate() =>
        Known is < 1 or > 100_000 ? "known images must be 1..100000"
        : Unrelated is < 0 or > 1_000_000 ? "unrelated images must be 0..1000000"
        : Threshold is < 0 or > 63 ? "threshold must be 0..63"
        : null;
}

/// <summary>Recall for one re-upload transform.</summary>
internal sealed record TransformRow(string Transform, string Description, int Total, int MatchedPlain, int MatchedDihedral, int MedianDistancePlain, int MedianDistanceDihedral)
{
    public double RecallPlain => Total == 0 ? 0 : (double)MatchedPlain / Total;

    public double RecallDihedral => Total == 0 ? 0 : (double)MatchedDihedral / Total;
}

/// <summary>What the demo measured.</summary>
internal sealed record MediaDemoReport(
    IReadOnlyList<TransformRow> Rows,
    int Unrelated,
    int FalseMatchesPlain,
    int FalseMatchesDihedral,
    int BelowQualityGate,
    int ImagesHashed,
    TimeSpan HashAndMatchTime,
    TimeSpan Elapsed,
    long IndexVersion)
{
    /// <summary>Decode + hash + match rate over all cores.</summary>
    public double ImagesPerSecond => ImagesHashed / Math.Max(HashAndMatchTime.TotalSeconds, 1e-9);
}

/// <summary>Progress of a demo phase.</summary>
internal readonly record struct DemoProgress(string Phase, int Done, int Total);

/// <summary>
/// The media half of <c>haven demo</c>: draws seeded synthetic photographs, banks some as "known" through the real
/// bank service and store, derives re-uploads with the transforms platforms see, then hashes and matches everything
/// through the real decoder, PDQ kernel and match index, with and without the dihedral query.
/// </summary>
internal static class MediaDemo
{
    /// <summary>The transforms, in table order: name, description.</summary>
    public static readonly IReadOnlyList<(string Name, string Description)> Transforms =
    [
        ("identical", "the same file uploaded again"),
        ("jpeg", "re-encoded as JPEG, quality 50–95"),
        ("resize", "resized 0.5–2×"),
        ("crop", "cropped by up to 10%"),
        ("overlay", "caption bar drawn over a corner"),
        ("rot90", "rotated 90°"),
        ("rot180", "rotated 180°"),
        ("rot270", "rotated 270°"),
        ("flipx", "flipped top to bottom"),
        ("flipy", "mirrored left to right"),
    ];

    /// <summary>Generates the known images' bytes (JPEG, quality 92), in seed order.</summary>
    public static byte[] KnownImage(MediaDemoOptions options, int i)
    {
        using var bitmap = SyntheticImages.Generate(options.Seed * 1_000_003 + i, 640, 480);
        return SyntheticImages.Encode(bitmap, SKEncodedImageFormat.Jpeg, 92);
    }

    /// <summary>Derives one re-upload of a known image.</summary>
    public static byte[] Derive(byte[] original, string transform, Random random)
    {
        if (transform == "identical")
        {
            return original;
        }

        using var source = SKBitmap.Decode(original) ?? throw new InvalidOperationException("demo image failed to decode");
        SKBitmap? derived = null;
        try
        {
            var quality = 85;
            switch (transform)
            {
                case "jpeg":
                    quality = 50 + random.Next(46);
                    derived = source.Copy();
                    break;
                case "resize":
                    derived = SyntheticImages.Resize(source, 0.5 + random.NextDouble() * 1.5);
                    break;
                case "crop":
                    derived = SyntheticImages.Crop(source, random.NextDouble() * 0.10, random);
                    break;
                case "overlay":
                    derived = SyntheticImages.Overlay(source, random);
                    break;
                default:
                    var variant = MatchIndex.VariantNames.ToList().IndexOf(transform);
                    derived = SyntheticImages.Dihedral(source, variant);
                    break;
            }

            return SyntheticImages.Encode(derived, SKEncodedImageFormat.Jpeg, quality);
        }
        finally
        {
            derived?.Dispose();
        }
    }

    /// <summary>Bank entries (PDQ with quality, MD5, SHA-256) for one known image's signals.</summary>
    public static IEnumerable<NewBankEntry> EntriesFor(MediaSignals signals, int i)
    {
        var externalId = $"demo-{i:D6}";
        if (signals.PdqUsable(PdqQuality.DefaultGate) && NewBankEntry.TryCreate(SignalType.Pdq, signals.Pdq!.Value.ToString(), signals.Quality, "demo-known", "haven demo", externalId, out var pdq, out _))
        {
            yield return pdq;
        }

        if (NewBankEntry.TryCreate(SignalType.Md5, signals.Exact.Md5, null, "demo-known", "haven demo", externalId, out var md5, out _))
        {
            yield return md5;
        }

        if (NewBankEntry.TryCreate(SignalType.Sha256, signals.Exact.Sha256, null, "demo-known", "haven demo", externalId, out var sha, out _))
        {
            yield return sha;
        }
    }

    /// <summary>
    /// Hashes and matches the re-uploads of every known image and the unrelated images against <paramref name="index"/>.
    /// A re-upload counts as found only if a hit names its own original (by external id).
    /// </summary>
    public static MediaDemoReport Evaluate(MediaDemoOptions options, IReadOnlyList<byte[]> known, MatchIndex index, MediaHasher hasher, IProgress<DemoProgress>? progress, Stopwatch elapsed)
    {
        var rows = new ConcurrentDictionary<string, ConcurrentBag<(bool Plain, bool Dihedral, int DistancePlain, int DistanceDihedral)>>();
        foreach (var (name, _) in Transforms)
        {
            rows[name] = [];
        }

        var plain = new MatchOptions(options.Threshold, Dihedral: false);
        var dihedral = new MatchOptions(options.Threshold, Dihedral: true);
        var total = known.Count * Transforms.Count + options.Unrelated;
        var done = 0;
        var belowGate = 0;
        var falsePlain = 0;
        var falseDihedral = 0;
        var hashing = TimeSpan.Zero;
        var hashingLock = new object();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount };

        // Only hashing and matching are timed; drawing and transforming the test images are not Haven's work.
        (MediaMatch Plain, MediaMatch Dihedral) HashAndMatch(byte[] bytes)
        {
            var started = Stopwatch.GetTimestamp();
            var signals = hasher.Hash(bytes);
            var result = (MediaMatcher.Match(index, signals, plain), MediaMatcher.Match(index, signals, dihedral));
            var spent = Stopwatch.GetElapsedTime(started);
            lock (hashingLock)
            {
                hashing += spent;
            }

            return result;
        }

        Parallel.For(0, known.Count, parallel, i =>
        {
            var externalId = $"demo-{i:D6}";
            for (var t = 0; t < Transforms.Count; t++)
            {
                var name = Transforms[t].Name;
                var (a, b) = HashAndMatch(Derive(known[i], name, new Random(TransformSeed(options.Seed, i, t))));

                var hitA = a.Hits.Where(h => h.ExternalId == externalId).OrderBy(h => h.Distance).FirstOrDefault();
                var hitB = b.Hits.Where(h => h.ExternalId == externalId).OrderBy(h => h.Distance).FirstOrDefault();
                rows[name].Add((hitA is not null, hitB is not null, hitA?.Distance ?? -1, hitB?.Distance ?? -1));
                if (!a.PdqChecked)
                {
                    Interlocked.Increment(ref belowGate);
                }

                progress?.Report(new DemoProgress("matching re-uploads", Interlocked.Increment(ref done), total));
            }
        });

        Parallel.For(0, options.Unrelated, parallel, i =>
        {
            using var bitmap = SyntheticImages.Generate(unchecked(options.Seed * 7_919 + 500_000_000 + i), 640, 480);
            var (a, b) = HashAndMatch(SyntheticImages.Encode(bitmap, SKEncodedImageFormat.Jpeg, 90));

            if (a.Hits.Count > 0)
            {
                Interlocked.Increment(ref falsePlain);
            }

            if (b.Hits.Count > 0)
            {
                Interlocked.Increment(ref falseDihedral);
            }

            if (!a.PdqChecked)
            {
                Interlocked.Increment(ref belowGate);
            }

            progress?.Report(new DemoProgress("matching never-banked images", Interlocked.Increment(ref done), total));
        });

        var table = Transforms.Select(t =>
        {
            var results = rows[t.Name].ToArray();
            return new TransformRow(
                t.Name, t.Description, results.Length,
                results.Count(r => r.Plain), results.Count(r => r.Dihedral),
                Median(results.Where(r => r.Plain).Select(r => r.DistancePlain)),
                Median(results.Where(r => r.Dihedral).Select(r => r.DistanceDihedral)));
        }).ToArray();

        // Hashing time was summed over parallel workers; divide by the workers for wall-clock throughput.
        var wall = TimeSpan.FromTicks(hashing.Ticks / Math.Max(1, parallel.MaxDegreeOfParallelism));
        return new MediaDemoReport(table, options.Unrelated, falsePlain, falseDihedral, belowGate, total, wall, elapsed.Elapsed, index.Version);
    }

    /// <summary>
    /// The seed of one re-upload. Plain arithmetic rather than <c>HashCode.Combine</c>, which is
    /// randomised per process: the same demo seed must give the same images in every run.
    /// </summary>
    internal static int TransformSeed(int seed, int image, int transform) => unchecked((seed * 1_000_003) + (image * 31) + transform);

    private static int Median(IEnumerable<int> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? -1 : sorted[sorted.Length / 2];
    }
}
