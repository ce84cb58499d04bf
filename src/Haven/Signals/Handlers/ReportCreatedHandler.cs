using Haven.Cases;
using Haven.Events;
using Haven.Policy;

namespace Haven.Signals.Handlers;

/// <summary><c>report.created</c>: the report is recorded (subject and reason only) and its subject re-evaluated with every report on it.</summary>
internal sealed class ReportCreatedHandler : IEventHandler
{
    public static ReportCreatedHandler Instance { get; } = new();

    public Work Read(StoredEvent e) => new(e, this) { Report = EventFields.ReadReport(e) };

    public string? ReferencedPost(Work work) => work.Report is { SubjectKind: ReportSubjects.Post, SubjectId: var subject } ? subject : null;

    public async Task HandleAsync(BatchState state, Work work, CancellationToken cancellationToken)
    {
        var e = work.Event;
        var report = work.Report!;
        await state.Rows.InsertReportAsync(e.Seq, report, e.OccurredAt.ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
        state.Stats = state.Stats with { Reports = state.Stats.Reports + 1 };

        // Every report opens or joins its subject's case; the event's actor is the reporter (kept in the store only).
        await CaseIntake.FromReportAsync(state.Decisions.Store, state.Rows.Connection, state.Rows.Transaction, e.Seq, e.Actor, report.SubjectKind, report.SubjectId, report.Reason, cancellationToken, state.Decisions.Cases).ConfigureAwait(false);
        var reports = await state.Rows.ReportsAsync(report.SubjectKind, report.SubjectId, cancellationToken).ConfigureAwait(false);
        if (report.SubjectKind == ReportSubjects.Account)
        {
            await state.Decisions.DecideAccountAsync(state, e, report.SubjectId, [], cancellationToken).ConfigureAwait(false);
        }
        else if (report.SubjectKind == ReportSubjects.Post)
        {
            // The post's latest signals (bank matches, text hits) plus every report on it so far.
            var previous = await state.Rows.LatestContentSignalsAsync(report.SubjectId, cancellationToken).ConfigureAwait(false);
            var set = new SignalSet(SubjectKind.Content, report.SubjectId, previous?.BankMatches, previous?.TextHits, previous?.Counters, reports);
            var post = state.Find(report.SubjectId);
            await state.Decisions.DecideAsync(state, set, new DecisionContext(e.Seq, e.OccurredAt, post?.Author ?? string.Empty, post?.Community), cancellationToken).ConfigureAwait(false);
        }
    }
}
