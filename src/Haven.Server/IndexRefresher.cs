using Haven.Banks;
using Haven.Matching;

namespace Haven.Server;

/// <summary>
/// Keeps the match index current: loads it before the server takes requests, then polls the store's banks version and
/// rebuilds off the request path whenever it moved (a change by this process, another worker or the CLI), publishing
/// the new snapshot atomically. Readers keep the snapshot they started with.
/// </summary>
internal sealed partial class IndexRefresher(BankService banks, MatchIndexHolder holder, HavenServerOptions options, ILogger<IndexRefresher> logger) : BackgroundService
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

        var (index, elapsed) = await MatchIndexLoader.LoadAsync(banks, cancellationToken: cancellationToken).ConfigureAwait(false);
        var published = holder.Publish(index);
        LogRebuilt(logger, index.Version, index.PdqCount, index.ExactCount, (long)elapsed.TotalMilliseconds);
        return published;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.IndexRefreshInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await RefreshAsync(force: false, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Keep serving the last good index; the next tick tries again.
                LogRefreshFailed(logger, e.GetType().Name);
            }
        }
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Match index {Version} published: {PdqCount} PDQ and {ExactCount} exact entries in {ElapsedMs} ms")]
    private static partial void LogRebuilt(ILogger logger, long version, int pdqCount, int exactCount, long elapsedMs);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Match index refresh failed ({ErrorType}); serving the previous index")]
    private static partial void LogRefreshFailed(ILogger logger, string errorType);
}
