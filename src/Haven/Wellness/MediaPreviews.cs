using Haven.People;
using Haven.Storage;

namespace Haven.Wellness;

/// <summary>
/// The blurred preview of a media item for a person: the one call the console makes per item it shows. Viewers never see
/// media, not even blurred; everyone else gets the preview in their own settings, or why there is none.
/// </summary>
internal sealed class MediaPreviews(MediaBytes media, PreviewRenderer renderer, WellnessSettings settings)
{
    /// <summary>
    /// Item <paramref name="mediaIndex"/> of post <paramref name="postId"/>, blurred and coloured as <paramref name="actor"/>
    /// chose (or the organisation's defaults). Refused to viewers; <see cref="MediaNotHeld"/> when Haven holds no bytes;
    /// <see cref="RenderFailed"/> when they are no image it can show.
    /// </summary>
    public async Task<Result<RenderedImage, WellnessError>> PreviewAsync(Actor actor, string postId, int mediaIndex, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!actor.Role.MaySeePreviews())
        {
            return new WellnessNotPermitted("Viewers do not see media, not even blurred.");
        }

        var located = await media.LocateAsync(postId, mediaIndex, cancellationToken).ConfigureAwait(false);
        if (!located.TryGetValue(out var held, out var notHeld))
        {
            return notHeld!;
        }

        var view = (await settings.EffectiveAsync(actor.Name, cancellationToken).ConfigureAwait(false)).View;
        var rendered = await renderer.PreviewAsync(held.Bytes, view, cancellationToken).ConfigureAwait(false);
        return rendered.TryGetValue(out var image, out var error) ? image : error!;
    }
}
