namespace Haven.Security;

/// <summary>
/// What an API key may do. Each /v1 endpoint names the one scope it needs; <see cref="Admin"/> allows everything.
/// </summary>
internal static class ApiScopes
{
    /// <summary>Send platform events (<c>POST /v1/events</c>).</summary>
    public const string Ingest = "ingest";

    /// <summary>Match media and look up hashes.</summary>
    public const string Match = "match";

    /// <summary>Read banks, cases and reports.</summary>
    public const string Read = "read";

    /// <summary>Decide cases on behalf of a named reviewer (<c>POST /v1/cases/{id}/decision</c>), for platforms that build their own review UI.</summary>
    public const string Review = "review";

    /// <summary>Change configuration: banks, imports, keys. Implies every other scope.</summary>
    public const string Admin = "admin";

    /// <summary>Every scope, for keys created without a choice.</summary>
    public static IReadOnlyList<string> All { get; } = [Ingest, Match, Read, Review, Admin];

    /// <summary>True when <paramref name="key"/> holds <paramref name="scope"/> or <see cref="Admin"/>.</summary>
    public static bool Allows(this ApiKeyInfo key, string scope) => key.HasScope(scope) || key.HasScope(Admin);
}
