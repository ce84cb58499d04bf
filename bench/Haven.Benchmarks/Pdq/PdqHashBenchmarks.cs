using BenchmarkDotNet.Attributes;
using Haven.Kernels.Pdq;

namespace Haven.Benchmarks.Pdq;

/// <summary>
/// PDQ from a decoded 512×512 RGB buffer, 8 dihedral hashes included (DESIGN §5 target ≤ 0.4 ms; C++ reference 3.8 ms).
/// The literal scalar oracle is the in-run baseline, so the ratio column is the speed-up.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class PdqHashBenchmarks
{
    private const int Side = 512;
    private readonly PdqHash[] _dihedral = new PdqHash[8];
    private byte[] _pixels = [];

    [GlobalSetup]
    public void Setup()
    {
        // Smooth synthetic content with some noise: a photo-like buffer, generated, never decoded from real media.
        var random = new Random(512);
        _pixels = new byte[Side * Side * 3];
        for (var y = 0; y < Side; y++)
        {
            for (var x = 0; x < Side; x++)
            {
                for (var c = 0; c < 3; c++)
                {
                    var value = 128 + 60 * Math.Sin((x * (c + 1) + y * 2) / 37.0) + 40 * Math.Cos((y * (3 - c) - x) / 23.0) + random.Next(-10, 11);
                    _pixels[(y * Side + x) * 3 + c] = (byte)Math.Clamp(value, 0, 255);
                }
            }
        }
    }

    [Benchmark(Baseline = true, Description = "scalar reference, 512x512 RGB, 8 dihedral")]
    public PdqResult ScalarReference() =>
        PdqReferenceScalar.HashReference(_pixels, Side, Side, Side * 3, PdqPixelFormat.Rgb24, _dihedral);

    [Benchmark(Description = "PdqHasher, 512x512 RGB, 8 dihedral")]
    public PdqResult Fast() =>
        PdqHasher.HashReference(_pixels, Side, Side, Side * 3, PdqPixelFormat.Rgb24, _dihedral);
}
