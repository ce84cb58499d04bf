using Dapper;
using Haven.Banks;
using Haven.Matching;
using Haven.Storage;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Haven.Server;

/// <summary>
/// Readiness: the store answers, the match index is loaded and current, and the event log is being processed (by this
/// server or any other worker: the shared checkpoint is read from the store). Liveness: the process answers at all.
/// Answers carry statuses, counts and ages, never content.
/// </summary>
internal static class HavenHealth
{
    /// <summary>Registers the checks.</summary>
    public static IServiceCollection AddHavenHealthChecks(this IServiceCollection services)
    {
        // One instance of each check for the server's life: the index check remembers since when it has been behind.
        services.AddSingleton<IndexCheck>();
        services.AddSingleton<ProcessingCheck>();
        services.AddHealthChecks()
            .AddCheck<StoreCheck>("store", tags: ["ready"])
            .AddCheck<IndexCheck>("match_index", tags: ["ready"])
            .AddCheck<ProcessingCheck>("processing", tags: ["ready"]);
        return services;
    }

    /// <summary>Maps <c>/health/live</c>, <c>/health/ready</c> and <c>/health</c> (= ready), anonymous.</summary>
    public static void MapHavenHealthChecks(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = WriteAsync }).AllowAnonymous();
        app.MapHealthChecks("/health", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = WriteAsync }).AllowAnonymous();
    }

    // A check that threw would carry the exception's message as its description (it may name hosts, users or paths):
    // only the exception's type is shown, to anyone.
    private static Task WriteAsync(HttpContext context, HealthReport report) =>
        context.Response.WriteAsJsonAsync(new
        {
            status = Name(report.Status),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = Name(e.Value.Status),
                detail = e.Value.Exception is { } exception ? $"the check failed ({exception.GetType().Name})" : e.Value.Description,
                data = e.Value.Data,
            }),
        });

    private static string Name(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "ok",
        HealthStatus.Degraded => "degraded",
        _ => "failing",
    };

    /// <summary>The store answers a trivial query.</summary>
    internal sealed class StoreCheck(HavenStore store) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT 1", cancellationToken: cancellationToken)).ConfigureAwait(false);
                return HealthCheckResult.Healthy($"{store.Provider} answers");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return HealthCheckResult.Unhealthy($"{store.Provider} does not answer ({e.GetType().Name})");
            }
        }
    }

    /// <summary>The index in memory is the banks' current version, or has been behind for less than the allowed time.</summary>
    internal sealed class IndexCheck(MatchIndexHolder holder, BankService banks, HavenServerOptions options, TimeProvider time) : IHealthCheck
    {
        private long _behindSince = -1;

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var index = holder.Current;
            long version;
            try
            {
                version = await banks.GetBanksVersionAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return HealthCheckResult.Unhealthy($"the banks version cannot be read ({e.GetType().Name})");
            }

            var data = new Dictionary<string, object> { ["indexVersion"] = index.Version, ["banksVersion"] = version, ["pdqEntries"] = index.PdqCount, ["exactEntries"] = index.ExactCount };
            if (index.Version == version)
            {
                Interlocked.Exchange(ref _behindSince, -1);
                return HealthCheckResult.Healthy("the index holds the banks' current version", data);
            }

            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var since = Interlocked.CompareExchange(ref _behindSince, now, -1);
            var behind = TimeSpan.FromMilliseconds(since < 0 ? 0 : now - since);
            data["behindSeconds"] = (long)behind.TotalSeconds;
            return behind > options.MaxIndexStaleness
                ? HealthCheckResult.Unhealthy($"the index has been behind the banks for {behind.TotalSeconds:N0} s", data: data)
                : HealthCheckResult.Healthy("the index is being rebuilt for a bank change", data);
        }
    }

    /// <summary>
    /// Events wait, and the shared checkpoint has not moved for longer than the threshold: nobody is processing. Reported
    /// as degraded, not failing: readiness gates traffic, and ingest and matching stay correct while processing lags;
    /// failing every replica at once would also stop the ingest that a stalled batch may be waiting for.
    /// </summary>
    internal sealed class ProcessingCheck(HavenStore store, HavenServerOptions options) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                return await CheckAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return HealthCheckResult.Unhealthy($"the event log cannot be read ({e.GetType().Name})");
            }
        }

        private async Task<HealthCheckResult> CheckAsync(CancellationToken cancellationToken)
        {
            await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            var lag = await Haven.Events.EventRecords.ReadLagAsync(connection, Haven.Events.EventRecords.SignalsCheckpoint, cancellationToken).ConfigureAwait(false);
            var waiting = lag.Waiting;
            var data = new Dictionary<string, object> { ["events"] = lag.Last, ["processed"] = lag.Processed, ["waiting"] = waiting };
            if (waiting <= 0)
            {
                return HealthCheckResult.Healthy("every event is processed", data);
            }

            // Since when has the oldest waiting event waited without the checkpoint moving?
            var stalledFor = TimeSpan.FromMilliseconds(store.NowUnixMilliseconds - Math.Max(lag.OldestWaitingReceivedAt ?? store.NowUnixMilliseconds, lag.CheckpointUpdatedAt));
            data["stalledSeconds"] = (long)Math.Max(0, stalledFor.TotalSeconds);
            return stalledFor > options.ProcessingStallThreshold
                ? HealthCheckResult.Degraded($"{waiting:N0} events wait and the checkpoint has not moved for {stalledFor.TotalSeconds:N0} s: no worker is processing (start haven process, or serve without --no-process)", data: data)
                : HealthCheckResult.Healthy($"{waiting:N0} events wait; processing is moving", data);
        }
    }
}
