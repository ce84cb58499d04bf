using System.Net;
using Haven.Enforcement;

namespace Haven.Tests.Enforcement;

/// <summary>A webhook receiver on loopback: verifies each signature (401 when wrong), records the request.</summary>
internal sealed class WebhookTestServer : LoopbackTestServer<WebhookTestServer.Received>
{
    public const string Secret = "test-secret-0123456789abcdef";

    public Uri Url => new($"http://127.0.0.1:{Port}/hooks/haven");

    protected override async Task<(Received, bool)> ReadAsync(HttpListenerRequest request)
    {
        using var body = new MemoryStream();
        await request.InputStream.CopyToAsync(body);
        var bytes = body.ToArray();
        var signature = request.Headers[WebhookSignature.Header];
        var received = new Received(
            request.HttpMethod,
            request.Url!.AbsolutePath,
            bytes,
            signature,
            WebhookSignature.Verify(Secret, bytes, signature),
            request.Headers[WebhookDispatcher.IdempotencyHeader],
            request.Headers[WebhookDispatcher.TimestampHeader],
            request.ContentType);
        return (received, !received.SignatureValid);
    }

    public sealed record Received(string Method, string Path, byte[] Body, string? Signature, bool SignatureValid, string? IdempotencyKey, string? Timestamp, string? ContentType);
}
