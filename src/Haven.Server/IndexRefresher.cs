using Haven.Banks;
using Haven.Matching;

namespace Haven.Server;

/// <summary>
/// Keeps the match index current: loads it before the server takes requests, then polls the store's banks version and
/// rebuilds off the request path whenever it moved (a change by this process, another worker or the CLI), publishing
/// the new snapshot atomically. Readers keep the snapshot they started with.
/// </summary>
internal sealed partial class IndexRefresher(BankService banks, MatchIndexHolder holder, HavenServerOptions options, TimeProvider time, ILogger<IndexRefresher> logger) : BackgroundService
{
    /// <summary>Loads the first index before the host starts listening, so no request sees an empty index.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await RefreshAsync(force: true, cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Rebuilds now if the banks version moved; returns whether a new index was published.</summary>
    public async Task<bool> RefreshAsync(bool force, CancellationToken cancellationToken)
    {
        var version = await banks.GetBanksVersionAsync(cancellationToken).ConfigureAwait(false);
        if (!force && version == holder.Current.Version)
        {
            return false;
        }

        using var span = HavenMetrics.Activities.StartActivity("match index rebuild");
        var (index, elapsed) = await MatchIndexLoader.LoadAsync(banks, cancellationToken: cancellationToken).ConfigureAwait(false);
        HavenMetrics.IndexRebuildDuration.Record(elapsed.TotalSeconds);
        span?.SetTag("haven.match.index.pdq_entries", index.PdqCount).SetTag("haven.match.index.exact_entries", index.ExactCount);
        var published = holder.Publish(index);
        LogRebuilt(logger, index.Version, index.PdqCount, index.ExactCount, (long)elapsed.TotalMilliseconds);
        return published;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Keep serving the last good index through any failure; while failures follow each other the next try waits
        // longer (doubling from the refresh interval up to 5 minutes).
        var backoff = new LoopBackoff("index_refresher", logger, time, options.IndexRefreshInterval, TimeSpan.FromMinutes(5) > options.IndexRefreshInterval ? TimeSpan.FromMinutes(5) : options.IndexRefreshInterval);
        using var timer = new PeriodicTimer(options.IndexRefreshInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await RefreshAsync(force: false, stoppingToken).ConfigureAwait(false);
                    backoff.Succeeded();
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    if (!await backoff.FailedAndWaitAsync(e, stoppingToken).ConfigureAwait(false))
                    {
                        return;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Match index {Version} published: {PdqCount} PDQ and {ExactCount} exact entries in {ElapsedMs} ms")]
    private static partial void LogRebuilt(ILogger logger, long version, int pdqCount, int exactCount, long elapsedMs);
}
