using System.Data.Common;
using Dapper;
using Haven.Audit;
using Haven.People;
using Haven.Storage;

namespace Haven.Wellness;

/// <summary>One reveal as recorded in <c>media_reveals</c>: who saw which item, when, for which case.</summary>
/// <param name="Id">The reveal's id (also the id of its grant).</param>
/// <param name="Person">The person's user name.</param>
/// <param name="Role">Their role when they revealed (<c>specialist</c>, <c>lead</c>, <c>admin</c>).</param>
/// <param name="At">When the bytes were rendered for them.</param>
/// <param name="CaseId">The case they were working.</param>
/// <param name="PostId">The post of the item.</param>
/// <param name="MediaIndex">The item's index in the post.</param>
/// <param name="EventSeq">Log position of the event whose bytes were shown.</param>
internal sealed record MediaReveal(long Id, string Person, string Role, DateTimeOffset At, string CaseId, string PostId, int MediaIndex, long EventSeq);

/// <summary>A reveal's result: its record, the revealed image, and until when its grant can be redeemed.</summary>
internal sealed record RevealOutcome(MediaReveal Reveal, RenderedImage Image, DateTimeOffset GrantExpiresAt, RevealCount Count);

/// <summary>A person's reveals in the current UTC day against their budget.</summary>
internal sealed record RevealCount(string Person, int Today, int Budget)
{
    /// <summary>Reveals left today.</summary>
    public int Remaining => Math.Max(0, Budget - Today);
}

/// <summary>A reveal whose image its person may still fetch once (see <see cref="Reveals.RedeemAsync"/>).</summary>
internal sealed record RevealGrant(long RevealId, string Person, string PostId, int MediaIndex, long EventSeq, DateTimeOffset ExpiresAt);

/// <summary>Reveals of one person on one UTC day.</summary>
internal sealed record DailyExposure(string Person, DateOnly Day, int Reveals);

/// <summary>
/// Reveals: one media item at a time, on demand, by specialists and above, within a daily budget per person. A reveal is
/// recorded (<c>media_reveals</c>) and audited (<c>media.revealed</c>) in one transaction, and only once the item's
/// bytes were found and rendered: this record is what a mandatory report's "file viewed by the provider" is built from,
/// so it says exactly who saw what. The image itself reaches the browser through a grant: only the person who revealed,
/// once, within <see cref="GrantWindow"/>.
/// </summary>
internal sealed class Reveals(HavenStore store, MediaBytes media, PreviewRenderer renderer, WellnessSettings settings)
{
    /// <summary>How long after a reveal its image may be fetched.</summary>
    public static readonly TimeSpan GrantWindow = TimeSpan.FromMinutes(5);

    /// <summary>Longest range <see cref="ExposureAsync"/> answers for.</summary>
    public const int MaxExposureDays = 366;

    private const string Columns = "id, person, role, revealed_at, case_id, post_id, media_index, event_seq";

    /// <summary>
    /// Reveals item <paramref name="mediaIndex"/> of post <paramref name="postId"/> to <paramref name="actor"/> for case
    /// <paramref name="caseId"/>. Refused (and nothing recorded) below specialist, over the person's budget for the UTC
    /// day, when Haven holds no bytes for the item, or when they are no image it can show.
    /// </summary>
    public async Task<Result<RevealOutcome, WellnessError>> RevealAsync(Actor actor, string caseId, string postId, int mediaIndex, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!actor.Role.MayReveal())
        {
            return new WellnessNotPermitted("Only child-safety specialists, leads and admins may reveal media.");
        }

        if (string.IsNullOrWhiteSpace(caseId) || string.IsNullOrEmpty(postId) || mediaIndex < 0)
        {
            return new WellnessRequestInvalid("A reveal needs a case id, a post id and a media index of 0 or more.");
        }

        // Checked first so a person over budget costs no decode; checked again under the lock before recording.
        var before = await CountTodayAsync(actor.Name, cancellationToken).ConfigureAwait(false);
        if (before.Today >= before.Budget)
        {
            return new RevealBudgetExhausted(actor.Name, before.Today, before.Budget);
        }

        var located = await media.LocateAsync(postId, mediaIndex, cancellationToken).ConfigureAwait(false);
        if (!located.TryGetValue(out var held, out var notHeld))
        {
            return notHeld!;
        }

        var view = (await settings.EffectiveAsync(actor.Name, cancellationToken).ConfigureAwait(false)).View;
        var rendered = await renderer.RevealedAsync(held.Bytes, view, cancellationToken).ConfigureAwait(false);
        if (!rendered.TryGetValue(out var image, out var renderError))
        {
            return renderError!;
        }

        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await store.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var effective = await WellnessSettings.EffectiveAsync(store, connection, transaction, actor.Name, lockDefaults: true, cancellationToken).ConfigureAwait(false);
        var today = await CountTodayAsync(connection, transaction, actor.Name, cancellationToken).ConfigureAwait(false);
        if (today >= effective.DailyRevealBudget)
        {
            return new RevealBudgetExhausted(actor.Name, today, effective.DailyRevealBudget);
        }

        var at = store.NowUnixMilliseconds;
        var role = actor.Role.Name();
        var id = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "INSERT INTO media_reveals (person, role, revealed_at, case_id, post_id, media_index, event_seq) " +
            "VALUES (@person, @role, @at, @caseId, @postId, @mediaIndex, @eventSeq) RETURNING id",
            new { person = actor.Name, role, at, caseId, postId, mediaIndex, eventSeq = held.EventSeq }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        AuditContext.Actor = actor.AuditName;
        await AuditLog.AppendAsync(store, connection, transaction, "media.revealed", $"media:{postId}/{mediaIndex}", new { revealId = id, caseId, eventSeq = held.EventSeq, role }, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);

        var when = DateTimeOffset.FromUnixTimeMilliseconds(at);
        var reveal = new MediaReveal(id, actor.Name, role, when, caseId, postId, mediaIndex, held.EventSeq);
        return new RevealOutcome(reveal, image, when + GrantWindow, new RevealCount(actor.Name, today + 1, effective.DailyRevealBudget));
    }

    /// <summary>The grant of reveal <paramref name="revealId"/> when <paramref name="person"/> may still redeem it, else null.</summary>
    public async Task<RevealGrant?> FindGrantAsync(long revealId, string person, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<(string PostId, long MediaIndex, long EventSeq, long RevealedAt)?>(new CommandDefinition(
            "SELECT post_id, media_index, event_seq, revealed_at FROM media_reveals " +
            "WHERE id = @revealId AND person = @person AND redeemed_at IS NULL AND revealed_at > @since",
            new { revealId, person, since = GrantCutoff() }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row is { } r
            ? new RevealGrant(revealId, person, r.PostId, (int)r.MediaIndex, r.EventSeq, DateTimeOffset.FromUnixTimeMilliseconds(r.RevealedAt) + GrantWindow)
            : null;
    }

    /// <summary>
    /// Redeems the grant of reveal <paramref name="revealId"/> for <paramref name="actor"/>: the revealed image, once, within
    /// <see cref="GrantWindow"/> of the reveal, only to the person who revealed. The image is rendered first and the grant
    /// used up only when it can be returned; of two concurrent redemptions one wins.
    /// </summary>
    public async Task<Result<RenderedImage, WellnessError>> RedeemAsync(long revealId, Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!actor.Role.MayReveal())
        {
            return new WellnessNotPermitted("Only child-safety specialists, leads and admins may see revealed media.");
        }

        if (await FindGrantAsync(revealId, actor.Name, cancellationToken).ConfigureAwait(false) is not { } grant)
        {
            return new RevealGrantNotFound(revealId);
        }

        var located = await media.LocateAsync(grant.PostId, grant.MediaIndex, cancellationToken).ConfigureAwait(false);
        if (!located.TryGetValue(out var held, out var notHeld))
        {
            return notHeld!;
        }

        if (held.EventSeq != grant.EventSeq)
        {
            // The item now comes from another event than the one revealed: show nothing rather than something not recorded.
            return new RevealGrantNotFound(revealId);
        }

        var view = (await settings.EffectiveAsync(actor.Name, cancellationToken).ConfigureAwait(false)).View;
        var rendered = await renderer.RevealedAsync(held.Bytes, view, cancellationToken).ConfigureAwait(false);
        if (!rendered.TryGetValue(out var image, out var renderError))
        {
            return renderError!;
        }

        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var used = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE media_reveals SET redeemed_at = @now WHERE id = @revealId AND person = @person AND redeemed_at IS NULL AND revealed_at > @since",
            new { now = store.NowUnixMilliseconds, revealId, person = actor.Name, since = GrantCutoff() }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return used == 1 ? image : new RevealGrantNotFound(revealId);
    }

    /// <summary>The person's reveals in the current UTC day and their budget (the console's visible count).</summary>
    public Task<RevealCount> RevealsTodayAsync(string person, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(person);
        return CountTodayAsync(person, cancellationToken);
    }

    /// <summary>True when anyone has revealed item <paramref name="mediaIndex"/> of post <paramref name="postId"/>.</summary>
    public async Task<bool> HasRevealedAsync(string postId, int mediaIndex, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT 1 FROM media_reveals WHERE post_id = @postId AND media_index = @mediaIndex LIMIT 1",
            new { postId, mediaIndex }, cancellationToken: cancellationToken)).ConfigureAwait(false) is not null;
    }

    /// <summary>Every reveal of item <paramref name="mediaIndex"/> of post <paramref name="postId"/>, oldest first.</summary>
    public async Task<IReadOnlyList<MediaReveal>> ListAsync(string postId, int mediaIndex, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<RevealRow>(new CommandDefinition(
            $"SELECT {Columns} FROM media_reveals WHERE post_id = @postId AND media_index = @mediaIndex ORDER BY id",
            new { postId, mediaIndex }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToReveal())];
    }

    /// <summary>
    /// Reveals per person per UTC day from <paramref name="from"/> to <paramref name="to"/> (both included), for leads and
    /// admins; days without reveals are left out. Ordered by day, then person.
    /// </summary>
    public async Task<Result<IReadOnlyList<DailyExposure>, WellnessError>> ExposureAsync(Actor actor, DateOnly from, DateOnly to, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!actor.Role.MayLead())
        {
            return new WellnessNotPermitted("Only leads and admins see reviewers' exposure.");
        }

        if (to < from || to.DayNumber - from.DayNumber >= MaxExposureDays)
        {
            return new WellnessRequestInvalid($"The range must run forwards and span at most {MaxExposureDays} days.");
        }

        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(string Person, long Day, long Reveals)>(new CommandDefinition(
            "SELECT person, revealed_at / @dayMs AS day, COUNT(*) FROM media_reveals WHERE revealed_at >= @start AND revealed_at < @end " +
            "GROUP BY person, day ORDER BY day, person",
            new { dayMs = DayMs, start = StartOf(from), end = StartOf(to.AddDays(1)) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => new DailyExposure(r.Person, DateOnly.FromDayNumber(Epoch.DayNumber + (int)r.Day), (int)r.Reveals)).ToList();
    }

    private const long DayMs = 86_400_000;

    private static readonly DateOnly Epoch = new(1970, 1, 1);

    private static long StartOf(DateOnly day) => (day.DayNumber - Epoch.DayNumber) * DayMs;

    private long GrantCutoff() => store.NowUnixMilliseconds - (long)GrantWindow.TotalMilliseconds;

    private async Task<RevealCount> CountTodayAsync(string person, CancellationToken cancellationToken)
    {
        var effective = await settings.EffectiveAsync(person, cancellationToken).ConfigureAwait(false);
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var today = await CountTodayAsync(connection, null, person, cancellationToken).ConfigureAwait(false);
        return new RevealCount(person, today, effective.DailyRevealBudget);
    }

    private async Task<int> CountTodayAsync(DbConnection connection, DbTransaction? transaction, string person, CancellationToken cancellationToken)
    {
        var now = store.NowUnixMilliseconds;
        var start = now - (now % DayMs);
        return (int)await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM media_reveals WHERE person = @person AND revealed_at >= @start AND revealed_at < @end",
            new { person, start, end = start + DayMs }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    private sealed class RevealRow
    {
        public long Id { get; set; }

        public string Person { get; set; } = string.Empty;

        public string Role { get; set; } = string.Empty;

        public long Revealed_at { get; set; }

        public string Case_id { get; set; } = string.Empty;

        public string Post_id { get; set; } = string.Empty;

        public int Media_index { get; set; }

        public long Event_seq { get; set; }

        public MediaReveal ToReveal() => new(Id, Person, Role, DateTimeOffset.FromUnixTimeMilliseconds(Revealed_at), Case_id, Post_id, Media_index, Event_seq);
    }
}
