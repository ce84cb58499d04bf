namespace Haven.People;

/// <summary>
/// What a person signed in to the review console may do. Roles are ordered: each may do what the ones before it may
/// (a lead may do what a specialist may), so a check is "at least this role". API keys are for machines and carry
/// scopes instead (<see cref="Haven.Security.ApiScopes"/>).
/// </summary>
internal enum PersonRole
{
    /// <summary>Reads cases and their timelines; never sees media, not even blurred.</summary>
    Viewer = 0,

    /// <summary>Works the review queue: claims, confirms, dismisses and escalates cases without media; sees media only blurred.</summary>
    Reviewer = 1,

    /// <summary>Child-safety specialist: works media cases, may reveal media one item at a time, prepares mandatory reports, decides appeals.</summary>
    Specialist = 2,

    /// <summary>Assigns and reassigns, closes and reopens, decides appeals, sees quality figures and reviewers' exposure.</summary>
    Lead = 3,

    /// <summary>Manages people, policy, banks and keys (and may do everything a lead may).</summary>
    Admin = 4,
}

/// <summary>A person acting in the console or through a CLI command run on their behalf.</summary>
/// <param name="Name">The person's user name, as stored (<c>haven user create NAME</c>).</param>
/// <param name="Role">The role they hold now.</param>
internal sealed record Actor(string Name, PersonRole Role)
{
    /// <summary>The audit log's actor for this person: <c>person:NAME</c>.</summary>
    public string AuditName => "person:" + Name;

    /// <summary>True when the person's role is <paramref name="role"/> or above.</summary>
    public bool AtLeast(PersonRole role) => Role >= role;
}

/// <summary>Role names as written in commands, claims and the store (lower case).</summary>
internal static class PersonRoles
{
    /// <summary>Every role, lowest first.</summary>
    public static IReadOnlyList<PersonRole> All { get; } = [PersonRole.Viewer, PersonRole.Reviewer, PersonRole.Specialist, PersonRole.Lead, PersonRole.Admin];

    /// <summary>The name of <paramref name="role"/>: <c>viewer</c>, <c>reviewer</c>, <c>specialist</c>, <c>lead</c> or <c>admin</c>.</summary>
    public static string Name(this PersonRole role) => role switch
    {
        PersonRole.Viewer => "viewer",
        PersonRole.Reviewer => "reviewer",
        PersonRole.Specialist => "specialist",
        PersonRole.Lead => "lead",
        PersonRole.Admin => "admin",
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    /// <summary>Parses a role name (exact, lower case); false for anything else.</summary>
    public static bool TryParse(string? name, out PersonRole role)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(candidate.Name(), name, StringComparison.Ordinal))
            {
                role = candidate;
                return true;
            }
        }

        role = default;
        return false;
    }

    /// <summary>May see blurred media previews (reviewer and above; a viewer never sees media).</summary>
    public static bool MaySeePreviews(this PersonRole role) => role >= PersonRole.Reviewer;

    /// <summary>May reveal media, one item at a time, audited and within the daily budget (specialist and above).</summary>
    public static bool MayReveal(this PersonRole role) => role >= PersonRole.Specialist;

    /// <summary>May decide cases (confirm, dismiss, escalate): reviewer and above; cases in the specialist queue need a specialist.</summary>
    public static bool MayDecide(this PersonRole role) => role >= PersonRole.Reviewer;

    /// <summary>May assign, reassign, close and reopen cases and decide appeals: lead and above. Specialists decide appeals too.</summary>
    public static bool MayLead(this PersonRole role) => role >= PersonRole.Lead;

    /// <summary>May manage people, organisation defaults, policy, banks and keys.</summary>
    public static bool MayAdminister(this PersonRole role) => role >= PersonRole.Admin;
}
