using Haven.Events;

namespace Haven.Signals.Handlers;

/// <summary><c>post.deleted</c>: the post is marked deleted (in its buffered row when it is of the same batch).</summary>
internal sealed class PostDeletedHandler : IEventHandler
{
    public static PostDeletedHandler Instance { get; } = new();

    public Work Read(StoredEvent e) => new(e, this) { PostId = EventFields.ReadPostId(e) };

    public string? ReferencedPost(Work work) => work.PostId;

    public async Task HandleAsync(BatchState state, Work work, CancellationToken cancellationToken)
    {
        if (!state.MarkDeletedIfPending(work.PostId!))
        {
            await state.Rows.MarkDeletedAsync(work.PostId!, cancellationToken).ConfigureAwait(false);
        }
    }
}
