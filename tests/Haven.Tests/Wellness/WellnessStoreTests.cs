using Dapper;
using Haven.Audit;
using Haven.Media;
using Haven.People;
using Haven.Simulation;
using Haven.Storage;
using Haven.Tests.Signals;
using Haven.Tests.Storage;
using Haven.Wellness;
using SkiaSharp;

namespace Haven.Tests.Wellness;

/// <summary>
/// Wellness on a real store: synthetic images ingested through the event log and processed by the signals stage, then
/// located, rendered, revealed within budgets and redeemed; settings over defaults; hash-only evidence.
/// </summary>
public abstract class WellnessStoreTests : PipelineSuite
{
    private static readonly Actor Specialist = new("sam", PersonRole.Specialist);
    private static readonly Actor OtherSpecialist = new("kim", PersonRole.Specialist);
    private static readonly Actor Reviewer = new("rory", PersonRole.Reviewer);
    private static readonly Actor Lead = new("lee", PersonRole.Lead);
    private static readonly Actor Admin = new("ada", PersonRole.Admin);

    private byte[] _image = [];

    private MediaBytes Media => new(Store);

    private WellnessSettings Settings => new(Store);

    private static PreviewRenderer Renderer => new(new ImageDecoder(), new DecodeBudget());

    private Reveals Reveals => new(Store, Media, Renderer, Settings);

    private MediaPreviews Previews => new(Media, Renderer, Settings);

    public override async Task InitializeAsyncCore()
    {
        await base.InitializeAsyncCore();
        using var bitmap = SyntheticImages.Generate(seed: 31, width: 320, height: 240);
        _image = SyntheticImages.Encode(bitmap, SKEncodedImageFormat.Png);
        var truncated = _image[..(_image.Length / 2)];
        await IngestAsync(
            Post("acct-1", "p-bytes", media: $"{{\"bytes\":\"{Convert.ToBase64String(_image)}\"}},{{\"url\":\"https://media.example/a.jpg\"}},{{\"hashes\":{{\"pdq\":\"{KnownPdq}\",\"quality\":90}}}}"),
            Post("acct-2", "p-broken", media: $"{{\"bytes\":\"{Convert.ToBase64String(truncated)}\"}}"),
            Post("acct-3", "p-second", media: $"{{\"bytes\":\"{Convert.ToBase64String(_image)}\"}}"));
        await Processor().RunAsync();
    }

    [StoreFact]
    public async Task Bytes_are_located_in_the_event_that_carried_them_and_everything_else_says_why_not()
    {
        var held = (await Media.LocateAsync("p-bytes", 0)).Value;
        Assert.Equal(_image, held.Bytes);
        Assert.Equal(await SeqOfAsync("p-bytes"), held.EventSeq);

        Assert.Equal(MediaNotHeldReason.UrlNotKept, (await Media.LocateAsync("p-bytes", 1)).Error.Reason);
        Assert.Equal(MediaNotHeldReason.HashesOnly, (await Media.LocateAsync("p-bytes", 2)).Error.Reason);
        Assert.Equal(MediaNotHeldReason.UnknownItem, (await Media.LocateAsync("p-bytes", 3)).Error.Reason);
        Assert.Equal(MediaNotHeldReason.UnknownItem, (await Media.LocateAsync("p-none", 0)).Error.Reason);
        Assert.Equal("url_not_kept", (await Media.LocateAsync("p-bytes", 1)).Error.Code);
        Assert.Equal(MediaNotHeldReason.TooManyBytes, (await new MediaBytes(Store, new MediaLimits { MaxBytes = _image.Length - 1 }).LocateAsync("p-bytes", 0)).Error.Reason);

        await using var connection = await Store.OpenConnectionAsync();
        await connection.ExecuteAsync("UPDATE events SET body = '{\"post\":{\"id\":\"p-second\"}}' WHERE seq = @seq", new { seq = await SeqOfAsync("p-second") });
        Assert.Equal(MediaNotHeldReason.EventUnreadable, (await Media.LocateAsync("p-second", 0)).Error.Reason);
        await connection.ExecuteAsync("DELETE FROM events WHERE seq = @seq", new { seq = await SeqOfAsync("p-second") });
        Assert.Equal(MediaNotHeldReason.EventMissing, (await Media.LocateAsync("p-second", 0)).Error.Reason);
    }

    [StoreFact]
    public async Task Previews_are_blurred_in_the_persons_settings_refused_to_viewers_and_record_no_reveal()
    {
        await Settings.SetPersonAsync(Reviewer, "rory", PersonSettings.Inherit with { Colour = ColourMode.Sepia });

        var preview = (await Previews.PreviewAsync(Reviewer, "p-bytes", 0)).Value;
        var revealed = (await Reveals.RevealAsync(Specialist, "case-1", "p-bytes", 0)).Value.Image;

        Assert.Equal((320, 240), (preview.Width, preview.Height));
        using (var blurred = PreviewRendererTests.Decode(preview))
        using (var sharp = PreviewRendererTests.Decode(revealed))
        {
            var p = blurred.GetPixel(100, 100);
            Assert.True(p.Red >= p.Green && p.Green >= p.Blue && p.Red > p.Blue, $"sepia expected, got {p}");
            Assert.Contains(Enumerable.Range(0, 240), y => blurred.GetPixel(160, y).Red != sharp.GetPixel(160, y).Red);
        }

        Assert.IsType<WellnessNotPermitted>((await Previews.PreviewAsync(new Actor("vic", PersonRole.Viewer), "p-bytes", 0)).Error);
        Assert.Equal("hashes_only", (await Previews.PreviewAsync(Reviewer, "p-bytes", 2)).Error.Code);
        Assert.Equal("render_failed", (await Previews.PreviewAsync(Reviewer, "p-broken", 0)).Error.Code);
        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM media_reveals"));
    }

    [StoreFact]
    public async Task A_specialist_reveal_is_recorded_and_audited_together_and_returns_a_greyscale_image()
    {
        var outcome = (await Reveals.RevealAsync(Specialist, "case-7", "p-bytes", 0)).Value;

        var reveal = outcome.Reveal;
        Assert.Equal(("sam", "specialist", "case-7", "p-bytes", 0, await SeqOfAsync("p-bytes")), (reveal.Person, reveal.Role, reveal.CaseId, reveal.PostId, reveal.MediaIndex, reveal.EventSeq));
        Assert.Equal(Time.GetUtcNow(), reveal.At);
        Assert.Equal(Time.GetUtcNow() + Reveals.GrantWindow, outcome.GrantExpiresAt);
        Assert.Equal((320, 240), (outcome.Image.Width, outcome.Image.Height));
        using (var image = PreviewRendererTests.Decode(outcome.Image))
        {
            var p = image.GetPixel(160, 120);
            Assert.True(p.Red == p.Green && p.Green == p.Blue);
        }

        Assert.Equal([reveal], await Reveals.ListAsync("p-bytes", 0));
        Assert.True(await Reveals.HasRevealedAsync("p-bytes", 0));
        Assert.False(await Reveals.HasRevealedAsync("p-second", 0));
        Assert.Equal(new RevealCount("sam", 1, 25), await Reveals.RevealsTodayAsync("sam"));
        Assert.Equal(new RevealCount("sam", 1, 25), outcome.Count);

        var audit = (await new AuditLog(Store).ReadAsync()).Last();
        Assert.Equal(("person:sam", "media.revealed", "media:p-bytes/0"), (audit.Actor, audit.Action, audit.Subject));
        Assert.Contains($"\"revealId\":{reveal.Id}", audit.Details, StringComparison.Ordinal);
        Assert.Contains("\"caseId\":\"case-7\"", audit.Details, StringComparison.Ordinal);
        Assert.True((await new AuditLog(Store).VerifyAsync()).Intact);
    }

    [StoreFact]
    public async Task Refused_reveals_record_nothing()
    {
        Assert.IsType<WellnessNotPermitted>((await Reveals.RevealAsync(Reviewer, "case-1", "p-bytes", 0)).Error);
        Assert.IsType<WellnessNotPermitted>((await Reveals.RevealAsync(new Actor("vic", PersonRole.Viewer), "case-1", "p-bytes", 0)).Error);
        Assert.Equal("url_not_kept", (await Reveals.RevealAsync(Specialist, "case-1", "p-bytes", 1)).Error.Code);
        Assert.Equal("hashes_only", (await Reveals.RevealAsync(Specialist, "case-1", "p-bytes", 2)).Error.Code);
        Assert.Equal("unknown_media", (await Reveals.RevealAsync(Specialist, "case-1", "p-none", 0)).Error.Code);
        var broken = Assert.IsType<RenderFailed>((await Reveals.RevealAsync(Specialist, "case-1", "p-broken", 0)).Error);
        Assert.Equal("truncated", broken.MediaCode);
        Assert.IsType<WellnessRequestInvalid>((await Reveals.RevealAsync(Specialist, " ", "p-bytes", 0)).Error);
        Assert.IsType<WellnessRequestInvalid>((await Reveals.RevealAsync(Specialist, "case-1", "p-bytes", -1)).Error);

        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM media_reveals"));
        Assert.DoesNotContain(await new AuditLog(Store).ReadAsync(), e => e.Action == "media.revealed");
        Assert.Equal(0, (await Reveals.RevealsTodayAsync("sam")).Today);
    }

    [StoreFact]
    public async Task The_daily_budget_refuses_with_a_message_to_ask_a_lead_a_lead_raises_it_and_the_next_day_starts_afresh()
    {
        var defaults = await Settings.GetDefaultsAsync();
        Assert.True((await Settings.SetDefaultsAsync(Admin, defaults with { DailyRevealBudget = 2 })).IsSuccess);
        Assert.True((await Reveals.RevealAsync(Specialist, "case-1", "p-bytes", 0)).IsSuccess);
        Assert.True((await Reveals.RevealAsync(Specialist, "case-1", "p-second", 0)).IsSuccess);

        var refused = Assert.IsType<RevealBudgetExhausted>((await Reveals.RevealAsync(Specialist, "case-1", "p-bytes", 0)).Error);
        Assert.Equal((2, 2), (refused.RevealsToday, refused.Budget));
        Assert.Contains("Ask a lead", refused.Message, StringComparison.Ordinal);
        Assert.Equal("reveal_budget_exhausted", refused.Code);
        Assert.Equal(2, await CountAsync("SELECT COUNT(*) FROM media_reveals"));
        Assert.True((await Reveals.RevealAsync(OtherSpecialist, "case-1", "p-bytes", 0)).IsSuccess);

        Assert.IsType<WellnessNotPermitted>((await Settings.SetRevealBudgetAsync(OtherSpecialist, "sam", 5)).Error);
        var raised = (await Settings.SetRevealBudgetAsync(Lead, "sam", 3)).Value;
        Assert.Equal((3, true), (raised.DailyRevealBudget, raised.BudgetOverridden));
        Assert.True((await Reveals.RevealAsync(Specialist, "case-1", "p-bytes", 0)).IsSuccess);
        Assert.IsType<RevealBudgetExhausted>((await Reveals.RevealAsync(Specialist, "case-1", "p-bytes", 0)).Error);
        Assert.Equal(new RevealCount("sam", 3, 3), await Reveals.RevealsTodayAsync("sam"));

        // 12:00 UTC now: the UTC day ends in 12 hours.
        Time.Advance(TimeSpan.FromHours(12));
        Assert.Equal(0, (await Reveals.RevealsTodayAsync("sam")).Today);
        Assert.True((await Reveals.RevealAsync(Specialist, "case-1", "p-bytes", 0)).IsSuccess);

        var budgetEntry = (await new AuditLog(Store).ReadAsync()).Single(e => e.Action == "wellness.budget_changed");
        Assert.Equal(("person:lee", "person:sam"), (budgetEntry.Actor, budgetEntry.Subject));
    }

    [StoreFact]
    public async Task A_grant_is_redeemed_once_only_by_its_person_within_the_window()
    {
        var first = (await Reveals.RevealAsync(Specialist, "case-1", "p-bytes", 0)).Value.Reveal;
        var second = (await Reveals.RevealAsync(Specialist, "case-1", "p-second", 0)).Value.Reveal;

        Assert.Null(await Reveals.FindGrantAsync(first.Id, "kim"));
        Assert.IsType<RevealGrantNotFound>((await Reveals.RedeemAsync(first.Id, OtherSpecialist)).Error);
        Assert.IsType<WellnessNotPermitted>((await Reveals.RedeemAsync(first.Id, new Actor("sam", PersonRole.Reviewer))).Error);
        var grant = await Reveals.FindGrantAsync(first.Id, "sam");
        Assert.Equal(new RevealGrant(first.Id, "sam", "p-bytes", 0, first.EventSeq, first.At + Reveals.GrantWindow), grant);

        var image = (await Reveals.RedeemAsync(first.Id, Specialist)).Value;
        Assert.Equal((320, 240), (image.Width, image.Height));
        Assert.IsType<RevealGrantNotFound>((await Reveals.RedeemAsync(first.Id, Specialist)).Error);
        Assert.Null(await Reveals.FindGrantAsync(first.Id, "sam"));

        Time.Advance(Reveals.GrantWindow);
        Assert.Null(await Reveals.FindGrantAsync(second.Id, "sam"));
        Assert.IsType<RevealGrantNotFound>((await Reveals.RedeemAsync(second.Id, Specialist)).Error);
        Assert.IsType<RevealGrantNotFound>((await Reveals.RedeemAsync(9999, Specialist)).Error);
    }

    [StoreFact]
    public async Task Exposure_counts_reveals_per_person_per_day_for_leads_only()
    {
        await Reveals.RevealAsync(Specialist, "case-1", "p-bytes", 0);
        await Reveals.RevealAsync(Specialist, "case-1", "p-second", 0);
        await Reveals.RevealAsync(Lead, "case-2", "p-bytes", 0);
        Time.Advance(TimeSpan.FromDays(2));
        await Reveals.RevealAsync(Specialist, "case-3", "p-bytes", 0);
        var day = DateOnly.FromDateTime(Time.GetUtcNow().UtcDateTime);

        var figures = (await Reveals.ExposureAsync(Lead, day.AddDays(-2), day)).Value;

        Assert.Equal([new DailyExposure("lee", day.AddDays(-2), 1), new DailyExposure("sam", day.AddDays(-2), 2), new DailyExposure("sam", day, 1)], figures);
        Assert.Equal([new DailyExposure("sam", day, 1)], (await Reveals.ExposureAsync(Admin, day, day)).Value);
        Assert.Empty((await Reveals.ExposureAsync(Lead, day.AddDays(-1), day.AddDays(-1))).Value);
        Assert.IsType<WellnessNotPermitted>((await Reveals.ExposureAsync(Specialist, day, day)).Error);
        Assert.IsType<WellnessRequestInvalid>((await Reveals.ExposureAsync(Lead, day, day.AddDays(-1))).Error);
        Assert.IsType<WellnessRequestInvalid>((await Reveals.ExposureAsync(Lead, day.AddDays(-400), day)).Error);
    }

    [StoreFact]
    public async Task Person_settings_fall_back_to_the_defaults_field_by_field()
    {
        Assert.Equal(OrganisationDefaults.Default, await Settings.GetDefaultsAsync());
        Assert.Equal(new EffectiveSettings("sam", ViewSettings.Default, 25, false), await Settings.EffectiveAsync("sam"));

        var mine = (await Settings.SetPersonAsync(Specialist, "sam", PersonSettings.Inherit with { BlurStrength = 8, PlaybackSpeedPercent = 150 })).Value;
        Assert.Equal(ViewSettings.Default with { BlurStrength = 8, PlaybackSpeedPercent = 150 }, mine.View);

        var changed = new OrganisationDefaults(new ViewSettings(2, ColourMode.Sepia, false, true, 100), 40);
        Assert.Equal(changed, (await Settings.SetDefaultsAsync(Admin, changed)).Value);

        Assert.Equal(new EffectiveSettings("sam", new ViewSettings(8, ColourMode.Sepia, false, true, 150), 40, false), await Settings.EffectiveAsync("sam"));
        Assert.Equal(new EffectiveSettings("kim", changed.View, 40, false), await Settings.EffectiveAsync("kim"));
        Assert.Equal(PersonSettings.Inherit with { BlurStrength = 8, PlaybackSpeedPercent = 150 }, await Settings.GetPersonAsync("sam"));

        // A lead's budget override survives the person changing their own settings, and the reverse.
        await Settings.SetRevealBudgetAsync(Lead, "sam", 10);
        await Settings.SetPersonAsync(Specialist, "sam", PersonSettings.Inherit with { Colour = ColourMode.Colour });
        Assert.Equal(new EffectiveSettings("sam", new ViewSettings(2, ColourMode.Colour, false, true, 100), 10, true), await Settings.EffectiveAsync("sam"));
        await Settings.SetRevealBudgetAsync(Lead, "sam", null);
        Assert.Equal(new EffectiveSettings("sam", new ViewSettings(2, ColourMode.Colour, false, true, 100), 40, false), await Settings.EffectiveAsync("sam"));

        var entries = await new AuditLog(Store).ReadAsync();
        Assert.Equal(
            [("person:sam", "wellness.settings_changed", "person:sam"), ("person:ada", "wellness.defaults_changed", "wellness:defaults")],
            entries.Where(e => e.Action.StartsWith("wellness.", StringComparison.Ordinal)).Take(2).Select(e => (e.Actor, e.Action, e.Subject)));
    }

    [StoreFact]
    public async Task Settings_out_of_range_or_by_the_wrong_person_are_refused_and_nothing_changes()
    {
        var invalid = Assert.IsType<WellnessSettingsInvalid>((await Settings.SetDefaultsAsync(Admin, new OrganisationDefaults(new ViewSettings(0, ColourMode.Colour, true, true, 10), 1001))).Error);
        Assert.Equal(3, invalid.Problems.Count);
        Assert.Contains("blur strength must be 1–10 (was 0)", invalid.Message, StringComparison.Ordinal);
        Assert.Contains("playback speed must be 25–400 % (was 10)", invalid.Message, StringComparison.Ordinal);
        Assert.Contains("daily reveal budget must be 0–1000 (was 1001)", invalid.Message, StringComparison.Ordinal);
        Assert.IsType<WellnessSettingsInvalid>((await Settings.SetPersonAsync(Specialist, "sam", PersonSettings.Inherit with { BlurStrength = 11 })).Error);
        Assert.IsType<WellnessSettingsInvalid>((await Settings.SetPersonAsync(Specialist, "sam", PersonSettings.Inherit with { Colour = (ColourMode)7 })).Error);
        Assert.IsType<WellnessSettingsInvalid>((await Settings.SetRevealBudgetAsync(Lead, "sam", -1)).Error);

        Assert.IsType<WellnessNotPermitted>((await Settings.SetDefaultsAsync(Lead, OrganisationDefaults.Default)).Error);
        Assert.IsType<WellnessNotPermitted>((await Settings.SetPersonAsync(Lead, "sam", PersonSettings.Inherit)).Error);
        Assert.IsType<WellnessNotPermitted>((await Settings.SetRevealBudgetAsync(Specialist, "sam", 3)).Error);
        Assert.IsType<WellnessRequestInvalid>((await Settings.SetPersonAsync(Admin, "", PersonSettings.Inherit)).Error);
        Assert.True((await Settings.SetPersonAsync(Admin, "sam", PersonSettings.Inherit with { BlurStrength = 10 })).IsSuccess);

        Assert.Equal(OrganisationDefaults.Default, await Settings.GetDefaultsAsync());
        Assert.Equal(new EffectiveSettings("sam", ViewSettings.Default with { BlurStrength = 10 }, 25, false), await Settings.EffectiveAsync("sam"));
        Assert.Single(await new AuditLog(Store).ReadAsync(), e => e.Action.StartsWith("wellness.", StringComparison.Ordinal));
    }

    [StoreFact]
    public async Task Hash_only_review_names_the_most_severe_known_category_of_an_item()
    {
        await IngestAsync(Post("acct-4", "p-two", media: $"{{\"hashes\":{{\"md5\":\"{KnownMd5}\"}}}}"));
        await Processor().RunAsync();
        await using (var connection = await Store.OpenConnectionAsync())
        {
            // A second match in a less severe category, as another bank would give.
            await connection.ExecuteAsync(
                "INSERT INTO media_matches (post_id, media_index, account, occurred_at, seq, bank, entry_id, signal_type, category, distance, media_key) " +
                "SELECT post_id, media_index, account, occurred_at, seq, 'other', 99, 'pdq', 'b2', 4, media_key FROM media_matches WHERE post_id = 'p-two'");
        }

        var matched = await HashOnlyReview.EvidenceAsync(Store, "p-bytes", 2);
        Assert.Equal("A1", matched.KnownCategory);
        Assert.True(matched.MayConfirmWithoutReveal);
        Assert.Equal(new ItemBankMatch("known", "A1", "pdq", 0), Assert.Single(matched.Matches));

        var two = await HashOnlyReview.EvidenceAsync(Store, "p-two", 0);
        Assert.Equal("A1", two.KnownCategory);
        Assert.Equal(["A1", "b2"], two.Matches.Select(m => m.Category));

        var none = await HashOnlyReview.EvidenceAsync(Store, "p-bytes", 0);
        Assert.False(none.MayConfirmWithoutReveal);
        Assert.Empty(none.Matches);
    }

    private async Task<long> SeqOfAsync(string postId)
    {
        await using var connection = await Store.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT seq FROM media_items WHERE post_id = @postId AND media_index = 0", new { postId });
    }
}

public sealed class SqliteWellnessStoreTests : WellnessStoreTests
{
    internal override StoreProvider Provider => StoreProvider.Sqlite;
}

[PostgresSuite]
public sealed class PostgresWellnessStoreTests : WellnessStoreTests
{
    internal override StoreProvider Provider => StoreProvider.Postgres;
}
