using System.Collections.Frozen;
using Haven.Events;

namespace Haven.Signals.Handlers;

/// <summary>
/// What the signals stage does with one event type. A handler is stateless: it reads the event's fields before the
/// batch transaction and writes projections, signals and decisions through the <see cref="BatchState"/> inside it
/// (never a transaction of its own, so a batch stays all or nothing and a trial of the failure search rolls it back).
/// </summary>
internal interface IEventHandler
{
    /// <summary>Reads the fields the handler needs (before the transaction); throws on a stored body that cannot be read.</summary>
    Work Read(StoredEvent e);

    /// <summary>The post the event refers to (a parent, a deleted post, a reported post), read once before the transaction; or null.</summary>
    string? ReferencedPost(Work work) => null;

    /// <summary>Handles the event in the batch transaction.</summary>
    Task HandleAsync(BatchState state, Work work, CancellationToken cancellationToken);
}

/// <summary>The dispatch table: one handler per event type the stage projects.</summary>
internal static class EventHandlers
{
    // community.created is stored in the log and not projected (docs/pipeline.md, "Not yet").
    private static readonly FrozenDictionary<string, IEventHandler> ByType = new Dictionary<string, IEventHandler>(StringComparer.Ordinal)
    {
        [EventTypes.AccountCreated] = AccountHandler.Instance,
        [EventTypes.AccountUpdated] = AccountHandler.Instance,
        [EventTypes.PostCreated] = PostCreatedHandler.Instance,
        [EventTypes.PostDeleted] = PostDeletedHandler.Instance,
        [EventTypes.FollowCreated] = FollowCreatedHandler.Instance,
        [EventTypes.FollowDeleted] = FollowDeletedHandler.Instance,
        [EventTypes.ReportCreated] = ReportCreatedHandler.Instance,
        [EventTypes.AppealCreated] = AppealCreatedHandler.Instance,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Every event type with a handler.</summary>
    public static IReadOnlyCollection<string> HandledTypes => ByType.Keys;

    /// <summary>The event read by its type's handler; an event of a type without one is carried along and does nothing.</summary>
    public static Work Read(StoredEvent e) => ByType.GetValueOrDefault(e.Type) is { } handler ? handler.Read(e) : new Work(e, null);
}
