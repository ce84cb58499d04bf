using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace Haven.Media;

/// <summary>Where Haven may fetch media that events reference by URL.</summary>
public sealed class MediaFetchOptions
{
    /// <summary>Host names media may come from: exact (<c>media.example.com</c>) or a suffix (<c>*.example.com</c>). Empty: nothing may be fetched.</summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = [];

    /// <summary>Allow loopback, private, link-local and other non-public addresses (only for a platform's internal media store).</summary>
    public bool AllowPrivateNetworks { get; init; }

    /// <summary>Whole fetch, redirects included.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Redirects followed, each to an allowed host.</summary>
    public int MaxRedirects { get; init; } = 3;

    /// <summary>Largest body accepted.</summary>
    public long MaxBytes { get; init; } = MediaLimits.DefaultMaxBytes;

    internal bool IsAllowed(string host) => AllowedHosts.Any(pattern =>
        pattern.StartsWith("*.", StringComparison.Ordinal)
            ? host.EndsWith(pattern[1..], StringComparison.OrdinalIgnoreCase) && host.Length > pattern.Length - 1
            : string.Equals(host, pattern, StringComparison.OrdinalIgnoreCase));
}

/// <summary>Why a URL was not fetched.</summary>
public enum MediaFetchErrorKind
{
    /// <summary>Not an absolute http(s) URL.</summary>
    BadUrl,
    /// <summary>The host (or a redirect's host) is not on the allow-list.</summary>
    HostNotAllowed,
    /// <summary>The host resolves to a loopback, private or otherwise non-public address.</summary>
    PrivateAddress,
    /// <summary>More redirects than allowed.</summary>
    TooManyRedirects,
    /// <summary>The server answered with an error status.</summary>
    HttpStatus,
    /// <summary>The body is larger than allowed.</summary>
    TooManyBytes,
    /// <summary>The fetch took longer than allowed.</summary>
    Timeout,
    /// <summary>The connection failed.</summary>
    Network,
}

/// <summary>An expected failure to fetch media.</summary>
public sealed record MediaFetchError(MediaFetchErrorKind Kind, string Message);

/// <summary>
/// Fetches media by URL for events that reference it, safely: only allow-listed hosts, every resolved address checked
/// at connect time (so DNS rebinding cannot reach a private address after the check), redirects followed by hand and
/// checked again, a byte limit enforced while streaming and a deadline on the whole fetch.
/// </summary>
public sealed class MediaFetcher : IDisposable
{
    private readonly MediaFetchOptions _options;
    private readonly HttpClient _client;

    public MediaFetcher(MediaFetchOptions options)
    {
        _options = options;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = false,
            ConnectCallback = ConnectAsync,
            // Media hosts are outside the platform's trust: no trace context (traceparent) goes to them.
            ActivityHeadersPropagator = null,
        };
        _client = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        _client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("Haven", "1.0"));
    }

    /// <summary>Fetches <paramref name="url"/>, or says why not.</summary>
    public async Task<(byte[]? Bytes, MediaFetchError? Error)> FetchAsync(string url, CancellationToken cancellationToken = default)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return (null, new MediaFetchError(MediaFetchErrorKind.BadUrl, "Only absolute http(s) URLs are fetched."));
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.Timeout);
        try
        {
            for (var redirects = 0; ; redirects++)
            {
                if (!_options.IsAllowed(uri.IdnHost))
                {
                    return (null, new MediaFetchError(MediaFetchErrorKind.HostNotAllowed, $"Host '{uri.IdnHost}' is not on the media allow-list{(redirects > 0 ? " (reached by a redirect)" : string.Empty)}."));
                }

                using var response = await _client.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
                if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location)
                {
                    if (redirects >= _options.MaxRedirects)
                    {
                        return (null, new MediaFetchError(MediaFetchErrorKind.TooManyRedirects, $"More than {_options.MaxRedirects} redirects."));
                    }

                    uri = location.IsAbsoluteUri ? location : new Uri(uri, location);
                    if (uri.Scheme is not ("http" or "https"))
                    {
                        return (null, new MediaFetchError(MediaFetchErrorKind.BadUrl, "A redirect left http(s)."));
                    }

                    continue;
                }

                if (!response.IsSuccessStatusCode)
                {
                    return (null, new MediaFetchError(MediaFetchErrorKind.HttpStatus, $"The media server answered {(int)response.StatusCode}."));
                }

                if (response.Content.Headers.ContentLength > _options.MaxBytes)
                {
                    return (null, TooLarge(response.Content.Headers.ContentLength.Value));
                }

                await using var body = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
                using var buffer = new MemoryStream();
                var chunk = new byte[81920];
                int read;
                while ((read = await body.ReadAsync(chunk, deadline.Token).ConfigureAwait(false)) > 0)
                {
                    if (buffer.Length + read > _options.MaxBytes)
                    {
                        return (null, TooLarge(buffer.Length + read));
                    }

                    buffer.Write(chunk, 0, read);
                }

                return (buffer.ToArray(), null);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, new MediaFetchError(MediaFetchErrorKind.Timeout, $"The fetch took longer than {_options.Timeout.TotalSeconds:N1} s."));
        }
        catch (HttpRequestException e) when (e.InnerException is PrivateAddressException p)
        {
            return (null, new MediaFetchError(MediaFetchErrorKind.PrivateAddress, p.Message));
        }
        catch (HttpRequestException e)
        {
            return (null, new MediaFetchError(MediaFetchErrorKind.Network, "The media server could not be reached: " + e.Message));
        }
    }

    public void Dispose() => _client.Dispose();

    private MediaFetchError TooLarge(long length) => new(MediaFetchErrorKind.TooManyBytes, $"The media is at least {length:N0} bytes; the limit is {_options.MaxBytes:N0}.");

    /// <summary>Resolves the host, refuses non-public addresses unless allowed, and connects to the address it checked.</summary>
    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(context.DnsEndPoint.Host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, cancellationToken).ConfigureAwait(false);
        if (!_options.AllowPrivateNetworks && addresses.FirstOrDefault(IsNonPublic) is { } blocked)
        {
            throw new PrivateAddressException($"Host '{context.DnsEndPoint.Host}' resolves to {blocked}, which is not a public address; media is never fetched from private networks unless configured.");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Loopback, private (RFC 1918, ULA), link-local, CGNAT, multicast, unspecified and documentation ranges. An IPv6
    /// address that embeds an IPv4 address a gateway would deliver to is classed by that IPv4 address: IPv4-mapped
    /// <c>::ffff:0:0/96</c>, IPv4-translated <c>::ffff:0:0:0/96</c> (RFC 2765), the NAT64 well-known prefix
    /// <c>64:ff9b::/96</c> (RFC 6052) and 6to4 <c>2002::/16</c> (RFC 3056), so <c>64:ff9b::10.0.0.1</c> is as private
    /// as <c>10.0.0.1</c>. Forms whose target cannot be read from the address are non-public as a whole: the
    /// deprecated IPv4-compatible <c>::/96</c> (which holds <c>::</c> and <c>::1</c>), local-use NAT64
    /// <c>64:ff9b:1::/48</c> (RFC 8215, the operator's own translation), Teredo <c>2001::/32</c> (RFC 4380, a tunnel to
    /// any IPv4 host) and documentation <c>2001:db8::/32</c>.
    /// </summary>
    internal static bool IsNonPublic(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? IsNonPublicIPv6(address) : IsNonPublicIPv4(address.GetAddressBytes());

    private static bool IsNonPublicIPv6(IPAddress address)
    {
        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out _);
        if (EmbeddedIPv4(b) is { IsEmpty: false } embedded)
        {
            return IsNonPublicIPv4(embedded);
        }

        var compatible = b[..12].IndexOfAnyExcept((byte)0) < 0;
        var localNat64 = b[..6].SequenceEqual((ReadOnlySpan<byte>)[0x00, 0x64, 0xff, 0x9b, 0x00, 0x01]);
        var teredo = b[..4].SequenceEqual((ReadOnlySpan<byte>)[0x20, 0x01, 0x00, 0x00]);
        var documentation = b[..4].SequenceEqual((ReadOnlySpan<byte>)[0x20, 0x01, 0x0d, 0xb8]);
        return compatible || localNat64 || teredo || documentation
            || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6UniqueLocal;
    }

    /// <summary>The IPv4 address an IPv6 address carries for delivery (mapped, translated, NAT64 well-known, 6to4), or empty.</summary>
    private static ReadOnlySpan<byte> EmbeddedIPv4(ReadOnlySpan<byte> b)
    {
        var mapped = b[..10].IndexOfAnyExcept((byte)0) < 0 && b[10] == 0xff && b[11] == 0xff;
        var translated = b[..8].IndexOfAnyExcept((byte)0) < 0 && b[8] == 0xff && b[9] == 0xff && b[10] == 0 && b[11] == 0;
        var nat64 = b[..12].SequenceEqual((ReadOnlySpan<byte>)[0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0]);
        if (mapped || translated || nat64)
        {
            return b[12..];
        }

        return b[0] == 0x20 && b[1] == 0x02 ? b[2..6] : [];
    }

    private static bool IsNonPublicIPv4(ReadOnlySpan<byte> b) =>
        b[0] is 0 or 10 or 127 || b[0] >= 224
            || (b[0] == 172 && b[1] is >= 16 and <= 31)
            || (b[0] == 192 && b[1] == 168)
            || (b[0] == 169 && b[1] == 254)
            || (b[0] == 100 && b[1] is >= 64 and <= 127)
            || (b[0] == 192 && b[1] == 0 && b[2] is 0 or 2)
            || (b[0] == 198 && b[1] is 18 or 19)
            || (b[0] == 198 && b[1] == 51 && b[2] == 100)
            || (b[0] == 203 && b[1] == 0 && b[2] == 113);

    private sealed class PrivateAddressException(string message) : Exception(message);
}
