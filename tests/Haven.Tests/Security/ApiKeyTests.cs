using System.Security.Cryptography;
using System.Text;
using Dapper;
using Haven.Security;
using Haven.Storage;
using Haven.Tests.Storage;

namespace Haven.Tests.Security;

public abstract class ApiKeyTests : StoreSuite
{
    private ApiKeyService Keys => new(Store);

    [StoreFact]
    public async Task Create_returns_the_key_once_and_stores_only_its_sha256()
    {
        var created = (await Keys.CreateAsync("platform-a", ["events:write", "media:match"])).Value;

        Assert.StartsWith("hvn_", created.PlaintextKey);
        Assert.Equal(4 + 43, created.PlaintextKey.Length); // 32 bytes in unpadded base64url
        Assert.DoesNotContain(created.PlaintextKey, created.ToString());
        await using var connection = await Store.OpenConnectionAsync();
        var rows = (await connection.QueryAsync("SELECT * FROM api_keys")).Cast<IDictionary<string, object>>().ToList();
        var row = Assert.Single(rows);
        var expectedHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(created.PlaintextKey)));
        Assert.Equal(expectedHash, row["key_hash"]);
        var secret = created.PlaintextKey["hvn_".Length..];
        Assert.All(row.Values, v => Assert.DoesNotContain(secret, v?.ToString() ?? string.Empty, StringComparison.Ordinal));
        Assert.DoesNotContain(Logs.Messages, m => m.Contains(secret, StringComparison.Ordinal));
    }

    [StoreFact]
    public async Task Find_matches_only_the_exact_active_key()
    {
        var a = (await Keys.CreateAsync("a", ["media:match"])).Value;
        var b = (await Keys.CreateAsync("b", [])).Value;

        var found = await Keys.FindActiveAsync(a.PlaintextKey);

        Assert.NotNull(found);
        Assert.Equal((a.Info.Id, "a"), (found.Id, found.Name));
        Assert.True(found.HasScope("media:match"));
        Assert.False(found.HasScope("events:write"));
        Assert.Equal(b.Info.Id, (await Keys.FindActiveAsync(b.PlaintextKey))!.Id);
        Assert.Null(await Keys.FindActiveAsync(a.PlaintextKey[..^1] + (a.PlaintextKey[^1] == 'A' ? 'B' : 'A')));
        Assert.Null(await Keys.FindActiveAsync(a.PlaintextKey["hvn_".Length..]));
        Assert.Null(await Keys.FindActiveAsync(""));
        Assert.Null(await Keys.FindActiveAsync(null));
    }

    [StoreFact]
    public async Task Revoke_stops_the_key_and_list_shows_no_secrets()
    {
        var a = (await Keys.CreateAsync("a", ["x"])).Value;
        var b = (await Keys.CreateAsync("b", ["y"])).Value;
        Time.Advance(TimeSpan.FromMinutes(5));

        var revoked = await Keys.RevokeAsync(a.Info.Id);
        Time.Advance(TimeSpan.FromMinutes(5));
        var again = await Keys.RevokeAsync(a.Info.Id);

        Assert.Equal(Time.GetUtcNow() - TimeSpan.FromMinutes(5), revoked.Value.RevokedAt);
        Assert.Equal(revoked.Value.RevokedAt, again.Value.RevokedAt);
        Assert.Null(await Keys.FindActiveAsync(a.PlaintextKey));
        Assert.NotNull(await Keys.FindActiveAsync(b.PlaintextKey));
        Assert.IsType<ApiKeyNotFound>((await Keys.RevokeAsync(424242)).Error);
        var list = await Keys.ListAsync();
        Assert.Equal(["b", "a"], list.Select(k => k.Name));
        Assert.Equal([true, false], list.Select(k => k.IsActive));
    }

    [StoreFact]
    public async Task Create_refuses_bad_names_and_scopes()
    {
        Assert.IsType<ApiKeyRequestInvalid>((await Keys.CreateAsync("", [])).Error);
        Assert.IsType<ApiKeyRequestInvalid>((await Keys.CreateAsync(new string('n', 129), [])).Error);
        Assert.IsType<ApiKeyRequestInvalid>((await Keys.CreateAsync("ok", ["Bad Scope"])).Error);
        Assert.Empty(await Keys.ListAsync());
    }
}

public sealed class SqliteApiKeyTests : ApiKeyTests
{
    internal override StoreProvider Provider => StoreProvider.Sqlite;
}

[PostgresSuite]
public sealed class PostgresApiKeyTests : ApiKeyTests
{
    internal override StoreProvider Provider => StoreProvider.Postgres;
}
