using Haven.Media;
using Haven.Storage;
using SkiaSharp;

namespace Haven.Wellness;

/// <summary>A rendered image for the console: PNG bytes and their size.</summary>
internal sealed record RenderedImage(byte[] Png, int Width, int Height)
{
    /// <summary>The media type to serve it with.</summary>
    public const string ContentType = "image/png";
}

/// <summary>
/// Renders media on the server so that the browser never receives unblurred bytes until a reveal. Decoding goes through
/// the engine's bounded decoder under the process-wide <see cref="DecodeBudget"/> (hostile input is a typed
/// <see cref="RenderFailed"/>, memory stays bounded), so only the decoder's output, at most 512×512, is ever worked on.
/// </summary>
/// <remarks>
/// A preview is drawn from a small working image (longest side <see cref="BlurWorkingSide"/>) blurred with a Gaussian
/// of sigma = <see cref="ViewSettings.BlurSigmaFraction"/> of that side, then enlarged bilinearly to at most
/// <see cref="PreviewMaxSide"/>. The weakest blur already keeps only about 3 cycles across the image; the working image
/// has 48, so nothing the blur leaves is lost, and the preview carries no more detail than 96 pixels can hold whatever
/// the settings say: a second, structural guarantee.
/// </remarks>
internal sealed class PreviewRenderer(ImageDecoder decoder, DecodeBudget budget)
{
    /// <summary>Longest side of a preview.</summary>
    public const int PreviewMaxSide = 480;

    /// <summary>Longest side of a revealed image: the decoder's output, never more.</summary>
    public const int RevealedMaxSide = 512;

    /// <summary>Longest side of the image the blur works on.</summary>
    public const int BlurWorkingSide = 96;

    /// <summary>Working memory beyond the decode (float images of at most 512×512, the PNG) held under the budget.</summary>
    private const long RenderWorkingBytes = 16L * 1024 * 1024;

    /// <summary>The blurred preview in the person's colour mode.</summary>
    public Task<Result<RenderedImage, RenderFailed>> PreviewAsync(ReadOnlyMemory<byte> bytes, ViewSettings settings, CancellationToken cancellationToken = default) =>
        RenderAsync(bytes, settings, blurred: true, cancellationToken);

    /// <summary>The revealed image: unblurred, at most <see cref="RevealedMaxSide"/> on its longest side, in the person's colour mode (greyscale stays greyscale).</summary>
    public Task<Result<RenderedImage, RenderFailed>> RevealedAsync(ReadOnlyMemory<byte> bytes, ViewSettings settings, CancellationToken cancellationToken = default) =>
        RenderAsync(bytes, settings, blurred: false, cancellationToken);

    private async Task<Result<RenderedImage, RenderFailed>> RenderAsync(ReadOnlyMemory<byte> bytes, ViewSettings settings, bool blurred, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        using var lease = await budget.AcquireAsync(decoder.Estimate(bytes.Span).WorkingBytes + RenderWorkingBytes, cancellationToken).ConfigureAwait(false);
        var decoded = decoder.Decode(bytes.Span);
        if (decoded.Image is not { } image)
        {
            return new RenderFailed(decoded.Error!);
        }

        var pixels = RgbImage.From(image);

        // Over 512 px the decoder samples to 512×512 whatever the shape: the source's own size gives the aspect back.
        RgbImage output;
        if (blurred)
        {
            var (ww, wh) = PreviewPixels.Fit(image.SourceWidth, image.SourceHeight, BlurWorkingSide);
            var working = PreviewPixels.ResampleArea(pixels, ww, wh);
            var blur = PreviewPixels.GaussianBlur(working, settings.BlurSigmaFraction * Math.Max(ww, wh));
            var (pw, ph) = PreviewPixels.Fit(image.SourceWidth, image.SourceHeight, PreviewMaxSide);
            output = PreviewPixels.Enlarge(blur, pw, ph);
        }
        else
        {
            var (rw, rh) = PreviewPixels.Fit(image.SourceWidth, image.SourceHeight, RevealedMaxSide);
            output = rw == image.Width && rh == image.Height ? pixels : PreviewPixels.ResampleArea(pixels, rw, rh);
        }

        return new RenderedImage(EncodePng(PreviewPixels.ToRgba(output, settings.Colour), output.Width, output.Height), output.Width, output.Height);
    }

    private static byte[] EncodePng(byte[] rgba, int width, int height)
    {
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var image = SKImage.FromPixelCopy(info, rgba, width * 4);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
