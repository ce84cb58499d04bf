using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Haven.Enforcement;

namespace Haven.Tests.Enforcement;

/// <summary>A webhook receiver on loopback: verifies each signature, records the request and answers the next programmed status.</summary>
internal sealed class WebhookTestServer : IDisposable
{
    public const string Secret = "test-secret-0123456789abcdef";

    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<int> _statuses = new();

    public WebhookTestServer()
    {
        Port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}/hooks/haven");

    public ConcurrentQueue<Received> Requests { get; } = new();

    /// <summary>Statuses to answer, in order; 200 once they run out.</summary>
    public void Answer(params int[] statuses)
    {
        foreach (var status in statuses)
        {
            _statuses.Enqueue(status);
        }
    }

    /// <summary>A port nothing listens on (connection refused).</summary>
    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var bytes = body.ToArray();
            var signature = context.Request.Headers[WebhookSignature.Header];
            var received = new Received(
                context.Request.HttpMethod,
                context.Request.Url!.AbsolutePath,
                bytes,
                signature,
                WebhookSignature.Verify(Secret, bytes, signature),
                context.Request.Headers[WebhookDispatcher.IdempotencyHeader],
                context.Request.Headers[WebhookDispatcher.TimestampHeader],
                context.Request.ContentType);
            Requests.Enqueue(received);
            context.Response.StatusCode = !received.SignatureValid ? 401 : _statuses.TryDequeue(out var status) ? status : 200;
            context.Response.Close();
        }
    }

    public sealed record Received(string Method, string Path, byte[] Body, string? Signature, bool SignatureValid, string? IdempotencyKey, string? Timestamp, string? ContentType);
}
