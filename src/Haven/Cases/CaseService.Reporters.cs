using System.Security.Cryptography;
using System.Text;
using Dapper;
using Haven.Audit;
using Haven.People;
using Haven.Storage;

namespace Haven.Cases;

/// <summary>Reporters whose reports are repeatedly dismissed, and muting them (leads only).</summary>
internal sealed partial class CaseService
{
    /// <summary>
    /// Reporters with at least <see cref="CaseSettings.MuteThreshold"/> reports in dismissed cases, and every muted
    /// reporter, most dismissed first. Reporter ids are for leads' eyes only: never logged or audited.
    /// </summary>
    public async Task<Result<IReadOnlyList<ReporterStanding>, CaseError>> ReportersAsync(Actor actor, CancellationToken cancellationToken = default)
    {
        if (!actor.Role.MayLead())
        {
            return new CaseRoleTooLow(PersonRole.Lead.Name(), "Reporter standings");
        }

        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var dismissed = (await connection.QueryAsync<(string Reporter, long Count)>(new CommandDefinition(
            "SELECT i.reporter, COUNT(*) FROM case_items i JOIN cases c ON c.case_id = i.case_id WHERE i.reporter IS NOT NULL AND c.outcome = 'dismissed' GROUP BY i.reporter",
            cancellationToken: cancellationToken)).ConfigureAwait(false)).ToDictionary(r => r.Reporter, r => r.Count, StringComparer.Ordinal);
        var muted = (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT reporter FROM muted_reporters", cancellationToken: cancellationToken)).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
        return dismissed.Where(d => d.Value >= settings.MuteThreshold).Select(d => d.Key).Union(muted)
            .Select(r => new ReporterStanding(r, dismissed.GetValueOrDefault(r), muted.Contains(r)))
            .OrderByDescending(r => r.DismissedReports).ThenBy(r => r.Reporter, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>A lead mutes a reporter: their later reports are recorded but open no case. True when newly muted.</summary>
    public Task<Result<bool, CaseError>> MuteReporterAsync(Actor actor, string reporter, CancellationToken cancellationToken = default) =>
        SetMutedAsync(actor, reporter, true, cancellationToken);

    /// <summary>A lead unmutes a reporter. True when they were muted.</summary>
    public Task<Result<bool, CaseError>> UnmuteReporterAsync(Actor actor, string reporter, CancellationToken cancellationToken = default) =>
        SetMutedAsync(actor, reporter, false, cancellationToken);

    /// <summary>
    /// The audit target of a reporter: a digest, so the audit log shows that the same reporter was muted and unmuted
    /// without holding their id.
    /// </summary>
    public static string ReporterReference(string reporter) =>
        "reporter:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("reporter\0" + reporter)))[..16];

    private async Task<Result<bool, CaseError>> SetMutedAsync(Actor actor, string reporter, bool mute, CancellationToken cancellationToken)
    {
        if (!actor.Role.MayLead())
        {
            return new CaseRoleTooLow(PersonRole.Lead.Name(), "Muting a reporter");
        }

        if (string.IsNullOrWhiteSpace(reporter) || reporter.Length > 256)
        {
            return new CaseRequestInvalid("a reporter id has 1–256 characters.");
        }

        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await store.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var changed = await connection.ExecuteAsync(new CommandDefinition(
            mute
                ? "INSERT INTO muted_reporters (reporter, muted_by, muted_at) VALUES (@reporter, @by, @now) ON CONFLICT (reporter) DO NOTHING"
                : "DELETE FROM muted_reporters WHERE reporter = @reporter",
            new { reporter, by = actor.AuditName, now = store.NowUnixMilliseconds }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false) == 1;
        if (changed)
        {
            var previous = AuditContext.Actor;
            AuditContext.Actor = actor.AuditName;
            try
            {
                await AuditLog.AppendAsync(store, connection, transaction, mute ? "reporter.muted" : "reporter.unmuted", ReporterReference(reporter), new { }, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                AuditContext.Actor = previous;
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return changed;
    }
}
