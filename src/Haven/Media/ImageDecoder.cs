using System.Buffers;
using System.Runtime.InteropServices;
using SkiaSharp;

namespace Haven.Media;

/// <summary>
/// Decodes image bytes with SkiaSharp (libjpeg-turbo, libpng, libwebp, giflib) into pixels for the PDQ reference
/// pipeline: no colour management, no EXIF orientation, alpha dropped without compositing, grey kept as grey, the first
/// frame of an animation. Images over 512 px on either side are sampled to exactly 512×512 by nearest neighbour
/// (src = floor(dst·size/512), top-left anchored, shared/specs/pdq.md §1) row by row while decoding, so a 50 MP photo
/// needs one decoded row in memory, not the whole frame. See docs/adr/0001-image-decoder.md.
/// </summary>
public sealed class ImageDecoder
{
    /// <summary>Names the pipeline; recorded with every hash Haven computes so that hashes from another pipeline are never mistaken for ours.</summary>
    public const string PipelineVersion = "pdq-ref-1/skia-4.155/nearest512";

    /// <summary>The pipeline with scaled JPEG decoding (see <see cref="ScaledJpegDecode"/>).</summary>
    public const string ScaledPipelineVersion = "pdq-ref-1/skia-4.155/jpeg-dct-scaled/nearest512";

    private const int ReferenceSide = 512;
    private readonly MediaLimits _limits;

    /// <param name="limits">Byte and pixel limits.</param>
    /// <param name="scaledJpegDecode">See <see cref="ScaledJpegDecode"/>. Off by default.</param>
    public ImageDecoder(MediaLimits? limits = null, bool scaledJpegDecode = false)
    {
        _limits = limits ?? MediaLimits.Default;
        ScaledJpegDecode = scaledJpegDecode;
    }

    /// <summary>Decodes large PNGs whole, as before the row reader existed: only for the memory benchmark's baseline.</summary>
    internal bool WholeFramePng { get; init; }

    /// <summary>The limits this decoder enforces.</summary>
    public MediaLimits Limits => _limits;

    /// <summary>
    /// When true, JPEGs larger than 1024 px on both sides are decoded at 1/2, 1/4 or 1/8 scale in the DCT domain (the
    /// largest reduction that keeps both sides ≥ 512) before the 512×512 sample. Several times faster for photos, but
    /// the pixels are area averages rather than the reference's point samples, so hashes drift from the reference by a
    /// few bits (measured on every vector by the conformance tests and recorded in docs/adr/0001-image-decoder.md).
    /// Hashes carry <see cref="ScaledPipelineVersion"/>.
    /// </summary>
    public bool ScaledJpegDecode { get; }

    /// <summary>The pipeline name recorded with hashes from this decoder.</summary>
    public string Pipeline => ScaledJpegDecode ? ScaledPipelineVersion : PipelineVersion;

    /// <summary>
    /// The working memory decoding <paramref name="bytes"/> will take, read from the header without decoding a pixel, so
    /// that a <see cref="DecodeBudget"/> can admit the decode first. Media that will be refused (empty, over a limit, not an
    /// image) costs little. Conservative: Skia's own buffers are covered by a fixed allowance per decode.
    /// </summary>
    public DecodeEstimate Estimate(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty || bytes.Length > _limits.MaxBytes)
        {
            return new DecodeEstimate(DecoderAllowance, DecodePath.Small);
        }

        // The header is at the front: parse a prefix rather than copy the whole file just to read it.
        var prefix = bytes[..Math.Min(bytes.Length, HeaderPrefixBytes)];
        using (var head = SKData.CreateCopy(prefix))
        using (var codec = SKCodec.Create(head))
        {
            if (codec is not null)
            {
                return Plan(codec, bytes);
            }
        }

        if (prefix.Length == bytes.Length)
        {
            return new DecodeEstimate(bytes.Length + DecoderAllowance, DecodePath.Small);
        }

        using var data = SKData.CreateCopy(bytes);
        using var whole = SKCodec.Create(data);
        return whole is null ? new DecodeEstimate(bytes.Length + DecoderAllowance, DecodePath.Small) : Plan(whole, bytes);
    }

    /// <summary>Bytes of the file parsed by <see cref="Estimate"/> to find the header.</summary>
    private const int HeaderPrefixBytes = 1 << 20;

    /// <summary>Allowance per decode for the decoder's own state (libjpeg/libpng/libwebp buffers, Skia objects).</summary>
    private const long DecoderAllowance = 2L * 1024 * 1024;

    /// <summary>The path <see cref="Decode"/> takes for this codec and the memory it holds on that path.</summary>
    private DecodeEstimate Plan(SKCodec codec, ReadOnlySpan<byte> bytes)
    {
        var (width, height) = (codec.Info.Width, codec.Info.Height);
        var fixedCost = bytes.Length + DecoderAllowance;
        if (width <= 0 || height <= 0 || (long)width * height > _limits.MaxPixels)
        {
            // Refused from the header.
            return new DecodeEstimate(fixedCost, DecodePath.Small);
        }

        var frame = (long)width * height * 4;
        if (width <= ReferenceSide && height <= ReferenceSide)
        {
            return new DecodeEstimate(fixedCost + (2 * frame), DecodePath.Small);
        }

        const long output = ReferenceSide * ReferenceSide * 4;
        return codec.EncodedFormat switch
        {
            SKEncodedImageFormat.Png when !WholeFramePng && PngRows.Supports(bytes) => new(fixedCost + output + PngRows.WorkingBytes(width), DecodePath.PngRows),
            // libjpeg holds an MCU row (up to 16 rows) while scanline decoding; progressive JPEGs also keep every
            // coefficient (2 bytes per sample per component) until the last scan.
            SKEncodedImageFormat.Jpeg => new(
                fixedCost + output + ((long)width * 4 * 17) + (IsProgressiveJpeg(bytes) ? (long)width * height * 3 * 2 : 0), DecodePath.Rows),
            // libwebp and Skia's GIF decoder keep a frame of their own besides the one they fill.
            SKEncodedImageFormat.Webp or SKEncodedImageFormat.Gif => new(fixedCost + output + (2 * frame), DecodePath.WholeFrame),
            _ => new(fixedCost + output + frame, DecodePath.WholeFrame),
        };
    }

    /// <summary>True when the JPEG's frame header is progressive (SOF2, SOF6, SOF10, SOF14).</summary>
    private static bool IsProgressiveJpeg(ReadOnlySpan<byte> jpeg)
    {
        var offset = 2;
        while (offset + 4 <= jpeg.Length && jpeg[offset] == 0xFF)
        {
            var marker = jpeg[offset + 1];
            if (marker is 0xC2 or 0xC6 or 0xCA or 0xCE)
            {
                return true;
            }

            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC || marker == 0xDA)
            {
                return false;
            }

            offset += 2 + ((jpeg[offset + 2] << 8) | jpeg[offset + 3]);
        }

        // Unknown layout: assume the worst.
        return true;
    }

    /// <summary>Decodes <paramref name="bytes"/>; expected failures come back as <see cref="MediaError"/>.</summary>
    public DecodeResult Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return new MediaError(MediaErrorKind.Empty, "The media is empty (0 bytes).");
        }

        if (bytes.Length > _limits.MaxBytes)
        {
            return TooManyBytes(bytes.Length, _limits.MaxBytes);
        }

        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data);
        if (codec is null)
        {
            return ClassifyUnknown(bytes);
        }

        var info = codec.Info;
        var (width, height) = (info.Width, info.Height);
        if (width <= 0 || height <= 0)
        {
            return new MediaError(MediaErrorKind.Corrupt, "The image header gives no dimensions.");
        }

        if ((long)width * height > _limits.MaxPixels)
        {
            return new MediaError(
                MediaErrorKind.TooManyPixels,
                $"The image is {width}×{height} = {(long)width * height:N0} pixels; the limit is {_limits.MaxPixels:N0}. Downscale it before sending, or raise the limit.");
        }

        var format = FormatName(codec.EncodedFormat);
        var grey = IsGrey(codec, bytes);

        // Skia decodes grey+alpha only to a colour type with alpha; such pixels are R = G = B, so R is the grey value.
        var decodeGrey = grey && codec.Info.ColorType == SKColorType.Gray8;
        var inChannels = decodeGrey ? 1 : 4;
        var outChannels = grey ? 1 : 4;
        var layout = grey ? PixelLayout.Gray8 : PixelLayout.Rgba32;

        // No colour space on the destination: Skia then leaves samples as stored, as ImageMagick's PNM output does.
        var decodeInfo = new SKImageInfo(width, height, decodeGrey ? SKColorType.Gray8 : SKColorType.Rgba8888, SKAlphaType.Unpremul, null);
        var shape = new Shape(width, height, inChannels, outChannels);

        if (width <= ReferenceSide && height <= ReferenceSide)
        {
            var outStride = width * outChannels;
            var pixels = new byte[outStride * height];
            if (inChannels == outChannels)
            {
                var error = DecodeAll(codec, decodeInfo, pixels, outStride);
                return error ?? (DecodeResult)new DecodedImage(pixels, width, height, outStride, layout, width, height, format);
            }

            var whole = ArrayPool<byte>.Shared.Rent(width * inChannels * height);
            try
            {
                var error = DecodeAll(codec, decodeInfo, whole, width * inChannels);
                if (error is not null)
                {
                    return error;
                }

                Span<int> identity = stackalloc int[width];
                for (var x = 0; x < width; x++)
                {
                    identity[x] = x;
                }

                for (var y = 0; y < height; y++)
                {
                    SampleRow(whole.AsSpan(y * width * inChannels, width * inChannels), pixels.AsSpan(y * outStride, outStride), identity, shape);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(whole);
            }

            return new DecodedImage(pixels, width, height, outStride, layout, width, height, format);
        }

        if (Plan(codec, bytes).Path == DecodePath.PngRows)
        {
            return DecodePngRows(data.Data, bytes, grey, layout, format);
        }

        if (ScaledJpegDecode && codec.EncodedFormat == SKEncodedImageFormat.Jpeg)
        {
            foreach (var divisor in ScaleDivisors)
            {
                var scaled = codec.GetScaledDimensions(1f / divisor);
                if (scaled.Width >= ReferenceSide && scaled.Height >= ReferenceSide && scaled.Width < width)
                {
                    decodeInfo = decodeInfo.WithSize(scaled.Width, scaled.Height);
                    shape = shape with { Width = scaled.Width, Height = scaled.Height };
                    break;
                }
            }
        }

        return DecodeSampled(codec, decodeInfo, shape, layout, format, width, height);
    }

    private static readonly int[] ScaleDivisors = [8, 4, 2];

    /// <summary>Source size and channel counts in (decoded) and out (hashed).</summary>
    private readonly record struct Shape(int Width, int Height, int InChannels, int OutChannels);

    private static DecodeResult DecodeSampled(SKCodec codec, SKImageInfo decodeInfo, Shape shape, PixelLayout layout, string format, int sourceWidth, int sourceHeight)
    {
        var (width, height) = (shape.Width, shape.Height);
        var outStride = ReferenceSide * shape.OutChannels;
        var output = new byte[outStride * ReferenceSide];
        Span<int> sourceX = stackalloc int[ReferenceSide];
        SampleColumns(sourceX, width);

        var rowBytes = width * shape.InChannels;
        if (codec.StartScanlineDecode(decodeInfo) == SKCodecResult.Success && codec.ScanlineOrder is SKCodecScanlineOrder.TopDown or SKCodecScanlineOrder.BottomUp)
        {
            // Bottom-up files (most BMPs) hand out the last row first: walk the output upwards so rows are still read in order.
            var bottomUp = codec.ScanlineOrder == SKCodecScanlineOrder.BottomUp;
            var row = ArrayPool<byte>.Shared.Rent(rowBytes);
            try
            {
                var decodedRows = 0;
                for (var i = 0; i < ReferenceSide; i++)
                {
                    var y = bottomUp ? ReferenceSide - 1 - i : i;
                    var sourceY = SampleRow(y, height);
                    var next = bottomUp ? height - 1 - sourceY : sourceY;
                    if (next >= decodedRows)
                    {
                        if (next > decodedRows && !codec.SkipScanlines(next - decodedRows))
                        {
                            return TruncatedOrCorrupt(codec);
                        }

                        decodedRows = next;
                        if (!ReadScanline(codec, row, rowBytes))
                        {
                            return TruncatedOrCorrupt(codec);
                        }

                        decodedRows++;
                    }

                    SampleRow(row.AsSpan(0, rowBytes), output.AsSpan(y * outStride, outStride), sourceX, shape);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(row);
            }

            return new DecodedImage(output, ReferenceSide, ReferenceSide, outStride, layout, sourceWidth, sourceHeight, format) { Path = DecodePath.Rows };
        }

        // Formats without a row decoder (interlaced and 16-bit PNG, WebP, GIF): decode the whole frame, then sample. The
        // frame is unmanaged memory freed as soon as the sample is taken: a pooled array would stay in the pool (and in RSS).
        var frameBytes = checked((long)rowBytes * height);
        var frame = Marshal.AllocHGlobal((nint)frameBytes);
        var row2 = ArrayPool<byte>.Shared.Rent(rowBytes);
        try
        {
            var error = DecodeAll(codec, decodeInfo, frame, rowBytes);
            if (error is not null)
            {
                return error;
            }

            for (var y = 0; y < ReferenceSide; y++)
            {
                Marshal.Copy(frame + (nint)((long)SampleRow(y, height) * rowBytes), row2, 0, rowBytes);
                SampleRow(row2.AsSpan(0, rowBytes), output.AsSpan(y * outStride, outStride), sourceX, shape);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(row2);
            Marshal.FreeHGlobal(frame);
        }

        return new DecodedImage(output, ReferenceSide, ReferenceSide, outStride, layout, sourceWidth, sourceHeight, format) { Path = DecodePath.WholeFrame };
    }

    /// <summary>The reference resize's source row for output row <paramref name="y"/>: floor(y·height/512).</summary>
    private static int SampleRow(int y, int height) => (int)Math.Floor((double)y * height / ReferenceSide);

    private static void SampleColumns(Span<int> sourceX, int width)
    {
        for (var x = 0; x < ReferenceSide; x++)
        {
            sourceX[x] = (int)Math.Floor((double)x * width / ReferenceSide);
        }
    }

    /// <summary>PNGs Skia would decode whole: read row by row with <see cref="PngRows"/>, keeping only the sampled rows.</summary>
    private static DecodeResult DecodePngRows(IntPtr data, ReadOnlySpan<byte> bytes, bool grey, PixelLayout layout, string format)
    {
        // Plan chose this path from the header, so only a chunk with a wrong CRC makes Open refuse: the file is corrupt,
        // and it is refused rather than decoded whole (which the budget did not reserve for).
        using var png = PngRows.Open(bytes, data);
        if (png is null)
        {
            return new MediaError(MediaErrorKind.Corrupt, "The PNG is corrupt: a chunk's CRC does not match its data.");
        }

        var outStride = ReferenceSide * (grey ? 1 : 4);
        var output = new byte[outStride * ReferenceSide];
        Span<int> sourceX = stackalloc int[ReferenceSide];
        SampleColumns(sourceX, png.Width);
        try
        {
            var decodedRows = 0;
            for (var y = 0; y < ReferenceSide; y++)
            {
                var sourceY = SampleRow(y, png.Height);
                while (decodedRows <= sourceY)
                {
                    if (!png.ReadRow())
                    {
                        return new MediaError(MediaErrorKind.Truncated, "The png image ends before its last row (truncated or corrupt). Send the complete file.");
                    }

                    decodedRows++;
                }

                png.Sample(sourceX, output.AsSpan(y * outStride, outStride), grey);
            }
        }
        catch (InvalidDataException)
        {
            return new MediaError(MediaErrorKind.Corrupt, "The image data is corrupt.");
        }

        return new DecodedImage(output, ReferenceSide, ReferenceSide, outStride, layout, png.Width, png.Height, format) { Path = DecodePath.PngRows };
    }

    private static bool ReadScanline(SKCodec codec, byte[] row, int rowBytes)
    {
        var pin = GCHandle.Alloc(row, GCHandleType.Pinned);
        try
        {
            return codec.GetScanlines(pin.AddrOfPinnedObject(), 1, rowBytes) == 1;
        }
        finally
        {
            pin.Free();
        }
    }

    private static void SampleRow(ReadOnlySpan<byte> source, Span<byte> destination, ReadOnlySpan<int> sourceX, Shape shape)
    {
        var (inChannels, outChannels) = (shape.InChannels, shape.OutChannels);
        if (outChannels == 1)
        {
            for (var x = 0; x < sourceX.Length; x++)
            {
                destination[x] = source[sourceX[x] * inChannels];
            }

            return;
        }

        for (var x = 0; x < sourceX.Length; x++)
        {
            source.Slice(sourceX[x] * 4, 4).CopyTo(destination.Slice(x * 4, 4));
        }
    }

    private static MediaError? DecodeAll(SKCodec codec, SKImageInfo info, byte[] destination, int stride)
    {
        var pin = GCHandle.Alloc(destination, GCHandleType.Pinned);
        try
        {
            return DecodeAll(codec, info, pin.AddrOfPinnedObject(), stride);
        }
        finally
        {
            pin.Free();
        }
    }

    private static MediaError? DecodeAll(SKCodec codec, SKImageInfo info, IntPtr destination, int stride)
    {
        // Frame 0 of an animation; a still image has only that one.
        var result = codec.GetPixels(info, destination, stride, new SKCodecOptions(0));
        return result switch
        {
            SKCodecResult.Success => null,
            SKCodecResult.IncompleteInput => new MediaError(MediaErrorKind.Truncated, "The image is truncated: its data ends before the last row. Send the complete file."),
            SKCodecResult.ErrorInInput => new MediaError(MediaErrorKind.Corrupt, "The image data is corrupt."),
            SKCodecResult.Unimplemented or SKCodecResult.InvalidConversion =>
                new MediaError(MediaErrorKind.UnsupportedFormat, $"This {FormatName(codec.EncodedFormat)} variant cannot be decoded ({result})."),
            _ => new MediaError(MediaErrorKind.Corrupt, $"The image could not be decoded ({result})."),
        };
    }

    private static MediaError TruncatedOrCorrupt(SKCodec codec) =>
        // Skia fills rows past the end of a truncated file and reports fewer rows; corrupt data reports the same way.
        new(MediaErrorKind.Truncated, $"The {FormatName(codec.EncodedFormat)} image ends before its last row (truncated or corrupt). Send the complete file.");

    internal static MediaError TooManyBytes(long length, long limit) => new(
        MediaErrorKind.TooManyBytes,
        $"The media is {length:N0} bytes; the limit is {limit:N0}. Send a smaller file, or raise the limit.");

    // Bytes, not a u8 string literal: "\x89"u8 would be U+0089 encoded as two bytes.
    private static ReadOnlySpan<byte> PngSignature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private static MediaError ClassifyUnknown(ReadOnlySpan<byte> bytes)
    {
        // Magic numbers of containers we know but Skia may not decode, so the error can say which.
        if (bytes.Length >= 12 && bytes[4..8].SequenceEqual("ftyp"u8))
        {
            return new MediaError(MediaErrorKind.UnsupportedFormat, "HEIF/AVIF/MP4 containers are not supported; send JPEG, PNG, WebP, GIF or BMP.");
        }

        if (bytes.Length >= 4 && (bytes[..4].SequenceEqual("II*\0"u8) || bytes[..4].SequenceEqual("MM\0*"u8)))
        {
            return new MediaError(MediaErrorKind.UnsupportedFormat, "TIFF is not supported; send JPEG, PNG, WebP, GIF or BMP.");
        }

        if (bytes.Length >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF)
        {
            return new MediaError(MediaErrorKind.Corrupt, "The JPEG header is corrupt or truncated.");
        }

        if (bytes.Length >= 8 && bytes[..8].SequenceEqual(PngSignature))
        {
            return new MediaError(MediaErrorKind.Corrupt, "The PNG header is corrupt or truncated.");
        }

        return new MediaError(MediaErrorKind.NotAnImage, "The bytes are not an image (JPEG, PNG, WebP, GIF, BMP, ICO or WBMP expected).");
    }

    private static bool IsGrey(SKCodec codec, ReadOnlySpan<byte> bytes)
    {
        if (codec.Info.ColorType == SKColorType.Gray8)
        {
            return true;
        }

        // Grey+alpha PNG (IHDR colour type 4) is hashed as grey by the reference (ImageMagick writes a 1-channel PNM).
        return codec.EncodedFormat == SKEncodedImageFormat.Png && bytes.Length > 25 && (bytes[25] == 0 || bytes[25] == 4);
    }

    private static string FormatName(SKEncodedImageFormat format) => format.ToString().ToLowerInvariant();
}

/// <summary>Either a decoded image or the reason there is none.</summary>
public readonly struct DecodeResult
{
    private DecodeResult(DecodedImage? image, MediaError? error)
    {
        Image = image;
        Error = error;
    }

    /// <summary>The pixels, when decoding succeeded.</summary>
    public DecodedImage? Image { get; }

    /// <summary>The reason, when it did not.</summary>
    public MediaError? Error { get; }

    public static implicit operator DecodeResult(DecodedImage image) => new(image, null);

    public static implicit operator DecodeResult(MediaError error) => new(null, error);
}
