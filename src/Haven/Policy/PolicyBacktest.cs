using Dapper;
using Haven.Storage;

namespace Haven.Policy;

/// <summary>How one rule of the candidate policy fares on the recorded signal sets.</summary>
/// <param name="NewSubjects">Subjects it fires on that have no recorded decision at all.</param>
internal sealed record BacktestRule(string RuleId, string Mode, long Subjects, long NewSubjects);

/// <summary>How often one action is decided now and would be decided by the candidate (subjects, any mode).</summary>
internal sealed record BacktestAction(string Action, long Now, long Candidate)
{
    public long Change => Candidate - Now;
}

/// <summary>
/// A backtest's outcome: per rule, per action, and which subjects would gain or lose actions (counts, and the first few
/// ids); and what people said of each rule's recorded decisions (<see cref="Labels"/>: confirmed, dismissed as false
/// positives, appeals upheld and overturned).
/// </summary>
internal sealed record BacktestReport(
    string CandidateVersion,
    IReadOnlyList<string> RecordedVersions,
    long SignalSets,
    long SubjectsEvaluated,
    IReadOnlyList<BacktestRule> Rules,
    IReadOnlyList<BacktestAction> Actions,
    long GainedCount,
    long LostCount,
    IReadOnlyList<string> Gained,
    IReadOnlyList<string> Lost,
    IReadOnlyList<RuleLabelCounts> Labels);

/// <summary>
/// <c>haven policy backtest</c>: replays every signal set the processor recorded (the exact input each decision was
/// made from, in log order) through a candidate policy and compares what it would decide with the decision log. The
/// signals are replayed, not recomputed: a changed bank or lexicon needs the events processed again.
/// </summary>
internal static class PolicyBacktest
{
    private static readonly System.Text.Json.JsonSerializerOptions Json = new(System.Text.Json.JsonSerializerDefaults.Web);

    /// <summary>Runs the candidate over the recorded signal sets, reporting progress as (sets done, total).</summary>
    public static async Task<BacktestReport> RunAsync(HavenStore store, PolicyEngine candidate, IProgress<(long Done, long Total)>? progress = null, int examples = 20, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await store.BeginSnapshotReadAsync(connection, cancellationToken).ConfigureAwait(false);
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM signal_sets", transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);

        var now = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var versions = new SortedSet<string>(StringComparer.Ordinal);
        var decisions = await connection.QueryAsync<(string Kind, string Id, string Actions, string Version)>(new CommandDefinition(
            "SELECT subject_kind, subject_id, actions, policy_version FROM decisions ORDER BY n", transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        foreach (var d in decisions)
        {
            versions.Add(d.Version);
            var decided = System.Text.Json.JsonSerializer.Deserialize<List<DecidedAction>>(d.Actions, Json) ?? [];
            Get(now, $"{d.Kind}:{d.Id}").UnionWith(decided.Select(a => a.Action));
        }

        var candidateActions = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var ruleSubjects = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var evaluated = new HashSet<string>(StringComparer.Ordinal);
        long done = 0;
        const int Page = 5000;
        long after = 0;
        while (true)
        {
            var page = (await connection.QueryAsync<(long Id, string Body)>(new CommandDefinition(
                "SELECT id, body FROM signal_sets WHERE id > @after ORDER BY id LIMIT @Page", new { after, Page }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
            if (page.Count == 0)
            {
                break;
            }

            foreach (var (id, body) in page)
            {
                after = id;
                if (!SignalSetFile.Parse(body).TryGetValue(out var sets, out _))
                {
                    continue;
                }

                foreach (var set in sets)
                {
                    var subject = $"{DecisionLog.KindName(set.SubjectKind)}:{set.SubjectId}";
                    evaluated.Add(subject);
                    foreach (var decision in candidate.Evaluate(set))
                    {
                        Get(ruleSubjects, decision.RuleId).Add(subject);
                        Get(candidateActions, subject).UnionWith(decision.Actions.Select(a => a.Name));
                    }
                }
            }

            done += page.Count;
            progress?.Report((done, total));
        }

        var rules = candidate.Policy.Rules
            .Select(r => new BacktestRule(r.Id, candidate.ModeOf(r).Name(), ruleSubjects.GetValueOrDefault(r.Id)?.Count ?? 0, ruleSubjects.GetValueOrDefault(r.Id)?.Count(s => !now.ContainsKey(s)) ?? 0))
            .ToList();
        var actions = PolicyNames.ActionNames
            .Select(a => new BacktestAction(a, now.Values.Count(s => s.Contains(a)), candidateActions.Values.Count(s => s.Contains(a))))
            .ToList();
        var gained = candidateActions.Where(c => !now.TryGetValue(c.Key, out var before) || !c.Value.IsSubsetOf(before)).Select(c => c.Key).Order(StringComparer.Ordinal).ToList();
        var lost = now.Where(n => !candidateActions.TryGetValue(n.Key, out var after) || !n.Value.IsSubsetOf(after)).Select(n => n.Key).Order(StringComparer.Ordinal).ToList();
        var labels = await RuleLabels.CountsAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        return new BacktestReport(candidate.Version, [.. versions], done, evaluated.Count, rules, actions, gained.Count, lost.Count, [.. gained.Take(examples)], [.. lost.Take(examples)], labels);
    }

    private static HashSet<string> Get(Dictionary<string, HashSet<string>> map, string key)
    {
        if (!map.TryGetValue(key, out var set))
        {
            set = new HashSet<string>(StringComparer.Ordinal);
            map[key] = set;
        }

        return set;
    }
}
