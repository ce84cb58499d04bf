using System.Globalization;
using System.Net.Http.Headers;

namespace Haven.Enforcement;

/// <summary>HTTP plumbing shared by the adapters: the client, the per-request deadline and the status classification.</summary>
internal static class AdapterHttp
{
    /// <summary>The User-Agent every adapter sends.</summary>
    public static ProductInfoHeaderValue UserAgent { get; } = new("Haven-Outbox", "1");

    /// <summary>A client that never follows redirects and has no timeout of its own (<see cref="SendAsync"/> applies one).</summary>
    public static HttpClient CreateClient(HttpMessageHandler? handler, TimeSpan connectTimeout) =>
        new(handler ?? new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = connectTimeout, PooledConnectionLifetime = TimeSpan.FromMinutes(5) }, disposeHandler: handler is null)
        {
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
        };

    /// <summary>
    /// Sends <paramref name="request"/> with a deadline of <paramref name="timeout"/> and classifies the status with
    /// <see cref="RetryPolicy"/>; network errors and timeouts are transient. The response body is never read.
    /// </summary>
    public static async Task<AdapterOutcome> SendAsync(HttpClient client, HttpRequestMessage request, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            return new AdapterOutcome(RetryPolicy.Classify(status), "HTTP " + status.ToString(CultureInfo.InvariantCulture));
        }
        catch (HttpRequestException ex)
        {
            return new AdapterOutcome(DeliveryVerdict.Transient, $"network error ({ex.HttpRequestError}): {ex.Message}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new AdapterOutcome(DeliveryVerdict.Transient, $"timeout after {timeout.TotalSeconds:0.###} s");
        }
    }
}
