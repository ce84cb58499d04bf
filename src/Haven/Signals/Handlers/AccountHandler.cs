using Haven.Events;

namespace Haven.Signals.Handlers;

/// <summary><c>account.created</c>, <c>account.updated</c>: the handle, display name and bio are scanned; hits re-evaluate the account.</summary>
internal sealed class AccountHandler : IEventHandler
{
    public static AccountHandler Instance { get; } = new();

    public Work Read(StoredEvent e) => new(e, this) { AccountText = EventFields.ReadAccountText(e) };

    public async Task HandleAsync(BatchState state, Work work, CancellationToken cancellationToken)
    {
        var hits = state.Scan(work.AccountText);
        if (hits.Count > 0)
        {
            state.Stats = state.Stats with { TextHits = state.Stats.TextHits + hits.Count };
            await state.Decisions.DecideAccountAsync(state, work.Event, work.Event.Actor, hits, cancellationToken).ConfigureAwait(false);
        }
    }
}
