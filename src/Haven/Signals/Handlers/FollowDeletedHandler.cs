using Haven.Events;

namespace Haven.Signals.Handlers;

/// <summary><c>follow.deleted</c>: the follow edge is removed, whether of this batch or stored.</summary>
internal sealed class FollowDeletedHandler : IEventHandler
{
    public static FollowDeletedHandler Instance { get; } = new();

    public Work Read(StoredEvent e) => new(e, this) { Target = EventFields.ReadTarget(e) };

    public Task HandleAsync(BatchState state, Work work, CancellationToken cancellationToken) =>
        state.Rows.RemoveFollowAsync(work.Event.Actor, work.Target!, cancellationToken);
}
