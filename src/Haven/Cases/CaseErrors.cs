namespace Haven.Cases;

/// <summary>Expected failures of case operations, returned as values; each has a stable <see cref="Code"/> (ProblemDetails, CLI).</summary>
internal abstract record CaseError(string Code, string Message)
{
    /// <inheritdoc />
    public sealed override string ToString() => Message;
}

/// <summary>No case has this id.</summary>
internal sealed record CaseNotFound(long CaseId) : CaseError("case_not_found", $"Case {CaseId} does not exist.");

/// <summary>The case is closed; a lead may reopen it.</summary>
internal sealed record CaseClosed(long CaseId) : CaseError("case_closed", $"Case {CaseId} is closed.");

/// <summary>The case is open already (reopen), or the subject already has an open case (reopen, open by hand).</summary>
internal sealed record CaseAlreadyOpen(long CaseId) : CaseError("case_already_open", $"Case {CaseId} is already open for this subject.");

/// <summary>Someone else holds the case until <see cref="Until"/> (null: an assignment or a hold, until released).</summary>
internal sealed record CaseClaimedByOther(long CaseId, string Holder, DateTimeOffset? Until)
    : CaseError("case_claimed", Until is { } until
        ? $"Case {CaseId} is claimed by {Holder} until {until:yyyy-MM-ddTHH:mm:ssZ}."
        : $"Case {CaseId} is held by {Holder}.");

/// <summary>The person's role is too low for what they tried.</summary>
internal sealed record CaseRoleTooLow(string Needed, string What) : CaseError("role_too_low", $"{What} needs the role {Needed} or above.");

/// <summary>The action is not allowed here (unknown action, one not applicable to the subject, a bad reason or category).</summary>
internal sealed record CaseActionNotAllowed(string Reason) : CaseError("action_not_allowed", Reason);

/// <summary>The form was made from an older version of the case (a stale page or a second submission): nothing changed.</summary>
internal sealed record CaseVersionConflict(long CaseId, long Expected, long Actual)
    : CaseError("case_version_conflict", $"Case {CaseId} changed since it was read (version {Expected}, now {Actual}); nothing was changed. Reload it.");

/// <summary>A request that is malformed (bad filter, bad cursor, empty subject).</summary>
internal sealed record CaseRequestInvalid(string Reason) : CaseError("case_request_invalid", Reason);
