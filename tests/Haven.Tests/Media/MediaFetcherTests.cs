using System.Net;
using System.Net.Sockets;
using Haven.Media;

namespace Haven.Tests.Media;

/// <summary>The URL fetcher against a real HTTP server on loopback.</summary>
public sealed class MediaFetcherTests : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly int _port;

    public MediaFetcherTests()
    {
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            _port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        _listener.Prefixes.Add($"http://127.0.0.1:{_port}/");
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    private string Url(string path) => $"http://127.0.0.1:{_port}{path}";

    private MediaFetcher Fetcher(bool allowPrivate = true, long maxBytes = 1_000_000, double timeoutSeconds = 10) => new(new MediaFetchOptions
    {
        AllowedHosts = ["127.0.0.1", "*.allowed.test"],
        AllowPrivateNetworks = allowPrivate,
        MaxBytes = maxBytes,
        Timeout = TimeSpan.FromSeconds(timeoutSeconds),
    });

    [Fact]
    public async Task FetchesFromAnAllowedHostAndFollowsRedirectsWithinTheList()
    {
        using var fetcher = Fetcher();
        var (bytes, error) = await fetcher.FetchAsync(Url("/image"));
        Assert.Null(error);
        Assert.Equal(2000, bytes!.Length);
        Assert.Equal(2000, (await fetcher.FetchAsync(Url("/redirect-ok"))).Bytes!.Length);
    }

    [Fact]
    public async Task PrivateAndLoopbackAddressesAreRefusedUnlessConfigured()
    {
        using var fetcher = Fetcher(allowPrivate: false);
        var (bytes, error) = await fetcher.FetchAsync(Url("/image"));
        Assert.Null(bytes);
        Assert.Equal(MediaFetchErrorKind.PrivateAddress, error!.Kind);
        Assert.Contains("127.0.0.1", error.Message);
    }

    [Theory]
    [InlineData("/redirect-off", MediaFetchErrorKind.HostNotAllowed)]
    [InlineData("/loop", MediaFetchErrorKind.TooManyRedirects)]
    [InlineData("/missing", MediaFetchErrorKind.HttpStatus)]
    [InlineData("/big", MediaFetchErrorKind.TooManyBytes)]
    [InlineData("/chunked", MediaFetchErrorKind.TooManyBytes)]
    [InlineData("/redirect-file", MediaFetchErrorKind.BadUrl)]
    public async Task EachUnsafeOrFailedFetchSaysWhy(string path, MediaFetchErrorKind expected)
    {
        using var fetcher = Fetcher();
        var (bytes, error) = await fetcher.FetchAsync(Url(path));
        Assert.Null(bytes);
        Assert.Equal(expected, error!.Kind);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Fact]
    public async Task HostsOffTheListAndNonHttpUrlsAreNeverContacted()
    {
        using var fetcher = Fetcher();
        Assert.Equal(MediaFetchErrorKind.HostNotAllowed, (await fetcher.FetchAsync($"http://localhost:{_port}/image")).Error!.Kind);
        Assert.Equal(MediaFetchErrorKind.BadUrl, (await fetcher.FetchAsync("file:///etc/passwd")).Error!.Kind);
        Assert.Equal(MediaFetchErrorKind.BadUrl, (await fetcher.FetchAsync("not a url")).Error!.Kind);
    }

    [Fact]
    public async Task ASlowServerHitsTheDeadline()
    {
        using var fetcher = Fetcher(timeoutSeconds: 0.3);
        Assert.Equal(MediaFetchErrorKind.Timeout, (await fetcher.FetchAsync(Url("/slow"))).Error!.Kind);
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("10.1.2.3", true)]
    [InlineData("172.16.0.1", true)]
    [InlineData("172.32.0.1", false)]
    [InlineData("192.168.1.1", true)]
    [InlineData("169.254.169.254", true)]
    [InlineData("100.64.0.1", true)]
    [InlineData("0.0.0.0", true)]
    [InlineData("224.0.0.1", true)]
    [InlineData("8.8.8.8", false)]
    [InlineData("::1", true)]
    [InlineData("fe80::1", true)]
    [InlineData("fd00::1", true)]
    [InlineData("::ffff:10.0.0.1", true)]
    [InlineData("2001:4860:4860::8888", false)]
    [InlineData("::ffff:8.8.8.8", false)]                 // IPv4-mapped: classified by the embedded address
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("64:ff9b::10.0.0.1", true)]              // NAT64 well-known prefix (RFC 6052): by the embedded address
    [InlineData("64:ff9b::127.0.0.1", true)]
    [InlineData("64:ff9b::169.254.169.254", true)]
    [InlineData("64:ff9b::192.168.0.1", true)]
    [InlineData("64:ff9b::8.8.8.8", false)]
    [InlineData("64:ff9b:1::8.8.8.8", true)]             // local-use NAT64 (RFC 8215): whatever it embeds
    [InlineData("64:ff9b:1:ffff::1", true)]
    [InlineData("2002:0a00:0001::1", true)]              // 6to4 of 10.0.0.1
    [InlineData("2002:7f00:0001::1", true)]              // 6to4 of 127.0.0.1
    [InlineData("2002:0808:0808::1", false)]             // 6to4 of 8.8.8.8
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2", true)] // Teredo: tunnels to any IPv4 host
    [InlineData("2001:0:808:808::1", true)]
    [InlineData("::10.0.0.1", true)]                     // IPv4-compatible (deprecated, RFC 4291)
    [InlineData("::8.8.8.8", true)]
    [InlineData("::ffff:0:10.0.0.1", true)]              // IPv4-translated (RFC 2765 SIIT): by the embedded address
    [InlineData("::ffff:0:8.8.8.8", false)]
    [InlineData("2001:db8::1", true)]                    // documentation
    [InlineData("2001:4860::1", false)]
    [InlineData("2003::1", false)]
    public void NonPublicAddressesAreRecognised(string address, bool nonPublic) =>
        Assert.Equal(nonPublic, MediaFetcher.IsNonPublic(IPAddress.Parse(address)));

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Close();
        _stop.Dispose();
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var response = context.Response;
        try
        {
            switch (context.Request.Url!.AbsolutePath)
            {
                case "/image":
                    await Write(response, 2000, chunked: false);
                    break;
                case "/big":
                    await Write(response, 3_000_000, chunked: false);
                    break;
                case "/chunked":
                    await Write(response, 3_000_000, chunked: true);
                    break;
                case "/redirect-ok":
                    Redirect(response, "/image");
                    break;
                case "/redirect-off":
                    Redirect(response, "http://elsewhere.invalid/image");
                    break;
                case "/redirect-file":
                    Redirect(response, "file:///etc/passwd");
                    break;
                case "/loop":
                    Redirect(response, "/loop");
                    break;
                case "/slow":
                    await Task.Delay(5_000, _stop.Token);
                    await Write(response, 10, chunked: false);
                    break;
                default:
                    response.StatusCode = 404;
                    response.Close();
                    break;
            }
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or OperationCanceledException or IOException)
        {
            // The client gave up (limits, deadlines): expected in these tests.
        }
    }

    private static void Redirect(HttpListenerResponse response, string location)
    {
        response.StatusCode = 302;
        response.RedirectLocation = location;
        response.Close();
    }

    private static async Task Write(HttpListenerResponse response, int length, bool chunked)
    {
        response.SendChunked = chunked;
        if (!chunked)
        {
            response.ContentLength64 = length;
        }

        var block = new byte[8192];
        for (var written = 0; written < length; written += block.Length)
        {
            await response.OutputStream.WriteAsync(block.AsMemory(0, Math.Min(block.Length, length - written)));
        }

        response.Close();
    }
}
