namespace Haven.Policy;

/// <summary>
/// Evaluates a validated policy against signal sets. Immutable after load and pure: the same policy and signals give
/// the same decisions, in rule order, so it can be shared between threads and replayed in a backtest.
/// </summary>
/// <remarks>
/// Effective mode: shadow wins. A decision is <see cref="PolicyMode.Shadow"/> when the policy's mode is shadow, the
/// rule's own mode is shadow, or the engine was made with <see cref="AsShadow"/>. So one switch (the top-level mode)
/// puts a whole policy in shadow, and a rule can be shadowed inside an enforcing policy while it is measured.
/// </remarks>
internal sealed class PolicyEngine
{
    // Lexicon weights are single-precision; a 0.9 weight read as double is 0.89999998, which must still reach 0.9.
    private const double WeightTolerance = 1e-6;

    private readonly bool _forceShadow;

    /// <summary>Only <see cref="PolicyLoader"/> builds engines, so every engine holds a validated policy.</summary>
    internal PolicyEngine(PolicyDocument policy, bool forceShadow = false)
    {
        Policy = policy;
        _forceShadow = forceShadow;
    }

    /// <summary>The policy this engine evaluates.</summary>
    public PolicyDocument Policy { get; }

    /// <summary>The policy's version, recorded on every decision.</summary>
    public string Version => Policy.Version;

    /// <summary>An engine over the same policy whose every decision is shadow (e.g. <c>haven policy test --shadow</c>).</summary>
    public PolicyEngine AsShadow() => new(Policy, forceShadow: true);

    /// <summary>The effective mode of a rule (see remarks on the class).</summary>
    public PolicyMode ModeOf(PolicyRule rule) =>
        _forceShadow || Policy.Mode == PolicyMode.Shadow || rule.Mode == PolicyMode.Shadow ? PolicyMode.Shadow : PolicyMode.Enforce;

    /// <summary>Every rule that fires for <paramref name="signals"/>, in rule order; empty when none does.</summary>
    public IReadOnlyList<PolicyDecision> Evaluate(SignalSet signals)
    {
        ArgumentNullException.ThrowIfNull(signals);
        var decisions = new List<PolicyDecision>();
        var evidence = new List<PolicyEvidence>();
        foreach (var rule in Policy.Rules)
        {
            evidence.Clear();
            if (Holds(rule.When, signals, evidence))
            {
                decisions.Add(new PolicyDecision(rule.Id, Policy.Version, ModeOf(rule), signals.SubjectKind, signals.SubjectId, rule.Actions, evidence.ToArray()));
            }
        }

        return decisions;
    }

    /// <summary>Whether a condition holds. Exposed for tests of composition; evidence may be null.</summary>
    internal static bool Holds(PolicyCondition condition, SignalSet signals, List<PolicyEvidence>? evidence)
    {
        switch (condition)
        {
            case AllCondition all:
                {
                    // No short-circuit: evidence then lists every leaf that held, not only the first.
                    var mark = evidence?.Count ?? 0;
                    var holds = true;
                    foreach (var child in all.Children)
                    {
                        holds &= Holds(child, signals, evidence);
                    }

                    Rollback(evidence, mark, holds);
                    return holds;
                }

            case AnyCondition any:
                {
                    var holds = false;
                    foreach (var child in any.Children)
                    {
                        var mark = evidence?.Count ?? 0;
                        var childHolds = Holds(child, signals, evidence);
                        Rollback(evidence, mark, childHolds);
                        holds |= childHolds;
                    }

                    return holds;
                }

            case NotCondition not:
                {
                    // A 'not' holds by absence; what its child matched is not evidence for the rule.
                    var holds = !Holds(not.Child, signals, null);
                    return holds;
                }

            case BankMatchCondition bank:
                {
                    var matches = signals.BankMatches.Where(m => BankFilter(bank, m)).ToArray();
                    if (matches.Length == 0)
                    {
                        return false;
                    }

                    evidence?.Add(new BankMatchEvidence(bank.Path, matches));
                    return true;
                }

            case TextCondition text:
                {
                    var hits = signals.TextHits.Where(h => text.Categories is null || text.Categories.Contains(h.Category)).ToArray();
                    var total = 0.0;
                    foreach (var hit in hits)
                    {
                        total += hit.Weight;
                    }

                    if (hits.Length == 0 || total + WeightTolerance < text.MinWeight)
                    {
                        return false;
                    }

                    evidence?.Add(new TextEvidence(text.Path, hits, total, text.MinWeight));
                    return true;
                }

            case CounterCondition counter:
                {
                    var value = signals.Counters.TryGetValue(counter.Name, out var found) ? found : 0;
                    if (value < counter.AtLeast)
                    {
                        return false;
                    }

                    evidence?.Add(new CounterEvidence(counter.Path, counter.Name, value, counter.AtLeast));
                    return true;
                }

            case ReportsCondition reports:
                {
                    var counted = signals.Reports.Where(r => reports.Reasons is null || reports.Reasons.Contains(r.Reason)).ToArray();
                    if (counted.Length < reports.AtLeast)
                    {
                        return false;
                    }

                    var reasons = counted.Select(r => r.Reason).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
                    evidence?.Add(new ReportsEvidence(reports.Path, counted.Length, reports.AtLeast, reasons));
                    return true;
                }

            default:
                throw new InvalidOperationException($"Unknown condition {condition.GetType().Name}.");
        }
    }

    private static bool BankFilter(BankMatchCondition bank, BankMatchSignal match) =>
        (bank.Categories is null || (match.Category is { } category && bank.Categories.Contains(category))) &&
        (bank.Banks is null || bank.Banks.Contains(match.Bank)) &&
        (bank.SignalTypes is null || bank.SignalTypes.Contains(match.SignalType)) &&
        (bank.MaxDistance is null || match.Distance <= bank.MaxDistance);

    private static void Rollback(List<PolicyEvidence>? evidence, int mark, bool keep)
    {
        if (evidence is not null && !keep)
        {
            evidence.RemoveRange(mark, evidence.Count - mark);
        }
    }
}
