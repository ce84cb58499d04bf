using BenchmarkDotNet.Attributes;
using Haven.Kernels.Pdq;
using Haven.Media;
using Haven.Simulation;
using SkiaSharp;

namespace Haven.Benchmarks.Media;

/// <summary>
/// Decode + PDQ (8 dihedral hashes) of synthetic JPEGs through Haven's pipeline (scanline decode with the reference
/// 512×512 sampling taken during decoding, then the fast kernel), against the naive pipeline as in-run baseline
/// (full-frame decode, then the scalar reference port with its own resize). Target: ≤ 8 ms at 1024×1024 (DESIGN §5).
/// </summary>
[MemoryDiagnoser]
public class DecodeAndHashBenchmarks
{
    private readonly PdqHash[] _dihedral = new PdqHash[8];
    private readonly ImageDecoder _decoder = new();
    private readonly ImageDecoder _scaledDecoder = new(scaledJpegDecode: true);
    private byte[] _jpeg = [];

    [Params("1024x1024", "4000x3000")]
    public string Size { get; set; } = "1024x1024";

    [GlobalSetup]
    public void Setup()
    {
        var parts = Size.Split('x');
        using var bitmap = SyntheticImages.Generate(7, int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
        _jpeg = SyntheticImages.Encode(bitmap, SKEncodedImageFormat.Jpeg, 90);
    }

    [Benchmark(Baseline = true, Description = "naive: full decode, scalar PDQ with resize")]
    public PdqResult Naive()
    {
        using var full = SKBitmap.Decode(_jpeg);
        return PdqReferenceScalar.HashReference(full.GetPixelSpan(), full.Width, full.Height, full.RowBytes, PdqPixelFormat.Rgba32, _dihedral);
    }

    [Benchmark(Description = "Haven: sampled scanline decode, fast PDQ")]
    public PdqHash Haven() => MediaHasher.HashPixels(_decoder.Decode(_jpeg).Image!).Hash;

    [Benchmark(Description = "Haven, --scaled-decode (off by default)")]
    public PdqHash HavenScaled() => MediaHasher.HashPixels(_scaledDecoder.Decode(_jpeg).Image!).Hash;
}
