using System.Text.Json.Serialization;

namespace Haven.Policy;

/// <summary>
/// One rule that fired for one subject: what it decided, under which policy version and mode, and the evidence —
/// the leaves that held, with ids, categories and numbers only (never content, text or hashes; DESIGN §6).
/// </summary>
/// <param name="Mode">The effective mode: <see cref="PolicyMode.Shadow"/> means record, do not act.</param>
internal sealed record PolicyDecision(
    string RuleId,
    string PolicyVersion,
    PolicyMode Mode,
    SubjectKind SubjectKind,
    string SubjectId,
    IReadOnlyList<PolicyAction> Actions,
    IReadOnlyList<PolicyEvidence> Evidence)
{
    /// <summary>True when the decision has <paramref name="kind"/> among its actions.</summary>
    public bool Has(PolicyActionKind kind) => Actions.Any(a => a.Kind == kind);
}

/// <summary>A leaf of the rule's condition that held; <see cref="Leaf"/> is its JSON path in the policy file.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(BankMatchEvidence), "bankMatch")]
[JsonDerivedType(typeof(TextEvidence), "text")]
[JsonDerivedType(typeof(CounterEvidence), "counter")]
[JsonDerivedType(typeof(ReportsEvidence), "reports")]
internal abstract record PolicyEvidence(string Leaf)
{
    /// <summary>One line for tables and logs (ids, categories and numbers only).</summary>
    [JsonIgnore]
    public abstract string Summary { get; }
}

/// <summary>The bank matches that passed a bankMatch leaf's filters.</summary>
internal sealed record BankMatchEvidence(string Leaf, IReadOnlyList<BankMatchSignal> Matches) : PolicyEvidence(Leaf)
{
    /// <inheritdoc />
    public override string Summary => "bank match " + string.Join(", ", Matches.Select(m => $"{m.Bank}/{m.Category ?? "-"} {Banks.SignalTypes.Name(m.SignalType)} d={m.Distance}"));
}

/// <summary>The lexicon hits counted by a text leaf, their weight sum and the threshold.</summary>
internal sealed record TextEvidence(string Leaf, IReadOnlyList<TextHitSignal> Hits, double TotalWeight, double MinWeight) : PolicyEvidence(Leaf)
{
    /// <inheritdoc />
    public override string Summary => $"text weight {TotalWeight:0.###} ≥ {MinWeight:0.###}: " + string.Join(", ", Hits.Select(h => $"{h.Category}#{h.EntryId}"));
}

/// <summary>A counter's value and the threshold it reached.</summary>
internal sealed record CounterEvidence(string Leaf, string Name, long Value, long AtLeast) : PolicyEvidence(Leaf)
{
    /// <inheritdoc />
    public override string Summary => $"counter {Name} = {Value} ≥ {AtLeast}";
}

/// <summary>How many reports counted and with which reasons (never who reported).</summary>
internal sealed record ReportsEvidence(string Leaf, long Count, long AtLeast, IReadOnlyList<string> Reasons) : PolicyEvidence(Leaf)
{
    /// <inheritdoc />
    public override string Summary => $"reports {Count} ≥ {AtLeast} ({string.Join(", ", Reasons)})";
}
