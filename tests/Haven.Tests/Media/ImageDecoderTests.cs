using System.Buffers.Binary;
using Haven.Media;
using Haven.Simulation;
using Haven.Testing;
using SkiaSharp;

namespace Haven.Tests.Media;

public sealed class ImageDecoderTests
{
    private readonly ImageDecoder _decoder = new();

    [Theory]
    [InlineData(SKEncodedImageFormat.Jpeg, 1500, 900)]
    [InlineData(SKEncodedImageFormat.Jpeg, 513, 2000)]
    [InlineData(SKEncodedImageFormat.Png, 700, 600)]
    [InlineData(SKEncodedImageFormat.Webp, 800, 530)]
    public void LargeImagesAreSampledExactlyLikeTheReferenceNearestResize(SKEncodedImageFormat format, int width, int height)
    {
        using var bitmap = SyntheticImages.Generate(seed: width + height, width, height);
        var bytes = SyntheticImages.Encode(bitmap, format, 90);

        var decoded = Decode(bytes);

        Assert.Equal((512, 512), (decoded.Width, decoded.Height));
        Assert.Equal((width, height), (decoded.SourceWidth, decoded.SourceHeight));
        var full = DecodeWhole(bytes);
        var expected = new byte[512 * 512 * 4];
        for (var y = 0; y < 512; y++)
        {
            var sy = (int)Math.Floor((double)y * height / 512);
            for (var x = 0; x < 512; x++)
            {
                var sx = (int)Math.Floor((double)x * width / 512);
                full.AsSpan((sy * width + sx) * 4, 4).CopyTo(expected.AsSpan((y * 512 + x) * 4));
            }
        }

        Assert.Equal(expected, decoded.Pixels);
    }

    [Fact]
    public void SmallImagesKeepEveryPixel()
    {
        using var bitmap = SyntheticImages.Generate(seed: 7, 300, 200);
        var bytes = SyntheticImages.Encode(bitmap, SKEncodedImageFormat.Png);
        var decoded = Decode(bytes);
        Assert.Equal((300, 200, PixelLayout.Rgba32, "png"), (decoded.Width, decoded.Height, decoded.Format, decoded.EncodedFormat));
        Assert.Equal(DecodeWhole(bytes), decoded.Pixels);
    }

    [Fact]
    public void GreyPngIsDecodedAsOneChannel()
    {
        using var colour = SyntheticImages.Generate(seed: 3, 64, 48);
        using var grey = new SKBitmap(new SKImageInfo(64, 48, SKColorType.Gray8, SKAlphaType.Opaque));
        Assert.True(colour.CopyTo(grey, SKColorType.Gray8));
        var decoded = Decode(SyntheticImages.Encode(grey, SKEncodedImageFormat.Png));
        Assert.Equal(PixelLayout.Gray8, decoded.Format);
        Assert.Equal(grey.GetPixelSpan().ToArray(), decoded.Pixels);
    }

    [Theory]
    [InlineData(SKEncodedImageFormat.Jpeg, 600, 400)]
    [InlineData(SKEncodedImageFormat.Jpeg, 300, 200)]
    [InlineData(SKEncodedImageFormat.Png, 600, 400)]
    [InlineData(SKEncodedImageFormat.Png, 300, 200)]
    public void TruncatedImagesAreRefusedAsTruncated(SKEncodedImageFormat format, int width, int height)
    {
        using var bitmap = SyntheticImages.Generate(seed: 11, width, height);
        var bytes = SyntheticImages.Encode(bitmap, format, 90);
        var error = DecodeError(bytes.AsSpan(0, bytes.Length / 2).ToArray());
        Assert.Equal(MediaErrorKind.Truncated, error.Kind);
        Assert.Contains("truncated", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void HeaderOnlyIsRefused()
    {
        using var bitmap = SyntheticImages.Generate(seed: 12, 100, 100);
        var bytes = SyntheticImages.Encode(bitmap, SKEncodedImageFormat.Jpeg, 90);
        var error = DecodeError(bytes.AsSpan(0, 3).ToArray());
        Assert.Equal(MediaErrorKind.Corrupt, error.Kind);
    }

    [Fact]
    public void EmptyRandomAndTextBytesAreNotImages()
    {
        Assert.Equal(MediaErrorKind.Empty, DecodeError([]).Kind);
        var random = new byte[4096];
        new Random(5).NextBytes(random);
        Assert.Equal(MediaErrorKind.NotAnImage, DecodeError(random).Kind);
        Assert.Equal(MediaErrorKind.NotAnImage, DecodeError("{\"not\":\"an image\"}"u8.ToArray()).Kind);
    }

    [Fact]
    public void KnownButUnsupportedContainersSaySo()
    {
        var heif = new byte[64];
        "ftypheic"u8.CopyTo(heif.AsSpan(4));
        BinaryPrimitives.WriteInt32BigEndian(heif, 24);
        var error = DecodeError(heif);
        Assert.Equal(MediaErrorKind.UnsupportedFormat, error.Kind);
    }

    [Fact]
    public void MoreBytesThanAllowedIsRefusedBeforeDecoding()
    {
        using var bitmap = SyntheticImages.Generate(seed: 13, 200, 200);
        var bytes = SyntheticImages.Encode(bitmap, SKEncodedImageFormat.Png);
        var decoder = new ImageDecoder(new MediaLimits { MaxBytes = bytes.Length - 1 });
        var result = decoder.Decode(bytes);
        Assert.Equal(MediaErrorKind.TooManyBytes, result.Error?.Kind);
        Assert.Contains(bytes.Length.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), result.Error!.Message);
    }

    [Fact]
    public void DecompressionBombIsRefusedFromItsHeader()
    {
        // A real 64×64 PNG whose header claims 40000×40000 (1.6 gigapixels): refused before any pixel is decoded.
        using var bitmap = SyntheticImages.Generate(seed: 14, 64, 64);
        var bytes = SyntheticImages.Encode(bitmap, SKEncodedImageFormat.Png);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(16), 40000);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(20), 40000);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(29), Crc32(bytes.AsSpan(12, 17)));
        var error = DecodeError(bytes);
        Assert.Equal(MediaErrorKind.TooManyPixels, error.Kind);
        Assert.Contains("40000×40000", error.Message);
    }

    [Fact]
    public void PixelLimitIsConfigurable()
    {
        using var bitmap = SyntheticImages.Generate(seed: 15, 100, 100);
        var bytes = SyntheticImages.Encode(bitmap, SKEncodedImageFormat.Png);
        Assert.Equal(MediaErrorKind.TooManyPixels, new ImageDecoder(new MediaLimits { MaxPixels = 9_999 }).Decode(bytes).Error?.Kind);
        Assert.NotNull(new ImageDecoder(new MediaLimits { MaxPixels = 10_000 }).Decode(bytes).Image);
    }

    [Fact]
    public void EveryPdqVectorDecodes()
    {
        var lines = File.ReadAllLines(Path.Combine(TestPaths.PdqVectors, "expected.txt"));
        Assert.Equal(44, lines.Length);
        foreach (var line in lines)
        {
            var path = line.Split(',', 3)[2];
            var result = _decoder.Decode(File.ReadAllBytes(Path.Combine(TestPaths.PdqVectors, path)));
            Assert.True(result.Image is not null, $"{path}: {result.Error?.Message}");
            Assert.True(result.Image!.Width is > 0 and <= 512, path);
        }
    }

    private DecodedImage Decode(byte[] bytes)
    {
        var result = _decoder.Decode(bytes);
        Assert.True(result.Image is not null, result.Error?.Message);
        return result.Image!;
    }

    private MediaError DecodeError(byte[] bytes)
    {
        var result = _decoder.Decode(bytes);
        Assert.Null(result.Image);
        return result.Error!;
    }

    private static byte[] DecodeWhole(byte[] bytes)
    {
        using var codec = SKCodec.Create(SKData.CreateCopy(bytes));
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul, null);
        var pixels = new byte[info.BytesSize];
        Assert.Equal(SKCodecResult.Success, codec.GetPixels(info, out pixels));
        return pixels;
    }

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }
}
