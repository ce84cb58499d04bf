using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Haven.Audit;
using Haven.Storage;
using Microsoft.Extensions.Logging;

namespace Haven.Security;

/// <summary>An API key as stored: never the key itself, only its SHA-256.</summary>
/// <param name="Id">Store id.</param>
/// <param name="Name">Operator's label (e.g. the platform it was issued to).</param>
/// <param name="Scopes">Granted scopes.</param>
/// <param name="CreatedAt">When it was issued.</param>
/// <param name="RevokedAt">When it was revoked, or null while active.</param>
internal sealed record ApiKeyInfo(long Id, string Name, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt, int? RateLimitPerMinute = null)
{
    /// <summary>True until revoked.</summary>
    public bool IsActive => RevokedAt is null;

    /// <summary>True when the key grants <paramref name="scope"/>.</summary>
    public bool HasScope(string scope) => Scopes.Contains(scope, StringComparer.Ordinal);
}

/// <summary>A freshly issued key. <see cref="PlaintextKey"/> exists only here: show it once, it cannot be recovered.</summary>
internal sealed record CreatedApiKey(ApiKeyInfo Info, string PlaintextKey)
{
    // Keeps the secret out of logs and debugger summaries that print records.
    public override string ToString() => $"CreatedApiKey {{ Id = {Info.Id}, Name = {Info.Name} }}";
}

/// <summary>Expected failures of API key operations.</summary>
internal abstract record ApiKeyError(string Message)
{
    public sealed override string ToString() => Message;
}

/// <summary>No key has this id.</summary>
internal sealed record ApiKeyNotFound(long Id) : ApiKeyError($"API key {Id} does not exist.");

/// <summary>Name or scopes are unusable.</summary>
internal sealed record ApiKeyRequestInvalid(string Reason) : ApiKeyError(Reason);

/// <summary>
/// Issues, finds and revokes API keys. A key is <c>hvn_</c> + 32 random bytes in base64url (256 bits); only its
/// SHA-256 (hex) is stored. A fast unsalted hash is enough for 256-bit random secrets: there is nothing to brute-force,
/// and it lets a presented key be found by an indexed equality lookup.
/// </summary>
internal sealed class ApiKeyService
{
    /// <summary>Prefix of every key, so leaked keys are recognisable by secret scanners.</summary>
    public const string Prefix = "hvn_";

    private const int SecretBytes = 32;
    private const int MaxNameLength = 128;

    private readonly HavenStore _store;
    private readonly ILogger _logger;

    /// <summary>Creates the service over an open store.</summary>
    public ApiKeyService(HavenStore store)
    {
        _store = store;
        _logger = store.LoggerFactory.CreateLogger<ApiKeyService>();
    }

    /// <summary>Issues a key. Scopes are 1–64 characters of <c>[a-z0-9:._-]</c> each.</summary>
    public Task<Result<CreatedApiKey, ApiKeyError>> CreateAsync(string name, IReadOnlyList<string> scopes, CancellationToken cancellationToken = default) =>
        CreateAsync(name, scopes, rateLimitPerMinute: null, cancellationToken);

    /// <summary>
    /// Creates a key with its own request budget (<paramref name="rateLimitPerMinute"/>; null uses the server's default).
    /// The plaintext is returned once and never stored.
    /// </summary>
    public async Task<Result<CreatedApiKey, ApiKeyError>> CreateAsync(string name, IReadOnlyList<string> scopes, int? rateLimitPerMinute, CancellationToken cancellationToken = default)
    {
        if (rateLimitPerMinute is < 1 or > 1_000_000)
        {
            return new ApiKeyRequestInvalid("A rate limit is 1–1,000,000 requests per minute.");
        }

        name = name?.Trim() ?? string.Empty;
        if (name.Length is 0 or > MaxNameLength)
        {
            return new ApiKeyRequestInvalid($"An API key name is 1-{MaxNameLength} characters.");
        }

        ArgumentNullException.ThrowIfNull(scopes);
        var cleanScopes = scopes.Select(s => s.Trim()).Where(s => s.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        if (cleanScopes.FirstOrDefault(s => !IsValidScope(s)) is { } badScope)
        {
            return new ApiKeyRequestInvalid($"Scope '{badScope}' is invalid: a scope is 1-64 characters of a-z, 0-9, ':', '.', '_' or '-'.");
        }

        Span<byte> secret = stackalloc byte[SecretBytes];
        RandomNumberGenerator.Fill(secret);
        var key = Prefix + Base64Url.EncodeToString(secret);
        CryptographicOperations.ZeroMemory(secret);

        var createdAt = _store.NowUnixMilliseconds;
        await using var connection = await _store.OpenConnectionAsync(cancellationToken);
        await using var transaction = await _store.BeginWriteAsync(connection, cancellationToken);
        var id = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "INSERT INTO api_keys (name, key_hash, scopes, created_at, rate_limit_per_minute) VALUES (@name, @keyHash, @scopes, @createdAt, @rateLimitPerMinute) RETURNING id",
            new { name, keyHash = HashKey(key), scopes = string.Join(' ', cleanScopes), createdAt, rateLimitPerMinute },
            transaction,
            cancellationToken: cancellationToken));
        await AuditLog.AppendAsync(_store, connection, transaction, "apikey.created", $"apikey:{id}", new { id, name, scopes = cleanScopes, rateLimitPerMinute }, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        ApiKeyLog.Created(_logger, id, cleanScopes.Count);
        return new CreatedApiKey(new ApiKeyInfo(id, name, cleanScopes, DateTimeOffset.FromUnixTimeMilliseconds(createdAt), null, rateLimitPerMinute), key);
    }

    /// <summary>
    /// The active key matching <paramref name="presentedKey"/>, or null (unknown, malformed or revoked). The lookup is by
    /// the key's hash; the stored hash is compared again in constant time so timing never depends on how much of it matched.
    /// </summary>
    public async Task<ApiKeyInfo?> FindActiveAsync(string? presentedKey, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(presentedKey) || !presentedKey.StartsWith(Prefix, StringComparison.Ordinal) || presentedKey.Length > 256)
        {
            return null;
        }

        var hash = HashKey(presentedKey);
        await using var connection = await _store.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<KeyRow>(new CommandDefinition(
            KeyRow.Select + " WHERE key_hash = @hash", new { hash }, cancellationToken: cancellationToken));
        if (row is null || row.RevokedAt is not null ||
            !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(row.KeyHash), Encoding.ASCII.GetBytes(hash)))
        {
            return null;
        }

        return row.ToInfo();
    }

    /// <summary>Every key, newest first, without secrets.</summary>
    public async Task<IReadOnlyList<ApiKeyInfo>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _store.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<KeyRow>(new CommandDefinition(KeyRow.Select + " ORDER BY id DESC", cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToInfo())];
    }

    /// <summary>Revokes a key; revoking an already revoked key keeps its first revocation time.</summary>
    public async Task<Result<ApiKeyInfo, ApiKeyError>> RevokeAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var connection = await _store.OpenConnectionAsync(cancellationToken);
        await using var transaction = await _store.BeginWriteAsync(connection, cancellationToken);
        var changed = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE api_keys SET revoked_at = @now WHERE id = @id AND revoked_at IS NULL",
            new { id, now = _store.NowUnixMilliseconds },
            transaction,
            cancellationToken: cancellationToken));
        var row = await connection.QuerySingleOrDefaultAsync<KeyRow>(new CommandDefinition(
            KeyRow.Select + " WHERE id = @id", new { id }, transaction, cancellationToken: cancellationToken));
        if (row is null)
        {
            return new ApiKeyNotFound(id);
        }

        if (changed > 0)
        {
            await AuditLog.AppendAsync(_store, connection, transaction, "apikey.revoked", $"apikey:{id}", new { id }, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);

        ApiKeyLog.Revoked(_logger, id);
        return row.ToInfo();
    }

    /// <summary>Lower-case hex SHA-256 of the key's UTF-8 bytes: the only form stored.</summary>
    internal static string HashKey(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static bool IsValidScope(string scope) =>
        scope.Length <= 64 && scope.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is ':' or '.' or '_' or '-');

    private sealed class KeyRow
    {
        public const string Select = "SELECT id AS Id, name AS Name, key_hash AS KeyHash, scopes AS Scopes, created_at AS CreatedAt, revoked_at AS RevokedAt, rate_limit_per_minute AS RateLimitPerMinute FROM api_keys";

        public long Id { get; set; }

        public string Name { get; set; } = string.Empty;

        public string KeyHash { get; set; } = string.Empty;

        public string Scopes { get; set; } = string.Empty;

        public long CreatedAt { get; set; }

        public long? RevokedAt { get; set; }

        public int? RateLimitPerMinute { get; set; }

        public ApiKeyInfo ToInfo() => new(
            Id,
            Name,
            Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries),
            DateTimeOffset.FromUnixTimeMilliseconds(CreatedAt),
            RevokedAt is { } revoked ? DateTimeOffset.FromUnixTimeMilliseconds(revoked) : null,
            RateLimitPerMinute);
    }
}

/// <summary>API key log messages; event ids 1200–1299. Ids only, never key material.</summary>
internal static partial class ApiKeyLog
{
    [LoggerMessage(EventId = 1200, Level = LogLevel.Information, Message = "API key {KeyId} created with {ScopeCount} scopes")]
    public static partial void Created(ILogger logger, long keyId, int scopeCount);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "API key {KeyId} revoked")]
    public static partial void Revoked(ILogger logger, long keyId);
}
