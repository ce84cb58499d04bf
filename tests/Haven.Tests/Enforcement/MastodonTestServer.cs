using System.Collections.Concurrent;
using System.Net;
using System.Web;

namespace Haven.Tests.Enforcement;

/// <summary>Plays a Mastodon instance's admin API on loopback: records each request and answers the next programmed status.</summary>
internal sealed class MastodonTestServer : IDisposable
{
    public const string Token = "mastodon-admin-token-9f3b2c71";

    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<int> _statuses = new();

    public MastodonTestServer()
    {
        Port = WebhookTestServer.FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public Uri BaseUrl => new($"http://127.0.0.1:{Port}/");

    public ConcurrentQueue<Received> Requests { get; } = new();

    /// <summary>Statuses to answer, in order; 200 once they run out (and 401 for a wrong token).</summary>
    public void Answer(params int[] statuses)
    {
        foreach (var status in statuses)
        {
            _statuses.Enqueue(status);
        }
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

            using var reader = new StreamReader(context.Request.InputStream);
            var text = await reader.ReadToEndAsync();
            var parsed = HttpUtility.ParseQueryString(text);
            var form = parsed.AllKeys.Where(k => k is not null).ToDictionary(k => k!, k => parsed[k]!, StringComparer.Ordinal);
            var received = new Received(
                context.Request.HttpMethod,
                context.Request.Url!.AbsolutePath,
                form,
                context.Request.Headers["Authorization"],
                context.Request.ContentType);
            Requests.Enqueue(received);
            context.Response.StatusCode = received.Authorization != "Bearer " + Token ? 401 : _statuses.TryDequeue(out var status) ? status : 200;
            context.Response.ContentType = "application/json";
            var body = "{}"u8.ToArray();
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        }
    }

    public sealed record Received(string Method, string Path, IReadOnlyDictionary<string, string> Form, string? Authorization, string? ContentType);
}
