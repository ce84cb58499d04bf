using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Haven.Tests.Enforcement;

/// <summary>
/// An HTTP server on loopback for adapter tests: records every request as <typeparamref name="TReceived"/> and answers
/// the next programmed status (once they run out, what <see cref="Handle"/> says: 200 by default), unless the request
/// itself is refused (bad signature or token).
/// </summary>
internal abstract class LoopbackTestServer<TReceived> : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<int> _statuses = new();

    protected LoopbackTestServer()
    {
        Port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public ConcurrentQueue<TReceived> Requests { get; } = new();

    /// <summary>Statuses to answer, in order.</summary>
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

    /// <summary>Reads the request into a record and says whether it is refused outright (then answered 401).</summary>
    protected abstract Task<(TReceived Received, bool Refused)> ReadAsync(HttpListenerRequest request);

    /// <summary>The status for a request that is not refused and has no programmed status (the platform's own behaviour); 200 unless a subclass says otherwise.</summary>
    protected virtual int Handle(TReceived received) => 200;

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

            var (received, refused) = await ReadAsync(context.Request);
            Requests.Enqueue(received);
            context.Response.StatusCode = refused ? 401 : _statuses.TryDequeue(out var status) ? status : Handle(received);
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync("{}"u8.ToArray());
            context.Response.Close();
        }
    }
}
