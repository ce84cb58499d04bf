using Haven.Appeals;
using Haven.Events;

namespace Haven.Signals.Handlers;

/// <summary>
/// <c>appeal.created</c>: the appeal is recorded (ids and codes only; the appellant's text stays in the event log) by
/// <see cref="AppealIntake"/>, open, joined to an open appeal of the same decision, or rejected with a code.
/// </summary>
internal sealed class AppealCreatedHandler : IEventHandler
{
    public static AppealCreatedHandler Instance { get; } = new();

    public Work Read(StoredEvent e) => new(e, this) { Appeal = EventFields.ReadAppeal(e) };

    public async Task HandleAsync(BatchState state, Work work, CancellationToken cancellationToken)
    {
        var e = work.Event;
        var appeal = work.Appeal!;
        await AppealIntake.RecordAsync(
            state.Decisions.Store, state.Rows.Connection, state.Rows.Transaction,
            new AppealRequest(e.Seq, e.Actor, e.OccurredAt, appeal.Id, appeal.DecisionId, appeal.ActionId, appeal.Reason), cancellationToken).ConfigureAwait(false);
    }
}
