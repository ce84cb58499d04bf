namespace Haven.Media;

/// <summary>
/// Pixels ready for PDQ: either the whole image (both sides ≤ 512) or the reference pipeline's 512×512 nearest-neighbour
/// sample of a larger image, taken while decoding. Either way the PDQ reference hasher applies no further resize.
/// </summary>
public sealed class DecodedImage
{
    internal DecodedImage(byte[] pixels, int width, int height, int stride, PixelLayout format, int sourceWidth, int sourceHeight, string encodedFormat)
    {
        Pixels = pixels;
        Width = width;
        Height = height;
        Stride = stride;
        Format = format;
        SourceWidth = sourceWidth;
        SourceHeight = sourceHeight;
        EncodedFormat = encodedFormat;
    }

    /// <summary>Row-major pixels, <see cref="Stride"/> bytes per row.</summary>
    public byte[] Pixels { get; }

    /// <summary>Width of <see cref="Pixels"/>.</summary>
    public int Width { get; }

    /// <summary>Height of <see cref="Pixels"/>.</summary>
    public int Height { get; }

    /// <summary>Bytes per row.</summary>
    public int Stride { get; }

    /// <summary>Grey (1 channel, hashed as grey like the reference) or RGBA (alpha ignored, not composited).</summary>
    public PixelLayout Format { get; }

    /// <summary>Width of the encoded image.</summary>
    public int SourceWidth { get; }

    /// <summary>Height of the encoded image.</summary>
    public int SourceHeight { get; }

    /// <summary>Container format, lower case: jpeg, png, webp, gif, bmp, ico, wbmp, avif, heif.</summary>
    public string EncodedFormat { get; }

    /// <summary>How the pixels were decoded (for tests and benchmarks).</summary>
    internal DecodePath Path { get; init; }
}

/// <summary>How <see cref="ImageDecoder"/> decodes an image, which decides its working memory (<see cref="DecodeEstimate"/>).</summary>
public enum DecodePath
{
    /// <summary>Both sides ≤ 512: the whole (small) image.</summary>
    Small,
    /// <summary>Skia's scanline decoder: one row at a time, only the sampled rows converted (JPEG, BMP).</summary>
    Rows,
    /// <summary>Haven's PNG row reader (<c>PngRows</c>): one row at a time, every row inflated.</summary>
    PngRows,
    /// <summary>The whole frame, then the sample (interlaced or 16-bit PNG, WebP, GIF, and anything without a row decoder).</summary>
    WholeFrame,
}

/// <summary>Working memory a decode will need, estimated from the header before any pixel is decoded.</summary>
/// <param name="WorkingBytes">Bytes of memory the decode holds at its peak (input copy, rows or frame, output, decoder state).</param>
/// <param name="Path">The way the image will be decoded.</param>
public readonly record struct DecodeEstimate(long WorkingBytes, DecodePath Path);

/// <summary>Channel layout of <see cref="DecodedImage.Pixels"/>.</summary>
public enum PixelLayout
{
    /// <summary>One grey byte per pixel.</summary>
    Gray8,
    /// <summary>R, G, B, A bytes; alpha is ignored.</summary>
    Rgba32,
}
