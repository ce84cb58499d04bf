using Dapper;
using Haven.Audit;
using Haven.Banks;
using Haven.Security;
using Haven.Storage;
using Haven.Tests.Storage;

namespace Haven.Tests.Audit;

public abstract class AuditLogTests : StoreSuite
{
    private AuditLog Log => new(Store);

    [StoreFact]
    public async Task Appends_chain_each_entry_to_the_previous_and_verify_holds()
    {
        for (var i = 0; i < 5; i++)
        {
            await Log.AppendAsync("test.appended", $"thing:{i}", new { i });
            Time.Advance(TimeSpan.FromSeconds(1));
        }

        var entries = await Log.ReadAsync();
        Assert.Equal([1L, 2, 3, 4, 5], entries.Select(e => e.Seq));
        Assert.Equal(AuditLog.Genesis, entries[0].PrevHash);
        for (var i = 1; i < entries.Count; i++)
        {
            Assert.Equal(entries[i - 1].Hash, entries[i].PrevHash);
        }

        var verified = await Log.VerifyAsync();
        Assert.True(verified.Intact, verified.Problem);
        Assert.Equal(5, verified.Entries);
        Assert.Equal(entries[^1].Hash, verified.HeadHash);
    }

    [StoreFact]
    public async Task Bank_and_key_changes_are_audited_without_secrets_or_hash_values()
    {
        AuditContext.Actor = "tester";
        var banks = new BankService(Store);
        await banks.CreateAsync("audited");
        var value = TestHashes.Hex(new Random(3), 64);
        await banks.AddEntriesAsync("audited", [Entry(value)]);
        await banks.DisableAsync("audited");
        await banks.RemoveEntriesAsync("audited", EntrySelector.ByValues(value));
        var key = (await new ApiKeyService(Store).CreateAsync("k", ["read"])).Value;
        await new ApiKeyService(Store).RevokeAsync(key.Info.Id);
        await banks.DeleteAsync("audited");

        var entries = await Log.ReadAsync();
        Assert.Equal(
            ["bank.created", "bank.entries_added", "bank.disabled", "bank.entries_removed", "apikey.created", "apikey.revoked", "bank.deleted"],
            entries.Select(e => e.Action));
        Assert.All(entries, e => Assert.Equal("tester", e.Actor));
        var everything = string.Join('\n', entries.Select(e => e.Details + e.Subject));
        Assert.DoesNotContain(value, everything);
        Assert.DoesNotContain(key.PlaintextKey["hvn_".Length..], everything);
        Assert.True((await Log.VerifyAsync()).Intact);
    }

    [StoreFact]
    public async Task Refused_imports_and_no_op_changes_append_nothing()
    {
        var banks = new BankService(Store);
        await banks.CreateAsync("quiet");
        await banks.EnableAsync("quiet");
        var refused = await banks.ImportAsync("quiet", new StringReader("zz\n"), new Haven.Banks.Import.ImportOptions());
        Assert.False(refused.IsSuccess);
        Assert.Equal(["bank.created"], (await Log.ReadAsync()).Select(e => e.Action));
    }

    [StoreFact]
    public async Task An_edited_entry_is_caught_where_it_was_edited()
    {
        await AppendSix();
        await Execute("UPDATE audit_log SET details = '{\"i\":99}' WHERE seq = 3");
        var result = await Log.VerifyAsync();
        Assert.Equal(3, result.FirstBadSeq);
        Assert.Contains("edited", result.Problem);
        Assert.Equal(2, result.Entries);
    }

    [StoreFact]
    public async Task An_edit_that_recomputes_its_own_hash_is_caught_at_the_next_entry()
    {
        var entries = await AppendSix();
        var e = entries[2];
        var forged = AuditLog.ComputeHash(e.Seq, e.At.ToUnixTimeMilliseconds(), e.Actor, e.Action, e.Subject, "{\"i\":99}", e.PrevHash);
        await Execute($"UPDATE audit_log SET details = '{{\"i\":99}}', hash = '{forged}' WHERE seq = 3");
        var result = await Log.VerifyAsync();
        Assert.Equal(4, result.FirstBadSeq);
        Assert.Contains("does not follow", result.Problem);
    }

    [StoreFact]
    public async Task A_deleted_entry_is_caught()
    {
        await AppendSix();
        await Execute("DELETE FROM audit_log WHERE seq = 2");
        var result = await Log.VerifyAsync();
        Assert.Equal(2, result.FirstBadSeq);
        Assert.Contains("missing", result.Problem);
    }

    [StoreFact]
    public async Task Reordered_entries_are_caught()
    {
        await AppendSix();
        await Execute("UPDATE audit_log SET seq = -4 WHERE seq = 4");
        await Execute("UPDATE audit_log SET seq = 4 WHERE seq = 5");
        await Execute("UPDATE audit_log SET seq = 5 WHERE seq = -4");
        var result = await Log.VerifyAsync();
        Assert.Equal(4, result.FirstBadSeq);
    }

    [StoreFact]
    public async Task A_truncated_tail_is_caught()
    {
        await AppendSix();
        await Execute("DELETE FROM audit_log WHERE seq >= 5");
        var result = await Log.VerifyAsync();
        Assert.Equal(5, result.FirstBadSeq);
        Assert.Contains("deleted", result.Problem);
    }

    private async Task<IReadOnlyList<AuditEntry>> AppendSix()
    {
        for (var i = 0; i < 6; i++)
        {
            await Log.AppendAsync("test.appended", $"thing:{i}", new { i });
        }

        Assert.True((await Log.VerifyAsync()).Intact);
        return await Log.ReadAsync();
    }

    private async Task Execute(string sql)
    {
        await using var connection = await Store.OpenConnectionAsync();
        await connection.ExecuteAsync(sql);
    }

    private static NewBankEntry Entry(string value)
    {
        Assert.True(NewBankEntry.TryCreate(SignalType.Pdq, value, 100, "A1", "test", "x-1", out var entry, out var error), error);
        return entry;
    }
}

public sealed class SqliteAuditLogTests : AuditLogTests
{
    internal override StoreProvider Provider => StoreProvider.Sqlite;
}

[PostgresSuite]
public sealed class PostgresAuditLogTests : AuditLogTests
{
    internal override StoreProvider Provider => StoreProvider.Postgres;
}
