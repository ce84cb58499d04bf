using Dapper;
using Haven.Banks;
using Haven.Banks.Import;
using Haven.Storage;
using Haven.Tests.Storage;

namespace Haven.Tests.Banks;

public abstract class BankServiceTests : StoreSuite
{
    private BankService Banks => new(Store);

    [StoreFact]
    public async Task Create_validates_the_name_and_says_the_rule()
    {
        string[] invalid = ["", "Upper", "has space", "slash/", "ünïcode", new string('a', 65)];
        foreach (var name in invalid)
        {
            var result = await Banks.CreateAsync(name);

            var error = Assert.IsType<BankNameInvalid>(result.Error);
            Assert.Contains("1-64 characters of lower-case letters a-z, digits 0-9, '.', '_' or '-'", error.Message);
        }

        Assert.True((await Banks.CreateAsync(new string('a', 64))).IsSuccess);
        Assert.True((await Banks.CreateAsync("ncmec.hashes_2026-11")).IsSuccess);
        Assert.Equal(2, (await Banks.ListAsync()).Count);
    }

    [StoreFact]
    public async Task Create_refuses_names_that_are_only_dots_or_start_with_a_symbol()
    {
        // "." and ".." are dot segments: an HTTP path /v1/banks/.. is rewritten before routing, so such a bank could
        // never be read or deleted over HTTP; a leading '-' reads as an option on a command line.
        string[] invalid = [".", "..", "...", ".hidden", "-rf", "_private"];
        foreach (var name in invalid)
        {
            var result = await Banks.CreateAsync(name);

            var error = Assert.IsType<BankNameInvalid>(result.Error);
            Assert.Contains("starting with a letter or digit", error.Message);
        }

        Assert.True((await Banks.CreateAsync("0day")).IsSuccess);
        Assert.True((await Banks.CreateAsync("a..b.")).IsSuccess);
        Assert.Equal(["0day", "a..b."], (await Banks.ListAsync()).Select(b => b.Bank.Name));
    }

    [StoreFact]
    public async Task A_bank_created_under_the_older_name_rule_is_still_found_changed_and_deleted()
    {
        // The rule applies when a name is created; stores may hold names from before it tightened.
        await using (var connection = await Store.OpenConnectionAsync())
        {
            await connection.ExecuteAsync(
                "INSERT INTO banks (name, description, enabled, created_at) VALUES (@name, @description, @enabled, @createdAt)",
                new { name = "..", description = string.Empty, enabled = true, createdAt = 0L });
        }

        await ImportPlainAsync("..", TestHashes.Many(40, 2, 64), null);

        Assert.Equal(2, (await Banks.GetAsync("..")).Value.PdqCount);
        Assert.True((await Banks.DisableAsync("..")).IsSuccess);
        Assert.Equal(2, (await Banks.DeleteAsync("..")).Value);
        Assert.IsType<BankNotFound>((await Banks.GetAsync("..")).Error);
    }

    [StoreFact]
    public async Task Create_refuses_a_duplicate_name()
    {
        Assert.True((await Banks.CreateAsync("dup", "first")).IsSuccess);

        var second = await Banks.CreateAsync("dup", "second");

        Assert.IsType<BankAlreadyExists>(second.Error);
        Assert.Equal("first", (await Banks.GetAsync("dup")).Value.Bank.Description);
    }

    [StoreFact]
    public async Task Create_stores_description_enabled_flag_and_creation_time()
    {
        var created = (await Banks.CreateAsync("meta", "  operator notes  ", enabled: false)).Value;

        var fetched = (await Banks.GetAsync("meta")).Value.Bank;

        Assert.Equal(created, fetched);
        Assert.Equal("operator notes", fetched.Description);
        Assert.False(fetched.Enabled);
        Assert.Equal(Time.GetUtcNow(), fetched.CreatedAt);
    }

    [StoreFact]
    public async Task List_shows_counts_per_signal_type_and_enabled_state()
    {
        await Banks.CreateAsync("b-two");
        await Banks.CreateAsync("a-one", enabled: false);
        await ImportPlainAsync("b-two", TestHashes.Many(1, 3, 64), null);
        await ImportPlainAsync("b-two", TestHashes.Many(2, 2, 32), null);
        await ImportPlainAsync("b-two", TestHashes.Many(3, 4, 64), SignalType.Sha256);

        var list = await Banks.ListAsync();

        Assert.Equal(["a-one", "b-two"], list.Select(b => b.Bank.Name));
        Assert.False(list[0].Bank.Enabled);
        Assert.Equal(0, list[0].TotalCount);
        Assert.True(list[1].Bank.Enabled);
        Assert.Equal((3L, 2L, 4L), (list[1].PdqCount, list[1].Md5Count, list[1].Sha256Count));
        Assert.Equal(9, list[1].TotalCount);
    }

    [StoreFact]
    public async Task Operations_on_a_missing_bank_return_not_found()
    {
        Assert.IsType<BankNotFound>((await Banks.GetAsync("nope")).Error);
        Assert.IsType<BankNotFound>((await Banks.EnableAsync("nope")).Error);
        Assert.IsType<BankNotFound>((await Banks.DisableAsync("nope")).Error);
        Assert.IsType<BankNotFound>((await Banks.DeleteAsync("nope")).Error);
        Assert.IsType<BankNotFound>((await Banks.RemoveEntriesAsync("nope", EntrySelector.ByIds(1))).Error);
        Assert.IsType<BankNotFound>((await Banks.ImportAsync("nope", new StringReader(""), new ImportOptions())).Error);
        Assert.IsType<BankNotFound>((await Banks.ExportCsvAsync("nope", new StringWriter())).Error);
        Assert.Null(await Banks.FindAsync("nope"));
    }

    [StoreFact]
    public async Task Disable_and_enable_change_the_enabled_entries_read()
    {
        await Banks.CreateAsync("on");
        await Banks.CreateAsync("off");
        var onValues = TestHashes.Many(10, 5, 64);
        await ImportPlainAsync("on", onValues, null);
        await ImportPlainAsync("off", TestHashes.Many(11, 7, 64), null);
        await Banks.DisableAsync("off");

        var read = await ReadEnabledAsync();
        Assert.Equal(onValues.Order(), read.Entries.Select(e => e.Value).Order());

        await Banks.EnableAsync("off");
        Assert.Equal(12, (await ReadEnabledAsync()).Entries.Count);

        await Banks.DisableAsync("on");
        await Banks.DisableAsync("off");
        Assert.Empty((await ReadEnabledAsync()).Entries);
    }

    [StoreFact]
    public async Task Enabled_entries_read_carries_every_index_field_and_the_snapshot_version()
    {
        var bank = (await Banks.CreateAsync("fields")).Value;
        var pdq = TestHashes.Many(20, 1, 64)[0];
        var md5 = TestHashes.Many(21, 1, 32)[0];
        var csv = $"hash,quality,category,external_id\n{pdq},87,A1,ext-1\n{md5},,B2,\n";
        var import = await Banks.ImportAsync("fields", new StringReader(csv), new ImportOptions { Format = ImportFormat.Csv });
        Assert.True(import.IsSuccess, import.ToString());

        var (version, entries) = await ReadEnabledAsync();

        Assert.Equal(await Banks.GetBanksVersionAsync(), version);
        var p = Assert.Single(entries, e => e.SignalType == SignalType.Pdq);
        Assert.Equal((bank.Id, pdq, (int?)87, "A1"), (p.BankId, p.Value, p.Quality, p.Category));
        var m = Assert.Single(entries, e => e.SignalType == SignalType.Md5);
        Assert.Equal((bank.Id, md5, (int?)null, "B2"), (m.BankId, m.Value, m.Quality, m.Category));
        Assert.NotEqual(p.Id, m.Id);
    }

    [StoreFact]
    public async Task Delete_removes_the_bank_and_its_entries()
    {
        await Banks.CreateAsync("gone");
        await Banks.CreateAsync("stays");
        await ImportPlainAsync("gone", TestHashes.Many(30, 6, 64), null);
        await ImportPlainAsync("stays", TestHashes.Many(31, 2, 64), null);

        var deleted = await Banks.DeleteAsync("gone");

        Assert.Equal(6, deleted.Value);
        Assert.Equal(["stays"], (await Banks.ListAsync()).Select(b => b.Bank.Name));
        Assert.Equal(2, (await ReadEnabledAsync()).Entries.Count);
        Assert.True((await Banks.CreateAsync("gone")).IsSuccess);
        Assert.Equal(0, (await Banks.GetAsync("gone")).Value.TotalCount);
    }

    [StoreFact]
    public async Task Remove_entries_by_id_by_value_and_by_external_id()
    {
        var bank = (await Banks.CreateAsync("rm")).Value;
        var values = TestHashes.Many(40, 6, 64);
        var csv = "hash,external_id\n" + string.Concat(values.Select((v, i) => $"{v},ext-{i}\n"));
        Assert.True((await Banks.ImportAsync("rm", new StringReader(csv), new ImportOptions { Format = ImportFormat.Csv })).IsSuccess);
        var entries = await ReadBankAsync(bank.Id);

        var byId = await Banks.RemoveEntriesAsync("rm", EntrySelector.ByIds(entries[0].Id, 999_999));
        var byValue = await Banks.RemoveEntriesAsync("rm", EntrySelector.ByValues(values[1].ToUpperInvariant(), values[2]));
        var byExternal = await Banks.RemoveEntriesAsync("rm", EntrySelector.ByExternalIds("ext-3"));
        var nothing = await Banks.RemoveEntriesAsync("rm", EntrySelector.ByExternalIds("ext-unknown"));
        var empty = await Banks.RemoveEntriesAsync("rm", EntrySelector.ByValues());

        Assert.Equal((1L, 2L, 1L, 0L), (byId.Value, byValue.Value, byExternal.Value, nothing.Value));
        Assert.IsType<BankRequestInvalid>(empty.Error);
        Assert.Equal([values[4], values[5]], (await ReadBankAsync(bank.Id)).Select(e => e.Value));
    }

    [StoreFact]
    public async Task Removing_from_one_bank_leaves_the_same_value_in_another()
    {
        var value = TestHashes.Many(41, 1, 64);
        await Banks.CreateAsync("x");
        await Banks.CreateAsync("y");
        await ImportPlainAsync("x", value, null);
        await ImportPlainAsync("y", value, null);

        Assert.Equal(1, (await Banks.RemoveEntriesAsync("x", EntrySelector.ByValues(value[0]))).Value);

        Assert.Equal(1, (await Banks.GetAsync("y")).Value.TotalCount);
    }

    [StoreFact]
    public async Task Banks_version_bumps_with_every_change_and_only_then()
    {
        var v0 = await Banks.GetBanksVersionAsync();
        await Banks.CreateAsync("v");
        var v1 = await Banks.GetBanksVersionAsync();
        var values = TestHashes.Many(50, 3, 64);
        var imported = await ImportPlainAsync("v", values, null);
        var v2 = await Banks.GetBanksVersionAsync();
        var reimported = await ImportPlainAsync("v", values, null);
        var v3 = await Banks.GetBanksVersionAsync();
        await Banks.ImportAsync("v", new StringReader("zz\n"), new ImportOptions());
        var v4 = await Banks.GetBanksVersionAsync();
        await Banks.DisableAsync("v");
        var v5 = await Banks.GetBanksVersionAsync();
        await Banks.DisableAsync("v");
        var v6 = await Banks.GetBanksVersionAsync();
        await Banks.RemoveEntriesAsync("v", EntrySelector.ByValues(values[0]));
        var v7 = await Banks.GetBanksVersionAsync();
        await Banks.DeleteAsync("v");
        var v8 = await Banks.GetBanksVersionAsync();

        Assert.True(v1 > v0, "create");
        Assert.True(v2 > v1, "import");
        Assert.Equal(v2, imported.BanksVersion);
        Assert.Equal(v2, v3); // nothing new added
        Assert.Equal(v3, reimported.BanksVersion);
        Assert.Equal(v3, v4); // refused import
        Assert.True(v5 > v4, "disable");
        Assert.Equal(v5, v6); // no-op disable
        Assert.True(v7 > v6, "remove");
        Assert.True(v8 > v7, "delete");
    }

    [StoreFact]
    public async Task Add_entries_counts_already_present()
    {
        await Banks.CreateAsync("local");
        var values = TestHashes.Many(60, 3, 64);
        var entries = values.Select(v => Entry(SignalType.Pdq, v, 90)).ToList();

        var first = await Banks.AddEntriesAsync("local", entries.Take(2));
        var second = await Banks.AddEntriesAsync("local", entries);

        Assert.Equal((2L, 0L), (first.Value.Added, first.Value.AlreadyPresent));
        Assert.Equal((1L, 2L), (second.Value.Added, second.Value.AlreadyPresent));
        Assert.Equal(3, (await Banks.GetAsync("local")).Value.PdqCount);
    }

    [StoreFact]
    public async Task Logs_carry_ids_and_counts_never_hash_values()
    {
        await Banks.CreateAsync("logged");
        var values = TestHashes.Many(70, 20, 64);
        await ImportPlainAsync("logged", values, null);
        await Banks.ImportAsync("logged", new StringReader(values[0][..40] + "\n"), new ImportOptions());
        await Banks.RemoveEntriesAsync("logged", EntrySelector.ByValues(values[1]));
        await ReadEnabledAsync();

        Assert.NotEmpty(Logs.Messages);
        Assert.Contains(Logs.Messages, m => m.Contains("import of", StringComparison.Ordinal));
        foreach (var value in values)
        {
            Assert.DoesNotContain(Logs.Messages, m => m.Contains(value, StringComparison.OrdinalIgnoreCase) || m.Contains(value[..16], StringComparison.OrdinalIgnoreCase));
        }
    }

    internal static NewBankEntry Entry(SignalType type, string value, int? quality = null, string? category = null)
    {
        Assert.True(NewBankEntry.TryCreate(type, value, quality, category, null, null, out var entry, out var error), error);
        return entry;
    }

    internal async Task<ImportSummary> ImportPlainAsync(string bank, IEnumerable<string> values, SignalType? type)
    {
        var result = await Banks.ImportAsync(bank, new StringReader(TestHashes.Lines(values)), new ImportOptions { SignalType = type });
        Assert.True(result.IsSuccess, result.ToString());
        return result.Value;
    }

    internal async Task<(long Version, List<EnabledEntry> Entries)> ReadEnabledAsync()
    {
        var entries = new List<EnabledEntry>();
        var version = await Banks.ReadEnabledEntriesAsync(entries.Add);
        return (version, entries);
    }

    internal async Task<List<BankEntry>> ReadBankAsync(long bankId)
    {
        var list = new List<BankEntry>();
        await foreach (var entry in Banks.ReadEntriesAsync(bankId))
        {
            list.Add(entry);
        }

        return list;
    }
}

public sealed class SqliteBankServiceTests : BankServiceTests
{
    internal override StoreProvider Provider => StoreProvider.Sqlite;
}

[PostgresSuite]
public sealed class PostgresBankServiceTests : BankServiceTests
{
    internal override StoreProvider Provider => StoreProvider.Postgres;
}
