using Haven.Kernels.Pdq;
using Haven.Testing;

namespace Haven.Kernels.Tests.Pdq;

/// <summary>
/// Spec §4 criterion 1: the exact pixel buffers the C++ reference hashed (shared/vectors/pdq/exact-rgb) must give the
/// reference hash at distance 0 and the same quality, for the plain hash and all 8 dihedral hashes.
/// </summary>
public sealed class PdqConformanceTests
{
    private static readonly Lazy<Dictionary<string, (PdqHash Hash, int Quality)>> Expected = new(LoadExpected);
    private static readonly Lazy<Dictionary<string, (PdqHash[] Hashes, int Quality)>> ExpectedDihedral = new(LoadExpectedDihedral);

    public static TheoryData<string> ExactRgbFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(ExactRgbFolder, "*.png").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    private static string ExactRgbFolder => Path.Combine(TestPaths.PdqVectors, "exact-rgb");

    [Fact]
    public void ExactRgbVectorsArePresentAndAllListed()
    {
        // Throws (fails) rather than skips when shared/vectors is missing.
        var files = Directory.GetFiles(ExactRgbFolder, "*.png");
        Assert.True(files.Length >= 9, $"expected the 9 exact-rgb vectors, found {files.Length}");
        foreach (var file in files)
        {
            var key = "exact-rgb/" + Path.GetFileName(file);
            Assert.True(Expected.Value.ContainsKey(key), key + " missing from expected.txt");
            Assert.True(ExpectedDihedral.Value.ContainsKey(key), key + " missing from expected-dihedral.txt");
        }
    }

    [Theory]
    [MemberData(nameof(ExactRgbFiles))]
    public void FastHasherReproducesReferenceExactly(string fileName) =>
        AssertConforms(fileName, static (raster, dihedral) =>
            PdqHasher.HashReference(raster.Pixels, raster.Width, raster.Height, raster.Stride, raster.Format, dihedral));

    [Theory]
    [MemberData(nameof(ExactRgbFiles))]
    public void ScalarOracleReproducesReferenceExactly(string fileName) =>
        AssertConforms(fileName, static (raster, dihedral) =>
            PdqReferenceScalar.HashReference(raster.Pixels, raster.Width, raster.Height, raster.Stride, raster.Format, dihedral));

    private static void AssertConforms(string fileName, Func<PdqTestImages.Raster, PdqHash[], PdqResult> hash)
    {
        var key = "exact-rgb/" + fileName;
        var raster = PdqTestImages.DecodePng(Path.Combine(ExactRgbFolder, fileName));
        var dihedral = new PdqHash[8];
        var result = hash(raster, dihedral);

        var (expectedHash, expectedQuality) = Expected.Value[key];
        Assert.Equal(0, PdqHash.Distance(expectedHash, result.Hash));
        Assert.Equal(expectedQuality, result.Quality);

        var (expectedHashes, dihedralQuality) = ExpectedDihedral.Value[key];
        Assert.Equal(dihedralQuality, result.Quality);
        var distances = expectedHashes.Select((h, i) => PdqHash.Distance(h, dihedral[i])).ToArray();
        Assert.Equal(new int[8], distances);
    }

    private static Dictionary<string, (PdqHash, int)> LoadExpected()
    {
        var result = new Dictionary<string, (PdqHash, int)>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(Path.Combine(TestPaths.PdqVectors, "expected.txt")).Where(l => l.Length > 0))
        {
            var parts = line.Split(',', 3);
            result[parts[2]] = (PdqHash.Parse(parts[0]), int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
        }

        return result;
    }

    private static Dictionary<string, (PdqHash[], int)> LoadExpectedDihedral()
    {
        var result = new Dictionary<string, (PdqHash[], int)>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(Path.Combine(TestPaths.PdqVectors, "expected-dihedral.txt")).Where(l => l.Length > 0))
        {
            var parts = line.Split(',', 10);
            var hashes = parts[..8].Select(p => PdqHash.Parse(p)).ToArray();
            result[parts[9]] = (hashes, int.Parse(parts[8], System.Globalization.CultureInfo.InvariantCulture));
        }

        return result;
    }
}
