using System.Security.Cryptography;
using Dapper;
using Haven.Audit;
using Haven.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Haven.People;

/// <summary>A person who may sign in to the review console, as stored (never the password, only its hash).</summary>
/// <param name="Name">User name: 1–64 of <c>a-z 0-9 . _ -</c>, starting with a letter or digit.</param>
/// <param name="Role">Their role.</param>
/// <param name="MustChangePassword">True after a one-time password was issued, until they set their own.</param>
/// <param name="Disabled">True when they may no longer sign in.</param>
/// <param name="LockedUntil">When a lockout after repeated failures ends, or null.</param>
/// <param name="SecurityStamp">Changes whenever the password, role or disabled flag changes; sessions carry it and end when it no longer matches.</param>
/// <param name="CreatedAt">When they were created.</param>
/// <param name="LastSignInAt">Their last successful sign-in, or null.</param>
internal sealed record Person(string Name, PersonRole Role, bool MustChangePassword, bool Disabled, DateTimeOffset? LockedUntil, string SecurityStamp, DateTimeOffset CreatedAt, DateTimeOffset? LastSignInAt)
{
    /// <summary>The person as an actor.</summary>
    public Actor ToActor() => new(Name, Role);
}

/// <summary>A person just created or whose password was reset, with the one-time password to hand over, if one was generated.</summary>
internal sealed record IssuedPerson(Person Person, string? OneTimePassword)
{
    // Keeps the password out of anything that prints records.
    public override string ToString() => $"IssuedPerson {{ Name = {Person.Name} }}";
}

/// <summary>Expected failures of people management and sign-in.</summary>
internal abstract record PeopleError(string Code, string Message)
{
    public sealed override string ToString() => Message;
}

/// <summary>No such person.</summary>
internal sealed record PersonNotFound(string Name) : PeopleError("person_not_found", $"No person is named '{Name}'.");

/// <summary>The name is taken.</summary>
internal sealed record PersonExists(string Name) : PeopleError("person_exists", $"A person named '{Name}' exists already.");

/// <summary>A name, role or password that cannot be used.</summary>
internal sealed record PersonRequestInvalid(string Reason) : PeopleError("invalid_request", Reason);

/// <summary>
/// The name or password is wrong, the person is disabled, or they are locked out. One error for all of them, so a
/// sign-in page tells a stranger nothing about which names exist.
/// </summary>
internal sealed record SignInRefused() : PeopleError("sign_in_refused", "The name or password is wrong, or the account is locked or disabled. Ask a lead if you are locked out.");

/// <summary>How sign-in is protected against guessing.</summary>
/// <param name="MaxFailedAttempts">Failures in a row before the person is locked out.</param>
/// <param name="Lockout">How long a lockout lasts.</param>
internal sealed record SignInSettings(int MaxFailedAttempts, TimeSpan Lockout)
{
    /// <summary>Five failures lock the account for fifteen minutes.</summary>
    public static SignInSettings Default { get; } = new(5, TimeSpan.FromMinutes(15));
}

/// <summary>
/// People who work in the review console (<c>haven user …</c>, sign-in). Passwords are hashed by ASP.NET Core
/// Identity's <see cref="PasswordHasher{TUser}"/> (PBKDF2-HMAC-SHA512, 100,000 iterations, per-password salt, a
/// versioned format it rehashes when its defaults rise). Every change is audited in its transaction; a failed sign-in
/// of a known person counts towards a lockout and is audited, one of an unknown name is only counted.
/// </summary>
internal sealed class PeopleService(HavenStore store, SignInSettings? settings = null)
{
    /// <summary>Shortest password a person may choose.</summary>
    public const int MinPasswordLength = 12;

    /// <summary>Longest password accepted (hashing a megabyte on every attempt would be an easy denial of service).</summary>
    public const int MaxPasswordLength = 256;

    private const string Columns = "name AS Name, role AS Role, must_change_password AS MustChangePassword, disabled AS Disabled, locked_until AS LockedUntil, " +
        "security_stamp AS SecurityStamp, created_at AS CreatedAt, last_sign_in_at AS LastSignInAt, password_hash AS PasswordHash, failed_attempts AS FailedAttempts";

    private static readonly PasswordHasher<string> Hasher = new(Options.Create(new PasswordHasherOptions()));

    // Verified when the name is unknown, so an unknown name costs the same time as a wrong password.
    private static readonly Lazy<string> DummyHash = new(() => Hasher.HashPassword(string.Empty, RandomPassword()));

    private readonly SignInSettings _settings = settings ?? SignInSettings.Default;

    /// <summary>Checks a user name: 1–64 characters of <c>a-z 0-9 . _ -</c>, beginning with a letter or digit.</summary>
    public static string? NameProblem(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 64)
        {
            return "A name has 1 to 64 characters.";
        }

        if (!char.IsAsciiLetterLower(name[0]) && !char.IsAsciiDigit(name[0]))
        {
            return "A name begins with a lower-case letter or a digit.";
        }

        return name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-')
            ? null
            : "A name uses only lower-case letters, digits, '.', '_' and '-'.";
    }

    /// <summary>Checks a password a person chose.</summary>
    public static string? PasswordProblem(string? password)
    {
        if (password is null || password.Length < MinPasswordLength)
        {
            return $"A password has at least {MinPasswordLength} characters.";
        }

        if (password.Length > MaxPasswordLength)
        {
            return $"A password has at most {MaxPasswordLength} characters.";
        }

        return password.Any(char.IsControl) ? "A password holds no control characters." : null;
    }

    /// <summary>
    /// Creates a person. With <paramref name="password"/> null a one-time password is generated and returned (shown
    /// once, never stored in clear); the person must choose their own at first sign-in.
    /// </summary>
    public async Task<Result<IssuedPerson, PeopleError>> CreateAsync(string name, PersonRole role, string? password, CancellationToken cancellationToken = default)
    {
        if (NameProblem(name) is { } nameProblem)
        {
            return new PersonRequestInvalid(nameProblem);
        }

        if (password is not null && PasswordProblem(password) is { } passwordProblem)
        {
            return new PersonRequestInvalid(passwordProblem);
        }

        var oneTime = password is null ? RandomPassword() : null;
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await store.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        if (await ReadAsync(connection, transaction, name, cancellationToken).ConfigureAwait(false) is not null)
        {
            return new PersonExists(name);
        }

        var now = store.NowUnixMilliseconds;
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO users (name, role, password_hash, must_change_password, disabled, failed_attempts, locked_until, security_stamp, created_at, updated_at, last_sign_in_at) " +
            "VALUES (@name, @role, @hash, @mustChange, @disabled, 0, NULL, @stamp, @now, @now, NULL)",
            new { name, role = role.Name(), hash = Hasher.HashPassword(name, password ?? oneTime!), mustChange = oneTime is not null, disabled = false, stamp = NewStamp(), now },
            transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await AuditLog.AppendAsync(store, connection, transaction, "person.created", "person:" + name, new { role = role.Name(), oneTimePassword = oneTime is not null }, cancellationToken).ConfigureAwait(false);
        var created = (await ReadAsync(connection, transaction, name, cancellationToken).ConfigureAwait(false))!.ToPerson();
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new IssuedPerson(created, oneTime);
    }

    /// <summary>Everyone, by name.</summary>
    public async Task<IReadOnlyList<Person>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition($"SELECT {Columns} FROM users ORDER BY name", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToPerson())];
    }

    /// <summary>The person named <paramref name="name"/>, or null.</summary>
    public async Task<Person?> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return (await ReadAsync(connection, null, name, cancellationToken).ConfigureAwait(false))?.ToPerson();
    }

    /// <summary>The person as an actor when they exist and are not disabled; null otherwise (an unknown or disabled name may not act).</summary>
    public async Task<Actor?> FindActiveAsync(string name, CancellationToken cancellationToken = default)
    {
        var person = await GetAsync(name, cancellationToken).ConfigureAwait(false);
        return person is { Disabled: false } ? person.ToActor() : null;
    }

    /// <summary>Disables (or enables again) a person; their sessions end at their next request.</summary>
    public Task<Result<Person, PeopleError>> SetDisabledAsync(string name, bool disabled, CancellationToken cancellationToken = default) =>
        UpdateAsync(name, disabled ? "person.disabled" : "person.enabled", new { },
            "UPDATE users SET disabled = @disabled, security_stamp = @stamp, updated_at = @now WHERE name = @name", new { disabled, stamp = NewStamp() }, cancellationToken);

    /// <summary>Gives a person another role; their sessions end at their next request and they sign in again with the new role.</summary>
    public Task<Result<Person, PeopleError>> SetRoleAsync(string name, PersonRole role, CancellationToken cancellationToken = default) =>
        UpdateAsync(name, "person.role_changed", new { role = role.Name() },
            "UPDATE users SET role = @role, security_stamp = @stamp, updated_at = @now WHERE name = @name", new { role = role.Name(), stamp = NewStamp() }, cancellationToken);

    /// <summary>
    /// Resets a person's password (to <paramref name="password"/>, or to a generated one-time password that must be
    /// changed at the next sign-in), clears a lockout and ends their sessions.
    /// </summary>
    public async Task<Result<IssuedPerson, PeopleError>> ResetPasswordAsync(string name, string? password, CancellationToken cancellationToken = default)
    {
        if (password is not null && PasswordProblem(password) is { } problem)
        {
            return new PersonRequestInvalid(problem);
        }

        var oneTime = password is null ? RandomPassword() : null;
        var updated = await UpdateAsync(name, "person.password_reset", new { oneTimePassword = oneTime is not null },
            "UPDATE users SET password_hash = @hash, must_change_password = @mustChange, failed_attempts = 0, locked_until = NULL, security_stamp = @stamp, updated_at = @now WHERE name = @name",
            new { hash = Hasher.HashPassword(name, password ?? oneTime!), mustChange = oneTime is not null, stamp = NewStamp() }, cancellationToken).ConfigureAwait(false);
        return updated.TryGetValue(out var person, out var error) ? new IssuedPerson(person, oneTime) : error!;
    }

    /// <summary>
    /// Checks a name and password. Success resets the failure count; a failure counts towards a lockout of
    /// <see cref="SignInSettings.Lockout"/> after <see cref="SignInSettings.MaxFailedAttempts"/> in a row. Disabled and
    /// locked people are refused even with the right password, with the same error as a wrong one.
    /// </summary>
    public async Task<Result<Person, PeopleError>> SignInAsync(string name, string password, CancellationToken cancellationToken = default)
    {
        if (NameProblem(name) is not null || password.Length > MaxPasswordLength)
        {
            Hasher.VerifyHashedPassword(string.Empty, DummyHash.Value, password.Length > MaxPasswordLength ? string.Empty : password);
            return new SignInRefused();
        }

        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await store.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var row = await ReadAsync(connection, transaction, name, cancellationToken).ConfigureAwait(false);
        if (row is null)
        {
            Hasher.VerifyHashedPassword(string.Empty, DummyHash.Value, password);
            return new SignInRefused();
        }

        var now = store.NowUnixMilliseconds;
        var verdict = Hasher.VerifyHashedPassword(name, row.PasswordHash, password);
        var locked = row.LockedUntil is { } until && until > now;
        if (verdict == PasswordVerificationResult.Failed || row.Disabled || locked)
        {
            if (!row.Disabled && !locked && verdict == PasswordVerificationResult.Failed)
            {
                var failures = row.FailedAttempts + 1;
                var lockNow = failures >= _settings.MaxFailedAttempts;
                await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE users SET failed_attempts = @failures, locked_until = @lockedUntil WHERE name = @name",
                    new { failures = lockNow ? 0 : failures, lockedUntil = lockNow ? now + (long)_settings.Lockout.TotalMilliseconds : (long?)null, name },
                    transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                await AuditLog.AppendAsync(store, connection, transaction, lockNow ? "person.locked_out" : "person.sign_in_failed", "person:" + name, new { failures }, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            return new SignInRefused();
        }

        var rehash = verdict == PasswordVerificationResult.SuccessRehashNeeded ? Hasher.HashPassword(name, password) : row.PasswordHash;
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE users SET failed_attempts = 0, locked_until = NULL, last_sign_in_at = @now, password_hash = @rehash WHERE name = @name",
            new { now, rehash, name }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await AuditLog.AppendAsync(store, connection, transaction, "person.signed_in", "person:" + name, new { }, cancellationToken).ConfigureAwait(false);
        var person = (await ReadAsync(connection, transaction, name, cancellationToken).ConfigureAwait(false))!.ToPerson();
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return person;
    }

    /// <summary>A person chooses a new password, proving the current one; clears "must change" and ends their other sessions.</summary>
    public async Task<Result<Person, PeopleError>> ChangePasswordAsync(string name, string current, string replacement, CancellationToken cancellationToken = default)
    {
        if (PasswordProblem(replacement) is { } problem)
        {
            return new PersonRequestInvalid(problem);
        }

        if (string.Equals(current, replacement, StringComparison.Ordinal))
        {
            return new PersonRequestInvalid("The new password must differ from the current one.");
        }

        var checkedIn = await SignInAsync(name, current, cancellationToken).ConfigureAwait(false);
        if (!checkedIn.IsSuccess)
        {
            return checkedIn.Error;
        }

        return await UpdateAsync(name, "person.password_changed", new { },
            "UPDATE users SET password_hash = @hash, must_change_password = @mustChange, security_stamp = @stamp, updated_at = @now WHERE name = @name",
            new { hash = Hasher.HashPassword(name, replacement), mustChange = false, stamp = NewStamp() }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A generated password: 20 characters from an unambiguous alphabet (about 100 bits).</summary>
    public static string RandomPassword()
    {
        const string Alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
        return RandomNumberGenerator.GetString(Alphabet, 20);
    }

    private static string NewStamp() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private async Task<Result<Person, PeopleError>> UpdateAsync(string name, string auditAction, object auditDetails, string sql, object values, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await store.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var parameters = new DynamicParameters(values);
        parameters.Add("name", name);
        parameters.Add("now", store.NowUnixMilliseconds);
        var changed = await connection.ExecuteAsync(new CommandDefinition(sql, parameters, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (changed == 0)
        {
            return new PersonNotFound(name);
        }

        await AuditLog.AppendAsync(store, connection, transaction, auditAction, "person:" + name, auditDetails, cancellationToken).ConfigureAwait(false);
        var person = (await ReadAsync(connection, transaction, name, cancellationToken).ConfigureAwait(false))!.ToPerson();
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return person;
    }

    private static Task<Row?> ReadAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction? transaction, string name, CancellationToken cancellationToken) =>
        connection.QueryFirstOrDefaultAsync<Row>(new CommandDefinition($"SELECT {Columns} FROM users WHERE name = @name", new { name }, transaction, cancellationToken: cancellationToken));

    // A class with setters, not a positional record: Dapper then converts SQLite's 0/1 integers to bool per property.
    private sealed class Row
    {
        public string Name { get; set; } = string.Empty;

        public string Role { get; set; } = string.Empty;

        public bool MustChangePassword { get; set; }

        public bool Disabled { get; set; }

        public long? LockedUntil { get; set; }

        public string SecurityStamp { get; set; } = string.Empty;

        public long CreatedAt { get; set; }

        public long? LastSignInAt { get; set; }

        public string PasswordHash { get; set; } = string.Empty;

        public long FailedAttempts { get; set; }

        public Person ToPerson() => new(
            Name,
            PersonRoles.TryParse(Role, out var role) ? role : throw new InvalidOperationException($"Stored role '{Role}' is unknown."),
            MustChangePassword,
            Disabled,
            LockedUntil is { } locked ? DateTimeOffset.FromUnixTimeMilliseconds(locked) : null,
            SecurityStamp,
            DateTimeOffset.FromUnixTimeMilliseconds(CreatedAt),
            LastSignInAt is { } last ? DateTimeOffset.FromUnixTimeMilliseconds(last) : null);
    }
}
