namespace Haven.Policy;

/// <summary>
/// The safety invariant of DESIGN §3.5/§6: signals other than a bank match (text, counters, reports) queue for human
/// review and never act on the platform by themselves.
/// </summary>
/// <remarks>
/// Precisely: a rule may list an action for which <see cref="RequiresBankMatch"/> is true only when its condition
/// cannot hold while every <c>bankMatch</c> leaf is false. Every other leaf is treated as a free variable, independent
/// of the others, so the check over-approximates "can hold": it may refuse a rule whose non-bank leaves happen to
/// contradict each other, but never accepts a rule that could fire without a bank match. <c>not bankMatch</c> counts
/// as not requiring one, since it holds exactly when there is no match.
/// </remarks>
internal static class PolicySafety
{
    /// <summary>
    /// Actions that change the platform or name a person to authorities, and so need a known-imagery bank match:
    /// remove_content, suspend_account, restrict_account, close_community, queue_mandatory_report.
    /// Allowed without one: queue_review, open_case, escalate (they only put humans in the loop).
    /// </summary>
    public static bool RequiresBankMatch(PolicyActionKind kind) => kind is not (PolicyActionKind.QueueReview or PolicyActionKind.OpenCase or PolicyActionKind.Escalate);

    /// <summary>True when <paramref name="condition"/> can hold with every bankMatch leaf false.</summary>
    public static bool CanHoldWithoutBankMatch(PolicyCondition condition) => Reach(condition).CanBeTrue;

    // (CanBeTrue, CanBeFalse) with bank leaves fixed false and other leaves free; exact for formulas in which each
    // leaf appears once, conservative (more "can") otherwise.
    private static (bool CanBeTrue, bool CanBeFalse) Reach(PolicyCondition condition) => condition switch
    {
        BankMatchCondition => (false, true),
        AllCondition all => (all.Children.All(c => Reach(c).CanBeTrue), all.Children.Any(c => Reach(c).CanBeFalse)),
        AnyCondition any => (any.Children.Any(c => Reach(c).CanBeTrue), any.Children.All(c => Reach(c).CanBeFalse)),
        NotCondition not => Swap(Reach(not.Child)),
        TextCondition or CounterCondition or ReportsCondition => (true, true),
        _ => throw new InvalidOperationException($"Unknown condition {condition.GetType().Name}."),
    };

    private static (bool, bool) Swap((bool CanBeTrue, bool CanBeFalse) reach) => (reach.CanBeFalse, reach.CanBeTrue);
}
