namespace Haven.Media;

/// <summary>Why media could not be hashed. Each maps to a 4xx answer over HTTP and a clear message on the CLI.</summary>
public enum MediaErrorKind
{
    /// <summary>No bytes at all.</summary>
    Empty,
    /// <summary>More bytes than <see cref="MediaLimits.MaxBytes"/>.</summary>
    TooManyBytes,
    /// <summary>The bytes are not an image any decoder recognises.</summary>
    NotAnImage,
    /// <summary>A recognised container the decoder cannot decode (or a frame type it does not implement).</summary>
    UnsupportedFormat,
    /// <summary>The image ends before its last row.</summary>
    Truncated,
    /// <summary>The image data is corrupt.</summary>
    Corrupt,
    /// <summary>More pixels than <see cref="MediaLimits.MaxPixels"/> (decompression-bomb guard), checked before decoding.</summary>
    TooManyPixels,
    /// <summary>The file could not be read at all (permissions, I/O error).</summary>
    Unreadable,
}

/// <summary>An expected failure to decode media: a value, not an exception.</summary>
public sealed record MediaError(MediaErrorKind Kind, string Message)
{
    /// <summary>Stable machine-readable code, e.g. <c>truncated</c>.</summary>
    public string Code => Kind switch
    {
        MediaErrorKind.Empty => "empty",
        MediaErrorKind.TooManyBytes => "too_many_bytes",
        MediaErrorKind.NotAnImage => "not_an_image",
        MediaErrorKind.UnsupportedFormat => "unsupported_format",
        MediaErrorKind.Truncated => "truncated",
        MediaErrorKind.Corrupt => "corrupt",
        MediaErrorKind.TooManyPixels => "too_many_pixels",
        MediaErrorKind.Unreadable => "unreadable",
        _ => "media_error",
    };
}

/// <summary>Bounds on what Haven decodes.</summary>
public sealed class MediaLimits
{
    /// <summary>Default byte limit: 32 MB.</summary>
    public const long DefaultMaxBytes = 32L * 1024 * 1024;

    /// <summary>Default pixel limit: 50 megapixels.</summary>
    public const long DefaultMaxPixels = 50_000_000;

    /// <summary>Largest accepted media size in bytes.</summary>
    public long MaxBytes { get; init; } = DefaultMaxBytes;

    /// <summary>Largest accepted width × height.</summary>
    public long MaxPixels { get; init; } = DefaultMaxPixels;

    /// <summary>The defaults.</summary>
    public static MediaLimits Default { get; } = new();
}
