using System.Text;
using Haven.Banks;
using Haven.Banks.Import;
using Haven.Kernels.Pdq;
using Haven.Matching;
using Haven.Storage;
using Haven.Tests.Storage;

namespace Haven.Tests.Banks;

/// <summary>
/// The index the loader streams from the store answers every lookup exactly as a brute-force comparison against every
/// enabled row does: same entries, banks, categories, external ids and distances, gates applied, disabled banks left out.
/// </summary>
public abstract class MatchIndexLoaderTests : StoreSuite
{
    private BankService Banks => new(Store);

    [StoreFact]
    public async Task Streamed_index_equals_a_brute_force_lookup_over_the_enabled_rows()
    {
        var random = new Random(20261203);
        var centers = Enumerable.Range(0, 3).Select(_ => RandomHash(random)).ToArray();

        // Two enabled banks large enough for the multi-index tables (≥ 4,096 PDQ entries together), one disabled.
        await ImportAsync("alpha", BankCsv(random, 2600, centers));
        await ImportAsync("beta", BankCsv(random, 2600, centers));
        await ImportAsync("gamma", BankCsv(random, 300, centers));
        Assert.True((await Banks.DisableAsync("gamma")).IsSuccess);

        var names = (await Banks.ListAsync()).ToDictionary(b => b.Bank.Id, b => b.Bank.Name);
        var rows = new List<EnabledEntry>();
        var version = await Banks.ReadEnabledEntriesAsync(rows.Add);
        var (index, _) = await MatchIndexLoader.LoadAsync(Banks);

        Assert.Equal(version, index.Version);
        var usable = rows.Where(r => r.SignalType == SignalType.Pdq && r.Quality is null or >= PdqQuality.DefaultGate).ToList();
        Assert.Equal(usable.Count, index.PdqCount);
        Assert.True(index.PdqCount >= 4096, "the bank must be large enough to exercise the index tables");
        Assert.Equal(rows.Count(r => r.SignalType != SignalType.Pdq), index.ExactCount);

        var queries = centers.Concat(usable.Take(20).Select(r => Flip(PdqHash.Parse(r.Value), random.Next(0, 40), random)))
            .Concat(Enumerable.Range(0, 5).Select(_ => RandomHash(random)));
        foreach (var query in queries)
        {
            foreach (var threshold in new[] { 0, 10, 31, 63 })
            {
                var expected = usable
                    .Select(r => (Row: r, Distance: PdqHash.Distance(query, PdqHash.Parse(r.Value))))
                    .Where(x => x.Distance <= threshold)
                    .Select(x => (names[x.Row.BankId], x.Row.Id, x.Row.Category, x.Row.ExternalId, x.Distance))
                    .OrderBy(x => x.Distance).ThenBy(x => x.Id)
                    .ToList();
                var actual = index.LookupPdq(query, threshold)
                    .Select(h => (h.Bank, h.EntryId, h.Category, h.ExternalId, h.Distance))
                    .ToList();
                Assert.Equal(expected, actual);
                Assert.Equal(expected.Where(e => e.Item1 == "beta"), index.LookupPdq(query, threshold, "beta").Select(h => (h.Bank, h.EntryId, h.Category, h.ExternalId, h.Distance)));
            }
        }

        foreach (var exact in rows.Where(r => r.SignalType != SignalType.Pdq).Take(10))
        {
            var hit = Assert.Single(index.LookupExact(exact.SignalType, exact.Value));
            Assert.Equal((names[exact.BankId], exact.Id, exact.Category, exact.ExternalId), (hit.Bank, hit.EntryId, hit.Category, hit.ExternalId));
        }
    }

    [StoreFact]
    public async Task Empty_store_loads_an_empty_index()
    {
        var (index, _) = await MatchIndexLoader.LoadAsync(Banks);

        Assert.Equal((0, 0), (index.PdqCount, index.ExactCount));
        Assert.Empty(index.LookupPdq(PdqHash.Parse(new string('f', 64)), 63));
    }

    private async Task ImportAsync(string bank, string csv)
    {
        Assert.True((await Banks.CreateAsync(bank)).IsSuccess);
        var result = await Banks.ImportAsync(bank, new StringReader(csv), new ImportOptions { Format = ImportFormat.Csv });
        Assert.True(result.IsSuccess, result.ToString());
    }

    /// <summary>
    /// Random PDQ rows (a third near the shared centers, some below the quality gate, some without quality, categories
    /// and external ids on some) and a few MD5 and SHA-256 rows.
    /// </summary>
    private static string BankCsv(Random random, int pdqRows, PdqHash[] centers)
    {
        var csv = new StringBuilder("hash,signal_type,quality,category,external_id\n");
        var categories = new[] { string.Empty, "A1", "B2" };
        for (var i = 0; i < pdqRows; i++)
        {
            var hash = i % 3 == 0 ? Flip(centers[random.Next(centers.Length)], random.Next(0, 48), random) : RandomHash(random);
            var quality = (i % 7) switch { 0 => string.Empty, 1 => "30", _ => random.Next(50, 101).ToString(System.Globalization.CultureInfo.InvariantCulture) };
            var externalId = i % 5 == 0 ? $"ext-{random.Next():x}" : string.Empty;
            csv.Append(hash).Append(",pdq,").Append(quality).Append(',').Append(categories[i % 3]).Append(',').Append(externalId).Append('\n');
        }

        for (var i = 0; i < 8; i++)
        {
            csv.Append(TestHashes.Hex(random, 32)).Append(",md5,,A1,\n");
            csv.Append(TestHashes.Hex(random, 64)).Append(",sha256,,,ext-s").Append(i).Append('\n');
        }

        return csv.ToString();
    }

    private static PdqHash RandomHash(Random random)
    {
        Span<byte> bytes = stackalloc byte[PdqHash.ByteLength];
        random.NextBytes(bytes);
        var hash = PdqHash.ReadFrom(bytes);
        return hash.IsZero ? RandomHash(random) : hash;
    }

    private static PdqHash Flip(PdqHash hash, int bits, Random random)
    {
        var words = new[] { hash.W0, hash.W1, hash.W2, hash.W3 };
        foreach (var bit in Enumerable.Range(0, 256).OrderBy(_ => random.Next()).Take(bits))
        {
            words[bit >> 6] ^= 1UL << (bit & 63);
        }

        var flipped = new PdqHash(words[0], words[1], words[2], words[3]);
        return flipped.IsZero ? hash : flipped;
    }
}

public sealed class SqliteMatchIndexLoaderTests : MatchIndexLoaderTests
{
    internal override StoreProvider Provider => StoreProvider.Sqlite;
}

[PostgresSuite]
public sealed class PostgresMatchIndexLoaderTests : MatchIndexLoaderTests
{
    internal override StoreProvider Provider => StoreProvider.Postgres;
}
