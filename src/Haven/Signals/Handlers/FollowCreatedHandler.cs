using Haven.Events;

namespace Haven.Signals.Handlers;

/// <summary><c>follow.created</c>: a follow edge (never to oneself).</summary>
internal sealed class FollowCreatedHandler : IEventHandler
{
    public static FollowCreatedHandler Instance { get; } = new();

    public Work Read(StoredEvent e) => new(e, this) { Target = EventFields.ReadTarget(e) };

    public Task HandleAsync(BatchState state, Work work, CancellationToken cancellationToken)
    {
        var e = work.Event;
        if (work.Target != e.Actor)
        {
            state.Rows.AddEdge(new EdgeRow(e.Actor, work.Target!, EdgeKinds.Follow, e.OccurredAt.ToUnixTimeMilliseconds(), e.Seq, null));
        }

        return Task.CompletedTask;
    }
}
