using System.Globalization;
using System.Text.Json;
using Haven.Appeals;
using Haven.Banks;
using Haven.Banks.Import;
using Haven.Events;
using Haven.People;
using Haven.Policy;
using Haven.Signals;
using Haven.Simulation;
using Haven.Testing;
using SkiaSharp;

namespace Haven.Console.Tests;

/// <summary>
/// Builds what the console pages show through the real engine, on the host's store: a bank of random hashes, posts
/// processed by the default policy (a known hash: remove the post, suspend the account), appeals through the event log,
/// and reveals of synthetic images.
/// </summary>
internal sealed class ConsoleScenario(ConsoleHost host)
{
    private static readonly Lazy<PolicyEngine> Policy = new(() =>
    {
        var loaded = PolicyLoader.LoadFileAsync(Path.Combine(TestPaths.RepoRoot, "policies", "default.policy.json")).GetAwaiter().GetResult();
        Assert.True(loaded.IsSuccess);
        return loaded.Value;
    });

    private readonly SemaphoreSlim _bankOnce = new(1, 1);
    private string? _knownPdq;

    /// <summary>The appeal service as the console has it.</summary>
    public AppealService Appeals => new(host.Store, [Haven.Enforcement.OutboxAction.WebhookAdapter], new PeopleService(host.Store));

    /// <summary>
    /// <paramref name="account"/> posts a known image (the policy removes it and suspends the account), then appeals the
    /// suspension; returns the open appeal.
    /// </summary>
    public async Task<Appeal> OpenAppealAsync(string account)
    {
        var pdq = await KnownPdqAsync();
        await IngestAsync(Event("post.created", account, $"\"post\":{{\"id\":\"p-{account}\",\"media\":[{{\"hashes\":{{\"pdq\":\"{pdq}\",\"quality\":90}}}}]}}"));
        var decision = Assert.Single(await DecisionLog.ReadAsync(host.Store), d => d.SubjectId == "p-" + account);
        await IngestAsync(Event("appeal.created", account,
            $"\"appeal\":{{\"id\":\"pa-{account}\",\"actionId\":\"{decision.DecisionId}:suspend_account\",\"reason\":\"mistaken\",\"text\":\"placeholder words of the appeal\"}}"));
        var all = (await Appeals.ListAsync(new AppealFilter(AppealStatuses.Open, Limit: 500))).Value.Appeals;
        return Assert.Single(all, a => a.Account == account);
    }

    /// <summary>A post by <paramref name="account"/> carrying the bytes of a synthetic image, processed.</summary>
    public async Task PostImageAsync(string account, string postId)
    {
        using var bitmap = SyntheticImages.Generate(seed: 41, width: 160, height: 120);
        var png = SyntheticImages.Encode(bitmap, SKEncodedImageFormat.Png);
        await IngestAsync(Event("post.created", account, $"\"post\":{{\"id\":\"{postId}\",\"media\":[{{\"bytes\":\"{Convert.ToBase64String(png)}\"}}]}}"));
    }

    private async Task<string> KnownPdqAsync()
    {
        await _bankOnce.WaitAsync();
        try
        {
            if (_knownPdq is null)
            {
                // Random hashes in a bank of this scenario's own: several scenarios may share one host.
                var pdq = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
                var bank = "known-" + Guid.NewGuid().ToString("N")[..8];
                var banks = new BankService(host.Store);
                Assert.True((await banks.CreateAsync(bank)).IsSuccess);
                var imported = await banks.ImportAsync(bank, new StringReader($"hash,signal_type,quality,category,external_id\n{pdq},pdq,90,A1,img-1\n"), new ImportOptions { Format = ImportFormat.Csv });
                Assert.True(imported.IsSuccess);
                _knownPdq = pdq;
            }

            return _knownPdq;
        }
        finally
        {
            _bankOnce.Release();
        }
    }

    private string Event(string type, string actor, string body)
    {
        var at = host.Clock.GetUtcNow().AddSeconds(-1).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        return $"{{\"id\":\"e-{Guid.NewGuid():N}\",\"type\":\"{type}\",\"occurredAt\":\"{at}\",\"actor\":{JsonSerializer.Serialize(actor)},{body}}}";
    }

    private async Task IngestAsync(string line)
    {
        var results = await new EventLog(host.Store).IngestAsync([line]);
        Assert.All(results, r => Assert.True(r.Status == IngestStatus.Accepted, $"line {r.Line}: {r.Error}"));
        var processor = new SignalProcessor(host.Store, new ProcessorOptions { Policy = Policy.Value });
        await using (processor)
        {
            var stats = await processor.RunAsync();
            Assert.Equal(0, stats.Dead);
        }
    }
}
