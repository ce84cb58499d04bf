using System.Net.Sockets;
using System.Text;

namespace Haven.Server.Tests;

/// <summary>
/// Sends a request exactly as written (HttpClient and Uri normalise dot segments and escapes, which is what the probes
/// must not do) and returns the status and body.
/// </summary>
internal static class RawHttp
{
    public static async Task<(int Status, string Body)> SendAsync(Uri server, string method, string target, IReadOnlyDictionary<string, string>? headers = null, byte[]? body = null)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port);
        await using var stream = client.GetStream();
        var head = new StringBuilder();
        head.Append(method).Append(' ').Append(target).Append(" HTTP/1.1\r\n");
        head.Append("Host: ").Append(server.Authority).Append("\r\n");
        head.Append("Connection: close\r\n");
        head.Append("Content-Length: ").Append(body?.Length ?? 0).Append("\r\n");
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        head.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()));
        if (body is { Length: > 0 })
        {
            await stream.WriteAsync(body);
        }

        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync();
        var statusLine = response.Split("\r\n", 2)[0];
        var status = int.Parse(statusLine.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var separator = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return (status, separator < 0 ? string.Empty : response[(separator + 4)..]);
    }
}
