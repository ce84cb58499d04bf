namespace Haven.Enforcement;

/// <summary>
/// The platform actions and the actions that undo them (docs/enforcement.md, "Reverse actions"). An overturned appeal
/// enqueues the reverse of every action its decision put in force; the status fold lifts the action it reverses.
/// </summary>
internal static class ReverseActions
{
    /// <summary>Takes content down.</summary>
    public const string RemoveContent = "remove_content";

    /// <summary>Suspends an account permanently.</summary>
    public const string SuspendAccount = "suspend_account";

    /// <summary>Limits an account short of suspension.</summary>
    public const string RestrictAccount = "restrict_account";

    /// <summary>Closes a community.</summary>
    public const string CloseCommunity = "close_community";

    /// <summary>Puts removed content back (the reverse of <see cref="RemoveContent"/>).</summary>
    public const string RestoreContent = "restore_content";

    /// <summary>Lifts a suspension (the reverse of <see cref="SuspendAccount"/>).</summary>
    public const string UnsuspendAccount = "unsuspend_account";

    /// <summary>Lifts a restriction (the reverse of <see cref="RestrictAccount"/>).</summary>
    public const string UnrestrictAccount = "unrestrict_account";

    /// <summary>Reopens a closed community (the reverse of <see cref="CloseCommunity"/>).</summary>
    public const string ReopenCommunity = "reopen_community";

    private static readonly Dictionary<string, string> ReverseOf = new(StringComparer.Ordinal)
    {
        [RemoveContent] = RestoreContent,
        [SuspendAccount] = UnsuspendAccount,
        [RestrictAccount] = UnrestrictAccount,
        [CloseCommunity] = ReopenCommunity,
    };

    private static readonly Dictionary<string, string> LiftedBy = ReverseOf.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

    /// <summary>Every reverse action kind.</summary>
    public static IReadOnlyCollection<string> All => LiftedBy.Keys;

    /// <summary>The action that undoes <paramref name="action"/>, or null when it has none (review actions, reverse actions).</summary>
    public static string? Reverse(string action) => ReverseOf.GetValueOrDefault(action);

    /// <summary>The action that <paramref name="reverse"/> lifts, or null when it is no reverse action.</summary>
    public static string? Lifts(string reverse) => LiftedBy.GetValueOrDefault(reverse);
}
