using System.Text.Json.Serialization;
using Haven.Banks;

namespace Haven.Policy;

/// <summary>Whether a decision is carried out (<see cref="Enforce"/>) or only decided and recorded (<see cref="Shadow"/>).</summary>
internal enum PolicyMode
{
    /// <summary>Decide, record and act through the platform.</summary>
    Enforce,

    /// <summary>Decide and record; act not. Used to measure a rule before it is trusted.</summary>
    Shadow,
}

/// <summary>What a rule asks for. Names in the file are snake_case (docs/policy.md).</summary>
internal enum PolicyActionKind
{
    /// <summary><c>remove_content</c>: take the content down.</summary>
    RemoveContent,

    /// <summary><c>suspend_account</c>: permanent suspension.</summary>
    SuspendAccount,

    /// <summary><c>restrict_account</c>: limit reach or posting, short of suspension.</summary>
    RestrictAccount,

    /// <summary><c>close_community</c>: close the community the content was posted in.</summary>
    CloseCommunity,

    /// <summary><c>open_case</c>: open (or add to) a case about the subject.</summary>
    OpenCase,

    /// <summary><c>queue_review</c>: put the subject in front of a human reviewer.</summary>
    QueueReview,

    /// <summary><c>escalate</c>: send to a child-safety specialist or lead.</summary>
    Escalate,

    /// <summary><c>queue_mandatory_report</c>: prepare a mandatory report (NCMEC CyberTipline, NCA).</summary>
    QueueMandatoryReport,
}

/// <summary>How soon an action should be worked. Ordered: a larger value is more urgent.</summary>
internal enum ActionPriority
{
    /// <summary><c>low</c>.</summary>
    Low,

    /// <summary><c>normal</c>, the default.</summary>
    Normal,

    /// <summary><c>high</c>.</summary>
    High,

    /// <summary><c>urgent</c>.</summary>
    Urgent,
}

/// <summary>Names of actions, modes and priorities as written in policy files.</summary>
internal static class PolicyNames
{
    private static readonly (string Name, PolicyActionKind Kind)[] Actions =
    [
        ("remove_content", PolicyActionKind.RemoveContent),
        ("suspend_account", PolicyActionKind.SuspendAccount),
        ("restrict_account", PolicyActionKind.RestrictAccount),
        ("close_community", PolicyActionKind.CloseCommunity),
        ("open_case", PolicyActionKind.OpenCase),
        ("queue_review", PolicyActionKind.QueueReview),
        ("escalate", PolicyActionKind.Escalate),
        ("queue_mandatory_report", PolicyActionKind.QueueMandatoryReport),
    ];

    /// <summary>Every action name, in documentation order.</summary>
    public static IReadOnlyList<string> ActionNames { get; } = Actions.Select(a => a.Name).ToArray();

    /// <summary>The file name of an action.</summary>
    public static string Name(this PolicyActionKind kind) => Actions.First(a => a.Kind == kind).Name;

    /// <summary>The file name of a mode.</summary>
    public static string Name(this PolicyMode mode) => mode == PolicyMode.Shadow ? "shadow" : "enforce";

    /// <summary>The file name of a priority.</summary>
    public static string Name(this ActionPriority priority) => priority switch
    {
        ActionPriority.Low => "low",
        ActionPriority.High => "high",
        ActionPriority.Urgent => "urgent",
        _ => "normal",
    };

    /// <summary>Parses an action name (exact, lower case).</summary>
    public static bool TryParseAction(string name, out PolicyActionKind kind)
    {
        foreach (var (n, k) in Actions)
        {
            if (n == name)
            {
                kind = k;
                return true;
            }
        }

        kind = default;
        return false;
    }

    /// <summary>Parses <c>enforce</c> or <c>shadow</c>.</summary>
    public static bool TryParseMode(string name, out PolicyMode mode)
    {
        mode = name == "shadow" ? PolicyMode.Shadow : PolicyMode.Enforce;
        return name is "enforce" or "shadow";
    }

    /// <summary>Parses <c>low</c>, <c>normal</c>, <c>high</c> or <c>urgent</c>.</summary>
    public static bool TryParsePriority(string name, out ActionPriority priority)
    {
        priority = name switch
        {
            "low" => ActionPriority.Low,
            "high" => ActionPriority.High,
            "urgent" => ActionPriority.Urgent,
            _ => ActionPriority.Normal,
        };
        return name is "low" or "normal" or "high" or "urgent";
    }
}

/// <summary>One action of a rule, with the priority its queue item gets.</summary>
internal sealed record PolicyAction(PolicyActionKind Kind, ActionPriority Priority = ActionPriority.Normal)
{
    /// <summary>The action's file name, e.g. <c>remove_content</c>.</summary>
    [JsonIgnore]
    public string Name => Kind.Name();

    public override string ToString() => Priority == ActionPriority.Normal ? Name : $"{Name} ({Priority.Name()})";
}

/// <summary>
/// A condition over a <see cref="SignalSet"/>. <see cref="Path"/> is where it sits in the policy file
/// (e.g. <c>$.rules[0].when.all[1]</c>); evidence names leaves by it.
/// </summary>
internal abstract record PolicyCondition(string Path);

/// <summary><c>all</c>: every child holds.</summary>
internal sealed record AllCondition(string Path, IReadOnlyList<PolicyCondition> Children) : PolicyCondition(Path);

/// <summary><c>any</c>: at least one child holds.</summary>
internal sealed record AnyCondition(string Path, IReadOnlyList<PolicyCondition> Children) : PolicyCondition(Path);

/// <summary><c>not</c>: the child does not hold.</summary>
internal sealed record NotCondition(string Path, PolicyCondition Child) : PolicyCondition(Path);

/// <summary>
/// <c>bankMatch</c>: at least one bank match passes every given filter. A null filter matches anything.
/// MD5 and SHA-256 matches are exact and carry distance 0.
/// </summary>
internal sealed record BankMatchCondition(
    string Path,
    IReadOnlySet<string>? Categories,
    IReadOnlySet<string>? Banks,
    int? MaxDistance,
    IReadOnlySet<SignalType>? SignalTypes) : PolicyCondition(Path);

/// <summary><c>text</c>: at least one hit in the categories (any, when null) and the hits' weights sum to at least <see cref="MinWeight"/>.</summary>
internal sealed record TextCondition(string Path, IReadOnlySet<string>? Categories, double MinWeight) : PolicyCondition(Path);

/// <summary><c>counter</c>: the account counter (absent counts as 0) is at least <see cref="AtLeast"/>.</summary>
internal sealed record CounterCondition(string Path, string Name, long AtLeast) : PolicyCondition(Path);

/// <summary><c>reports</c>: at least <see cref="AtLeast"/> reports, counting only the given reasons when set.</summary>
internal sealed record ReportsCondition(string Path, long AtLeast, IReadOnlySet<string>? Reasons) : PolicyCondition(Path);

/// <summary>One rule: when the condition holds, the actions are decided.</summary>
/// <param name="Mode">Per-rule mode; null inherits the policy's. Shadow wins: see <see cref="PolicyEngine"/>.</param>
internal sealed record PolicyRule(string Id, string Description, PolicyCondition When, IReadOnlyList<PolicyAction> Actions, PolicyMode? Mode, int Line);

/// <summary>A validated policy: version, mode and rules in file order.</summary>
internal sealed record PolicyDocument(string Version, PolicyMode Mode, IReadOnlyList<PolicyRule> Rules);

/// <summary>One problem in a policy file: where (JSON path and, when known, 1-based line) and what.</summary>
internal sealed record PolicyError(string Path, int? Line, string Message)
{
    public override string ToString() => Line is { } line ? $"line {line}: {Path}: {Message}" : $"{Path}: {Message}";
}

/// <summary>A policy file refused as a whole; <see cref="Errors"/> holds every problem found, in file order.</summary>
internal sealed record PolicyInvalid(IReadOnlyList<PolicyError> Errors)
{
    /// <summary>One line for logs and CLI headers.</summary>
    [JsonIgnore]
    public string Message => Errors.Count == 1 ? "the policy has 1 error" : $"the policy has {Errors.Count} errors";

    public override string ToString() => Message + Environment.NewLine + string.Join(Environment.NewLine, Errors);
}
