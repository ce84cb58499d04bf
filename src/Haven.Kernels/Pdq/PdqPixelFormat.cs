namespace Haven.Kernels.Pdq;

/// <summary>Layout of an 8-bit pixel buffer handed to <see cref="PdqHasher.HashReference"/>.</summary>
public enum PdqPixelFormat
{
    /// <summary>One grey byte per pixel, hashed as <c>(float)g</c> with no weighting (spec §2.1).</summary>
    Gray8,

    /// <summary>Three bytes per pixel: R, G, B.</summary>
    Rgb24,

    /// <summary>Four bytes per pixel: R, G, B, A. Alpha is ignored, not composited, as the reference drops it.</summary>
    Rgba32,

    /// <summary>Four bytes per pixel: B, G, R, A. Alpha is ignored, not composited, as the reference drops it.</summary>
    Bgra32,
}
