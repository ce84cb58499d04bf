using System.Buffers;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Haven.Enforcement;

/// <summary>The webhook adapter: posts each action, signed, to the configured URL (docs/enforcement.md, "Webhook contract").</summary>
internal sealed class WebhookSender : IEnforcementAdapter, IDisposable
{
    private readonly WebhookOptions _options;
    private readonly TimeProvider _time;
    private readonly HttpClient _client;

    /// <summary>Creates the adapter; <paramref name="handler"/> is for tests.</summary>
    public WebhookSender(WebhookOptions options, TimeProvider time, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _options = options;
        _time = time;
        _client = AdapterHttp.CreateClient(handler, options.Timeout);
    }

    /// <inheritdoc />
    public string AdapterName => OutboxAction.WebhookAdapter;

    /// <inheritdoc />
    public async Task<AdapterOutcome> SendAsync(OutboxDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var body = BuildBody(delivery.ActionId, delivery.Kind, delivery.PayloadJson, delivery.Attempt);
        using var request = new HttpRequestMessage(HttpMethod.Post, _options.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.TryAddWithoutValidation(WebhookSignature.Header, WebhookSignature.Compute(_options.Secret, body));
        request.Headers.TryAddWithoutValidation(WebhookDispatcher.TimestampHeader, _time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation(WebhookDispatcher.IdempotencyHeader, delivery.ActionId);
        request.Headers.UserAgent.Add(AdapterHttp.UserAgent);

        // Only the status matters; the response body is never read or stored.
        return await AdapterHttp.SendAsync(_client, request, _options.Timeout, _time, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The exact request body for one attempt: <c>{"actionId","kind","payload","attempt"}</c>, UTF-8.</summary>
    internal static byte[] BuildBody(string actionId, string kind, string payloadJson, int attempt)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("actionId", actionId);
            writer.WriteString("kind", kind);
            writer.WritePropertyName("payload");
            writer.WriteRawValue(payloadJson);
            writer.WriteNumber("attempt", attempt);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <inheritdoc />
    public void Dispose() => _client.Dispose();
}
