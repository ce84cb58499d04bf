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
        Assert.Equal(ReferenceSample(DecodeWhole(bytes), width, height, 4), decoded.Pixels);
    }

    [Theory]
    [InlineData(SKColorType.Rgba8888, SKAlphaType.Unpremul, 700, 600)]
    [InlineData(SKColorType.Rgba8888, SKAlphaType.Opaque, 1031, 517)]
    [InlineData(SKColorType.Gray8, SKAlphaType.Opaque, 600, 1100)]
    public void LargePngsAreReadByRowsWithExactlyTheWholeFramePixels(SKColorType colorType, SKAlphaType alphaType, int width, int height)
    {
        using var colour = SyntheticImages.Generate(seed: width ^ height, width, height);
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, colorType, alphaType));
        Assert.True(colour.CopyTo(bitmap, colorType));
        var bytes = SyntheticImages.Encode(bitmap, SKEncodedImageFormat.Png);

        var decoded = Decode(bytes);

        Assert.Equal(DecodePath.PngRows, decoded.Path);
        Assert.Equal(DecodePath.PngRows, _decoder.Estimate(bytes).Path);
        var channels = colorType == SKColorType.Gray8 ? 1 : 4;
        var whole = channels == 1 ? bitmap.GetPixelSpan().ToArray() : DecodeWhole(bytes);
        Assert.Equal(ReferenceSample(whole, width, height, channels), decoded.Pixels);
    }

    [Fact]
    public void BottomUpBmpIsReadByRows()
    {
        using var bitmap = SyntheticImages.Generate(seed: 31, 700, 530);
        var bytes = Bmp24(bitmap);

        var decoded = Decode(bytes);

        Assert.Equal(DecodePath.Rows, decoded.Path);
        Assert.Equal(ReferenceSample(DecodeWhole(bytes), 700, 530, 4), decoded.Pixels);
    }

    [Fact]
    public void A7000By7000PngIsReadByRowsInAFractionOfItsFrameAndHashesAsTheWholeFrame()
    {
        const int side = 7000;
        var bytes = LargePng.Value;
        var estimate = _decoder.Estimate(bytes);
        Assert.Equal(DecodePath.PngRows, estimate.Path);
        Assert.InRange(estimate.WorkingBytes, 1, bytes.Length + (8L << 20));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var decoded = Decode(bytes);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(DecodePath.PngRows, decoded.Path);
        // A frame is 196 MB; the row path holds two 28 KB rows, the inflater and the 1 MB output.
        Assert.InRange(allocated, 0, 8L << 20);
        var reference = ReferenceSample(DecodeWhole(bytes), side, side, 4);
        Assert.Equal(reference, decoded.Pixels);
        var wholeFrame = new DecodedImage(reference, 512, 512, 512 * 4, PixelLayout.Rgba32, side, side, "png");
        Assert.Equal(MediaHasher.HashPixels(wholeFrame).Hash, MediaHasher.HashPixels(decoded).Hash);
    }

    [Fact]
    public void A_large_png_whose_chunk_crc_does_not_match_is_refused_as_corrupt_without_a_whole_frame_decode()
    {
        var bytes = (byte[])LargePng.Value.Clone();
        var idat = bytes.AsSpan().IndexOf("IDAT"u8);
        bytes[idat + 4 + 100] ^= 0x55;
        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = _decoder.Decode(bytes);
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 8L << 20);
        Assert.Equal(MediaErrorKind.Corrupt, result.Error?.Kind);
        Assert.Contains("CRC", result.Error!.Message);
    }

    [Fact]
    public void A_png_signature_followed_by_garbage_is_a_corrupt_png_not_an_unknown_format()
    {
        byte[] bytes = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        var error = _decoder.Decode(bytes).Error;
        Assert.Equal(MediaErrorKind.Corrupt, error?.Kind);
        Assert.Contains("PNG header", error!.Message);
    }

    [Fact]
    public void LargePngVectorsOfEveryLayoutAreReadByRowsWithTheWholeFramePixels()
    {
        var pngs = Directory.EnumerateFiles(TestPaths.PdqVectors, "*.png", SearchOption.AllDirectories).ToList();
        var read = 0;
        foreach (var path in pngs)
        {
            var bytes = File.ReadAllBytes(path);
            var decoded = Decode(bytes);
            if (decoded.SourceWidth <= 512 && decoded.SourceHeight <= 512)
            {
                continue;
            }

            read++;
            Assert.Equal(DecodePath.PngRows, decoded.Path);
            var channels = decoded.Format == PixelLayout.Gray8 ? 1 : 4;
            var whole = DecodeWhole(bytes);
            if (channels == 1)
            {
                // Skia hands grey out as R = G = B; the grey value is R.
                whole = [.. whole.Where((_, i) => i % 4 == 0)];
            }

            Assert.Equal(ReferenceSample(whole, decoded.SourceWidth, decoded.SourceHeight, channels), decoded.Pixels);
        }

        // Grey 1-bit, grey 8-bit, palette and RGBA vectors are over 512 px.
        Assert.True(read >= 4, $"{read} large PNG vectors");
    }

    [Fact]
    public void EstimatesFollowTheDecodePath()
    {
        using var small = SyntheticImages.Generate(seed: 41, 300, 200);
        Assert.Equal(DecodePath.Small, _decoder.Estimate(SyntheticImages.Encode(small, SKEncodedImageFormat.Png)).Path);
        using var large = SyntheticImages.Generate(seed: 42, 2000, 1500);
        var jpeg = _decoder.Estimate(SyntheticImages.Encode(large, SKEncodedImageFormat.Jpeg, 90));
        Assert.Equal(DecodePath.Rows, jpeg.Path);
        Assert.InRange(jpeg.WorkingBytes, 1, 2000L * 1500 * 4 / 2);
        var webp = _decoder.Estimate(SyntheticImages.Encode(large, SKEncodedImageFormat.Webp, 90));
        Assert.Equal(DecodePath.WholeFrame, webp.Path);
        Assert.InRange(webp.WorkingBytes, 2000L * 1500 * 4, long.MaxValue);
        Assert.Equal(DecodePath.Small, _decoder.Estimate("not an image"u8).Path);
    }

    /// <summary>A 7000×7000 synthetic PNG (RGBA, about the size of the security probe's), made once for the tests that need it.</summary>
    internal static readonly Lazy<byte[]> LargePng = new(() => SyntheticImages.LargePng(7000));

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

    private static byte[] ReferenceSample(byte[] whole, int width, int height, int channels)
    {
        var expected = new byte[512 * 512 * channels];
        for (var y = 0; y < 512; y++)
        {
            var sy = (int)Math.Floor((double)y * height / 512);
            for (var x = 0; x < 512; x++)
            {
                var sx = (int)Math.Floor((double)x * width / 512);
                whole.AsSpan((sy * width + sx) * channels, channels).CopyTo(expected.AsSpan((y * 512 + x) * channels));
            }
        }

        return expected;
    }

    /// <summary>A bottom-up 24-bit BMP (Skia cannot encode BMP).</summary>
    private static byte[] Bmp24(SKBitmap bitmap)
    {
        var (width, height) = (bitmap.Width, bitmap.Height);
        var stride = (width * 3 + 3) & ~3;
        var bytes = new byte[54 + stride * height];
        "BM"u8.CopyTo(bytes);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(2), bytes.Length);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(10), 54);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(18), width);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(22), height);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(26), 1);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(28), 24);
        for (var y = 0; y < height; y++)
        {
            var row = bytes.AsSpan(54 + (height - 1 - y) * stride);
            for (var x = 0; x < width; x++)
            {
                var c = bitmap.GetPixel(x, y);
                (row[x * 3], row[x * 3 + 1], row[x * 3 + 2]) = (c.Blue, c.Green, c.Red);
            }
        }

        return bytes;
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
