using System.Text;
using Haven.Enforcement;

namespace Haven.Tests.Enforcement;

public sealed class WebhookSignatureTests
{
    [Fact]
    public void Compute_matches_a_known_hmac_sha256_vector()
    {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        Assert.Equal(
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            WebhookSignature.Compute("Jefe", "what do ya want for nothing?"u8));
    }

    [Fact]
    public void Verify_accepts_the_signature_and_rejects_any_change()
    {
        var body = Encoding.UTF8.GetBytes("{\"actionId\":\"d-1:remove_content\"}");
        var signature = WebhookSignature.Compute("secret-secret-secret", body);
        Assert.True(WebhookSignature.Verify("secret-secret-secret", body, signature));
        Assert.True(WebhookSignature.Verify("secret-secret-secret", body, "sha256=" + signature["sha256=".Length..].ToUpperInvariant()));
        Assert.False(WebhookSignature.Verify("other-secret-secret", body, signature));
        Assert.False(WebhookSignature.Verify("secret-secret-secret", [.. body, (byte)' '], signature));
        Assert.False(WebhookSignature.Verify("secret-secret-secret", body, null));
        Assert.False(WebhookSignature.Verify("secret-secret-secret", body, signature[..^1]));
        Assert.False(WebhookSignature.Verify("secret-secret-secret", body, "sha256=" + new string('z', 64)));
        Assert.False(WebhookSignature.Verify("secret-secret-secret", body, "sha1=" + signature["sha256=".Length..]));
    }

    [Theory]
    [InlineData(200, "Delivered")]
    [InlineData(204, "Delivered")]
    [InlineData(400, "Permanent")]
    [InlineData(401, "Permanent")]
    [InlineData(404, "Permanent")]
    [InlineData(301, "Permanent")]
    [InlineData(408, "Transient")]
    [InlineData(429, "Transient")]
    [InlineData(500, "Transient")]
    [InlineData(503, "Transient")]
    public void Statuses_are_classified(int status, string expected) => Assert.Equal(Enum.Parse<DeliveryVerdict>(expected), RetryPolicy.Classify(status));

    [Fact]
    public void Backoff_doubles_stays_within_its_jitter_band_and_is_capped()
    {
        var baseDelay = TimeSpan.FromSeconds(2);
        var cap = TimeSpan.FromMinutes(10);
        var previousLow = TimeSpan.Zero;
        for (var attempt = 1; attempt <= 30; attempt++)
        {
            var ceiling = TimeSpan.FromMilliseconds(Math.Min(cap.TotalMilliseconds, baseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1)));
            var low = RetryPolicy.Backoff(attempt, baseDelay, cap, 0);
            var high = RetryPolicy.Backoff(attempt, baseDelay, cap, 0.999999);
            Assert.Equal(ceiling / 2, low);
            Assert.InRange(high, ceiling - TimeSpan.FromMilliseconds(2), ceiling);
            Assert.True(low >= previousLow);
            Assert.True(high <= cap);
            previousLow = low;
        }

        Assert.Equal(TimeSpan.FromSeconds(1), RetryPolicy.Backoff(1, baseDelay, cap, 0));
        Assert.Equal(TimeSpan.FromSeconds(8), RetryPolicy.Backoff(3, baseDelay, cap, 1));
        Assert.Equal(cap, RetryPolicy.Backoff(100, baseDelay, cap, 1));
    }
}
