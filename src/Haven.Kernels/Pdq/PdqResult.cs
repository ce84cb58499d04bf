namespace Haven.Kernels.Pdq;

/// <summary>A PDQ hash and its image-domain quality (0–100). A side under 5 pixels yields the zero hash and quality 0.</summary>
/// <param name="Hash">The 256-bit hash of the unrotated image.</param>
/// <param name="Quality">Gradient-sum quality metric, 0–100; the reference advises discarding hashes of quality ≤ 49.</param>
public readonly record struct PdqResult(PdqHash Hash, int Quality);
