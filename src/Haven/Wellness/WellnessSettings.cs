using System.Data.Common;
using Dapper;
using Haven.Audit;
using Haven.People;
using Haven.Storage;

namespace Haven.Wellness;

/// <summary>
/// Per-person view settings and the organisation's defaults, kept on the server (tables <c>wellness_defaults</c>, one
/// row, and <c>wellness_person_settings</c>). A person's settings fall back to the defaults field by field. Every change is
/// audited in its transaction, with the acting person as actor.
/// </summary>
internal sealed class WellnessSettings(HavenStore store)
{
    private const string EffectiveSql =
        "SELECT d.blur_strength AS DefaultBlur, d.colour_mode AS DefaultColour, d.video_muted AS DefaultMuted, d.video_paused AS DefaultPaused, " +
        "d.playback_speed_percent AS DefaultSpeed, d.daily_reveal_budget AS DefaultBudget, " +
        "p.blur_strength AS Blur, p.colour_mode AS Colour, p.video_muted AS Muted, p.video_paused AS Paused, " +
        "p.playback_speed_percent AS Speed, p.daily_reveal_budget AS Budget " +
        "FROM wellness_defaults d LEFT JOIN wellness_person_settings p ON p.person = @person WHERE d.id = 1";

    /// <summary>The organisation's defaults.</summary>
    public async Task<OrganisationDefaults> GetDefaultsAsync(CancellationToken cancellationToken = default)
    {
        var row = await ReadAsync(string.Empty, cancellationToken).ConfigureAwait(false);
        return row.Defaults();
    }

    /// <summary>Sets the organisation's defaults: admins only; refused whole when a field is out of range.</summary>
    public async Task<Result<OrganisationDefaults, WellnessError>> SetDefaultsAsync(Actor actor, OrganisationDefaults defaults, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(defaults);
        if (!actor.Role.MayAdminister())
        {
            return new WellnessNotPermitted("Only an admin may change the organisation's wellness defaults.");
        }

        if (defaults.Problems() is { Count: > 0 } problems)
        {
            return new WellnessSettingsInvalid(problems);
        }

        var view = defaults.View;
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await store.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE wellness_defaults SET blur_strength = @blur, colour_mode = @colour, video_muted = @muted, video_paused = @paused, " +
            "playback_speed_percent = @speed, daily_reveal_budget = @budget, updated_at = @now WHERE id = 1",
            new
            {
                blur = view.BlurStrength,
                colour = view.Colour.Name(),
                muted = view.VideoMuted,
                paused = view.VideoPaused,
                speed = view.PlaybackSpeedPercent,
                budget = defaults.DailyRevealBudget,
                now = store.NowUnixMilliseconds,
            },
            transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        AuditContext.Actor = actor.AuditName;
        await AuditLog.AppendAsync(store, connection, transaction, "wellness.defaults_changed", "wellness:defaults", Details(view, defaults.DailyRevealBudget), cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return defaults;
    }

    /// <summary>A person's own choices (all inherited when they made none).</summary>
    public async Task<PersonSettings> GetPersonAsync(string person, CancellationToken cancellationToken = default)
    {
        var row = await ReadAsync(person, cancellationToken).ConfigureAwait(false);
        return row.Person();
    }

    /// <summary>
    /// Stores a person's own choices (null fields inherit): the person themselves, or an admin. Refused whole when a set
    /// field is out of range. The person's reveal budget is kept (a lead sets it with <see cref="SetRevealBudgetAsync"/>).
    /// </summary>
    public async Task<Result<EffectiveSettings, WellnessError>> SetPersonAsync(Actor actor, string person, PersonSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(settings);
        if (string.IsNullOrWhiteSpace(person))
        {
            return new WellnessRequestInvalid("The person's name is empty.");
        }

        if (!string.Equals(actor.Name, person, StringComparison.Ordinal) && !actor.Role.MayAdminister())
        {
            return new WellnessNotPermitted("People change their own view settings; only an admin may change someone else's.");
        }

        if (settings.Problems() is { Count: > 0 } problems)
        {
            return new WellnessSettingsInvalid(problems);
        }

        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await store.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO wellness_person_settings (person, blur_strength, colour_mode, video_muted, video_paused, playback_speed_percent, daily_reveal_budget, updated_at) " +
            "VALUES (@person, @blur, @colour, @muted, @paused, @speed, NULL, @now) " +
            "ON CONFLICT (person) DO UPDATE SET blur_strength = excluded.blur_strength, colour_mode = excluded.colour_mode, " +
            "video_muted = excluded.video_muted, video_paused = excluded.video_paused, playback_speed_percent = excluded.playback_speed_percent, updated_at = excluded.updated_at",
            new
            {
                person,
                blur = settings.BlurStrength,
                colour = settings.Colour?.Name(),
                muted = settings.VideoMuted,
                paused = settings.VideoPaused,
                speed = settings.PlaybackSpeedPercent,
                now = store.NowUnixMilliseconds,
            },
            transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        AuditContext.Actor = actor.AuditName;
        await AuditLog.AppendAsync(store, connection, transaction, "wellness.settings_changed", "person:" + person, new
        {
            blurStrength = settings.BlurStrength,
            colourMode = settings.Colour?.Name(),
            videoMuted = settings.VideoMuted,
            videoPaused = settings.VideoPaused,
            playbackSpeedPercent = settings.PlaybackSpeedPercent,
        }, cancellationToken).ConfigureAwait(false);
        var effective = (await ReadAsync(connection, transaction, person, lockDefaults: false, cancellationToken).ConfigureAwait(false)).Effective(person);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return effective;
    }

    /// <summary>
    /// Sets a person's daily reveal budget (null: back to the organisation's): leads and admins only, audited. This is how
    /// a person refused over budget gets more reveals for the day.
    /// </summary>
    public async Task<Result<EffectiveSettings, WellnessError>> SetRevealBudgetAsync(Actor actor, string person, int? budget, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (string.IsNullOrWhiteSpace(person))
        {
            return new WellnessRequestInvalid("The person's name is empty.");
        }

        if (!actor.Role.MayLead())
        {
            return new WellnessNotPermitted("Only a lead or an admin may set a person's reveal budget.");
        }

        if (budget is { } value && OrganisationDefaults.BudgetProblem(value) is { } problem)
        {
            return new WellnessSettingsInvalid([problem]);
        }

        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await store.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO wellness_person_settings (person, daily_reveal_budget, updated_at) VALUES (@person, @budget, @now) " +
            "ON CONFLICT (person) DO UPDATE SET daily_reveal_budget = excluded.daily_reveal_budget, updated_at = excluded.updated_at",
            new { person, budget, now = store.NowUnixMilliseconds }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        AuditContext.Actor = actor.AuditName;
        await AuditLog.AppendAsync(store, connection, transaction, "wellness.budget_changed", "person:" + person, new { dailyRevealBudget = budget }, cancellationToken).ConfigureAwait(false);
        var effective = (await ReadAsync(connection, transaction, person, lockDefaults: false, cancellationToken).ConfigureAwait(false)).Effective(person);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return effective;
    }

    /// <summary>What applies to <paramref name="person"/> now: their choices over the defaults, and their budget.</summary>
    public async Task<EffectiveSettings> EffectiveAsync(string person, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(person);
        var row = await ReadAsync(person, cancellationToken).ConfigureAwait(false);
        return row.Effective(person);
    }

    /// <summary>
    /// As <see cref="EffectiveAsync(string, CancellationToken)"/> in the caller's transaction. With
    /// <paramref name="lockDefaults"/> the defaults row is locked (PostgreSQL), which orders every writer that depends on
    /// the budget: two reveals never both take the last one.
    /// </summary>
    internal static async Task<EffectiveSettings> EffectiveAsync(HavenStore store, DbConnection connection, DbTransaction transaction, string person, bool lockDefaults, CancellationToken cancellationToken)
    {
        var row = await ReadAsync(connection, transaction, person, lockDefaults ? SqlDialect.ForUpdate(store.Provider) : string.Empty, cancellationToken).ConfigureAwait(false);
        return row.Effective(person);
    }

    private async Task<SettingsRow> ReadAsync(string person, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await ReadAsync(connection, null, person, string.Empty, cancellationToken).ConfigureAwait(false);
    }

    private Task<SettingsRow> ReadAsync(DbConnection connection, DbTransaction transaction, string person, bool lockDefaults, CancellationToken cancellationToken) =>
        ReadAsync(connection, transaction, person, lockDefaults ? SqlDialect.ForUpdate(store.Provider) : string.Empty, cancellationToken);

    private static async Task<SettingsRow> ReadAsync(DbConnection connection, DbTransaction? transaction, string person, string forUpdate, CancellationToken cancellationToken) =>
        // PostgreSQL refuses FOR UPDATE on the nullable side of an outer join: lock the defaults row only.
        await connection.QuerySingleAsync<SettingsRow>(new CommandDefinition(
            EffectiveSql + (forUpdate.Length == 0 ? string.Empty : forUpdate + " OF d"), new { person }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);

    private static object Details(ViewSettings view, int budget) => new
    {
        blurStrength = view.BlurStrength,
        colourMode = view.Colour.Name(),
        videoMuted = view.VideoMuted,
        videoPaused = view.VideoPaused,
        playbackSpeedPercent = view.PlaybackSpeedPercent,
        dailyRevealBudget = budget,
    };

    /// <summary>The defaults row and the person's row side by side (Dapper converts SQLite's 0/1 to the booleans).</summary>
    private sealed class SettingsRow
    {
        public int DefaultBlur { get; set; }

        public string DefaultColour { get; set; } = string.Empty;

        public bool DefaultMuted { get; set; }

        public bool DefaultPaused { get; set; }

        public int DefaultSpeed { get; set; }

        public int DefaultBudget { get; set; }

        public int? Blur { get; set; }

        public string? Colour { get; set; }

        public bool? Muted { get; set; }

        public bool? Paused { get; set; }

        public int? Speed { get; set; }

        public int? Budget { get; set; }

        public OrganisationDefaults Defaults() => new(new ViewSettings(DefaultBlur, ParseColour(DefaultColour) ?? ColourMode.Greyscale, DefaultMuted, DefaultPaused, DefaultSpeed), DefaultBudget);

        public PersonSettings Person() => new(Blur, ParseColour(Colour), Muted, Paused, Speed);

        public EffectiveSettings Effective(string person) => new(person, Person().Over(Defaults().View), Budget ?? DefaultBudget, Budget is not null);

        // A value the code does not know (a hand-edited row) falls back to the safest mode.
        private static ColourMode? ParseColour(string? name) => name is null ? null : ColourModes.TryParse(name, out var mode) ? mode : ColourMode.Greyscale;
    }
}
