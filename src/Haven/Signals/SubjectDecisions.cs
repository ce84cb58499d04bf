using Haven.Events;
using Haven.Policy;
using Haven.Storage;

namespace Haven.Signals;

/// <summary>
/// Evaluates the policy on a subject's signal set and records what it decides, in the batch transaction: the signal set
/// as the policy saw it (<c>signal_sets</c>), then the decisions with their audit entries, statuses and outbox actions
/// (<see cref="DecisionLog"/>).
/// </summary>
internal sealed class SubjectDecisions(HavenStore store, PolicyEngine policy, IReadOnlyList<string> adapters, Cases.CaseSettings? cases = null)
{
    /// <summary>The store the batch writes to (for handlers that append audit entries or read the clock).</summary>
    public HavenStore Store => store;

    /// <summary>The cases stage's settings (due times of the cases decisions and reports open).</summary>
    public Cases.CaseSettings Cases { get; } = cases ?? Haven.Cases.CaseSettings.Default;

    /// <summary>Stores <paramref name="set"/>, evaluates it and records the decisions.</summary>
    public async Task DecideAsync(BatchState state, SignalSet set, DecisionContext context, CancellationToken cancellationToken)
    {
        await state.Rows.InsertSignalSetAsync(set, context, cancellationToken).ConfigureAwait(false);
        state.Stats = state.Stats with { SignalSets = state.Stats.SignalSets + 1 };
        var decisions = policy.Evaluate(set);
        if (decisions.Count == 0)
        {
            return;
        }

        var (recorded, enqueued) = await DecisionLog.RecordAsync(store, state.Rows.Connection, state.Rows.Transaction, decisions, context, adapters, cancellationToken, state.Decided, Cases).ConfigureAwait(false);
        state.Stats = state.Stats with { Decisions = state.Stats.Decisions + recorded, Actions = state.Stats.Actions + enqueued };
    }

    /// <summary>Re-evaluates an account: its counters as of the event (<see cref="AccountCounters"/>), every report on it, and <paramref name="hits"/>.</summary>
    public async Task DecideAccountAsync(BatchState state, StoredEvent e, string account, IReadOnlyList<TextHitSignal> hits, CancellationToken cancellationToken)
    {
        var counters = await AccountCounters.ComputeAsync(state.Rows.Connection, state.Rows.Transaction, account, e.OccurredAt.ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
        var reports = await state.Rows.ReportsAsync(ReportSubjects.Account, account, cancellationToken).ConfigureAwait(false);
        var set = new SignalSet(SubjectKind.Account, account, [], hits, counters, reports);
        await DecideAsync(state, set, new DecisionContext(e.Seq, e.OccurredAt, account, null), cancellationToken).ConfigureAwait(false);
    }
}
