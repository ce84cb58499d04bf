using Haven.Events;
using Haven.Signals.Handlers;

namespace Haven.Tests.Signals;

public sealed class EventHandlerTests
{
    [Fact]
    public void Every_event_type_but_community_created_has_a_handler()
    {
        var expected = EventTypes.All.Where(t => t != EventTypes.CommunityCreated).Order(StringComparer.Ordinal);
        Assert.Equal(expected, EventHandlers.HandledTypes.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void An_event_of_a_type_without_a_handler_is_carried_and_does_nothing()
    {
        var e = new StoredEvent(1, "e1", EventTypes.CommunityCreated, DateTimeOffset.UnixEpoch, "acct-1", "{}");
        Assert.Null(EventHandlers.Read(e).Handler);
    }
}
