using Dapper;
using Haven.Cases;
using Haven.Storage;

namespace Haven.Simulation;

/// <summary>Open cases of one queue at one priority.</summary>
internal sealed record CaseCount(string Queue, string Priority, long Cases);

/// <summary>
/// What the demo left for people: open cases by queue and priority, how many hold an item of each origin (a case can
/// hold several: a reported account whose posts matched the bank counts under both), and the first cases of each queue
/// in the order a reviewer gets them. Ids, kinds and counts only, never content.
/// </summary>
internal sealed record DemoCaseSummary(
    IReadOnlyList<CaseCount> Open,
    long FromReports,
    long FromBankMatches,
    long FromText,
    long FromDiscovery,
    IReadOnlyList<CaseView> Top)
{
    /// <summary>Open cases in all.</summary>
    public long Total => Open.Sum(c => c.Cases);

    /// <summary>Open cases in <paramref name="queue"/>.</summary>
    public long InQueue(string queue) => Open.Where(c => c.Queue == queue).Sum(c => c.Cases);

    /// <summary>Open cases at <paramref name="priority"/>, both queues.</summary>
    public long AtPriority(string priority) => Open.Where(c => c.Priority == priority).Sum(c => c.Cases);
}

/// <summary>Reads <see cref="DemoCaseSummary"/> from the demo's store after the signals stage and discovery have run.</summary>
internal static class DemoCases
{
    /// <summary>Cases listed per queue in the summary.</summary>
    public const int TopPerQueue = 5;

    /// <summary>The summary of the open cases in <paramref name="store"/>; the top cases come from the queue listing itself.</summary>
    public static async Task<DemoCaseSummary> SummarizeAsync(HavenStore store, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<CaseCount> open;
        Dictionary<string, long> byKind;
        await using (var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        {
            open = [.. await connection.QueryAsync<CaseCount>(new CommandDefinition(
                "SELECT queue AS Queue, priority AS Priority, COUNT(*) AS Cases FROM cases WHERE status = 'open' GROUP BY queue, priority ORDER BY queue, priority",
                cancellationToken: cancellationToken)).ConfigureAwait(false)];
            var kinds = await connection.QueryAsync<(string Kind, long Cases)>(new CommandDefinition(
                "SELECT i.kind, COUNT(DISTINCT i.case_id) FROM case_items i JOIN cases c ON c.case_id = i.case_id WHERE c.status = 'open' GROUP BY i.kind",
                cancellationToken: cancellationToken)).ConfigureAwait(false);
            byKind = kinds.ToDictionary(k => k.Kind, k => k.Cases, StringComparer.Ordinal);
        }

        // The order of each queue is the order a reviewer is offered: by priority band and score, then due time.
        var service = new CaseService(store, CaseSettings.Default);
        var top = new List<CaseView>();
        foreach (var queue in new[] { CaseQueues.Specialist, CaseQueues.Review })
        {
            var page = await service.ListAsync(new CaseQuery { Queue = queue, Limit = TopPerQueue }, cancellationToken).ConfigureAwait(false);
            top.AddRange(page.TryGetValue(out var cases, out var error) ? cases.Cases : throw new InvalidOperationException("demo cases: " + error));
        }

        return new DemoCaseSummary(
            [.. open.OrderBy(c => c.Queue, StringComparer.Ordinal).ThenByDescending(c => CasePriorities.Rank(c.Priority))],
            byKind.GetValueOrDefault(CaseItemKinds.Report),
            byKind.GetValueOrDefault(CaseItemKinds.MediaMatch),
            byKind.GetValueOrDefault(CaseItemKinds.Text),
            byKind.GetValueOrDefault(CaseItemKinds.Discovery),
            top);
    }
}
