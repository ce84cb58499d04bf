using System.Threading.RateLimiting;
using Haven.Security;
using Haven.Server.Endpoints;

namespace Haven.Server.Security;

/// <summary>
/// A token bucket per API key (its own requests per minute, or the server's default), applied after authorization so
/// refused requests cost nothing. Over it: 429 <c>rate_limited</c> with <c>Retry-After</c>.
/// </summary>
internal static class ApiKeyRateLimits
{
    public static IServiceCollection AddApiKeyRateLimits(this IServiceCollection services, HavenServerOptions options)
    {
        services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, (long KeyId, int PerMinute)>(context =>
            {
                if (context.Items[typeof(ApiKeyInfo)] is not ApiKeyInfo key)
                {
                    return RateLimitPartition.GetNoLimiter((0L, 0));
                }

                var perMinute = key.RateLimitPerMinute ?? options.DefaultRateLimitPerMinute;
                return RateLimitPartition.GetTokenBucketLimiter((key.Id, perMinute), k => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = k.Item2,
                    TokensPerPeriod = k.Item2,
                    ReplenishmentPeriod = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            limiter.OnRejected = (rejected, _) =>
            {
                var context = rejected.HttpContext;
                var retry = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromMinutes(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds));
                context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var key = context.Items[typeof(ApiKeyInfo)] as ApiKeyInfo;
                var perMinute = key?.RateLimitPerMinute ?? options.DefaultRateLimitPerMinute;
                return new ValueTask(Problems.Create(
                    StatusCodes.Status429TooManyRequests, "rate_limited", "Too many requests.",
                    $"Key {key?.Id} may make {perMinute:N0} requests per minute; retry after {seconds:N0} s.").ExecuteAsync(context));
            };
        });
        return services;
    }
}
