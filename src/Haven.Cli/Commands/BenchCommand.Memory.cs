using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Haven.Media;
using Haven.Server;
using Haven.Signals;
using Haven.Simulation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Haven.Cli.Commands;

/// <summary>
/// <c>haven bench memory</c>: peak RSS of the two decode-memory scenarios of the security probe (F4), each run in a fresh
/// child process (this executable, hidden subcommand <c>bench memory-child</c>) so that every figure is that scenario's
/// own high-water mark (VmHWM), beside an in-run baseline: the same scenario decoded as before the fix (large PNGs decoded
/// whole, no decode budget).
/// </summary>
internal static partial class BenchCommand
{
    private const int MemoryPosts = 4;
    private const int MemoryMediaPerPost = 32;
    private const int MemoryRequests = 16;

    private static Command MemoryCommand()
    {
        var side = new Option<int>("--side") { Description = "Side of the synthetic PNG in pixels.", DefaultValueFactory = _ => 7000 };
        var command = new Command("memory", $"Peak RSS: the signals stage over {MemoryPosts} posts × {MemoryMediaPerPost} large PNGs, and {MemoryRequests} concurrent POST /v1/media/match; bounded vs the old unbounded decode.") { side };
        command.SetAction((parse, ct) => CliContext.GuardAsync("bench memory", () => RunMemoryAsync(parse.GetValue(side), ct)));
        return command;
    }

    private static Command MemoryChildCommand()
    {
        var scenario = new Option<string>("--scenario") { Required = true };
        var png = new Option<string>("--png") { Required = true };
        var baseline = new Option<bool>("--baseline");
        var storeFolder = new Option<string?>("--store");
        var command = new Command("memory-child", "One scenario of haven bench memory (internal).") { scenario, png, baseline, storeFolder };
        command.Hidden = true;
        command.SetAction((parse, ct) => CliContext.GuardAsync("bench memory-child", () => RunMemoryChildAsync(parse.GetValue(scenario)!, parse.GetValue(png)!, parse.GetValue(baseline), parse.GetValue(storeFolder), ct)));
        return command;
    }

    private static async Task<int> RunMemoryAsync(int side, CancellationToken ct)
    {
        if (!File.Exists("/proc/self/status"))
        {
            Console.Error.WriteLine("haven bench memory: needs Linux (/proc/self/status)");
            return ExitCodes.Usage;
        }

        var console = CliContext.Stderr;
        console.MarkupLine($"[grey]drawing a {side}×{side} synthetic PNG …[/]");
        var path = Path.Combine(Path.GetTempPath(), $"haven-bench-memory-{Guid.NewGuid():N}.png");
        await File.WriteAllBytesAsync(path, SyntheticImages.LargePng(side), ct);
        var pngBytes = new FileInfo(path).Length;
        var table = new Table().Title($"haven bench memory — {BenchSteady.MachineLine()}; load {BenchSteady.LoadAverage()}; {side}×{side} RGBA PNG of {pngBytes / 1024.0 / 1024:N2} MB, peak RSS (VmHWM) of a fresh process")
            .AddColumn("scenario").AddColumn(new TableColumn("bounded").RightAligned()).AddColumn(new TableColumn("baseline").RightAligned())
            .AddColumn(new TableColumn("ratio").RightAligned()).AddColumn("baseline is").AddColumn("target");
        try
        {
            foreach (var (scenario, title) in new[]
            {
                ("signals", $"signals stage, {MemoryPosts} posts × {MemoryMediaPerPost} media"),
                ("match", $"{MemoryRequests} concurrent POST /v1/media/match"),
            })
            {
                console.MarkupLine($"[grey]{title}: bounded …[/]");
                var bounded = await RunScenarioAsync(scenario, path, baseline: false, ct);
                console.MarkupLine($"[grey]{title}: baseline …[/]");
                var old = await RunScenarioAsync(scenario, path, baseline: true, ct);
                table.AddRow(title, $"{Mib(bounded.PeakBytes)} ({bounded.Seconds:N1} s)", $"{Mib(old.PeakBytes)} ({old.Seconds:N1} s)",
                    $"{(double)old.PeakBytes / bounded.PeakBytes:N1}× less", "whole-frame PNG, no budget", "< 1 GiB");
                console.MarkupLine($"[grey]  {bounded.Detail}; baseline: {old.Detail}[/]");
            }
        }
        finally
        {
            File.Delete(path);
        }

        AnsiConsole.Write(table);
        return ExitCodes.Ok;
    }

    private static string Mib(long bytes) => $"{bytes / 1024.0 / 1024:N0} MiB";

    private sealed record ChildResult(long PeakBytes, double Seconds, string Detail);

    /// <summary>
    /// One measured scenario. The signals stage's input is written by a separate child first (ingest of the media-heavy
    /// events has its own peak, which a process keeps as heap), so the measured child only opens the store and processes.
    /// </summary>
    private static async Task<ChildResult> RunScenarioAsync(string scenario, string png, bool baseline, CancellationToken ct)
    {
        if (scenario != "signals")
        {
            return await RunChildAsync(scenario, png, baseline, null, ct);
        }

        var folder = Path.Combine(Path.GetTempPath(), "haven-bench-memory-" + Guid.NewGuid().ToString("N"));
        try
        {
            await RunChildAsync("signals-input", png, baseline, folder, ct);
            return await RunChildAsync("signals", png, baseline, folder, ct);
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private static async Task<ChildResult> RunChildAsync(string scenario, string png, bool baseline, string? store, CancellationToken ct)
    {
        var start = new ProcessStartInfo { RedirectStandardOutput = true, UseShellExecute = false };
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("Unknown executable path.");
        start.FileName = host;
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(typeof(BenchCommand).Assembly.Location);
        }

        foreach (var arg in new[] { "bench", "memory-child", "--scenario", scenario, "--png", png })
        {
            start.ArgumentList.Add(arg);
        }

        if (baseline)
        {
            start.ArgumentList.Add("--baseline");
        }

        if (store is not null)
        {
            start.ArgumentList.Add("--store");
            start.ArgumentList.Add(store);
        }

        var clock = Stopwatch.StartNew();
        using var child = Process.Start(start) ?? throw new InvalidOperationException("Cannot start the child process.");
        var output = await child.StandardOutput.ReadToEndAsync(ct);
        await child.WaitForExitAsync(ct);
        var last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? string.Empty;
        var fields = last.Split('\t');
        if (child.ExitCode != 0 || fields.Length < 2 || !long.TryParse(fields[0], CultureInfo.InvariantCulture, out var peak))
        {
            throw new InvalidOperationException($"bench memory-child {scenario} failed (exit {child.ExitCode}): {last}");
        }

        return new ChildResult(peak, clock.Elapsed.TotalSeconds, fields[1]);
    }

    private static async Task<int> RunMemoryChildAsync(string scenario, string pngPath, bool baseline, string? storeFolder, CancellationToken ct)
    {
        var png = await File.ReadAllBytesAsync(pngPath, ct);
        var detail = scenario switch
        {
            "signals-input" => await WithStoreAsync(storeFolder!, store => SignalsInputAsync(store, png, ct), ct),
            "signals" => await WithStoreAsync(storeFolder!, store => SignalsScenarioAsync(store, baseline, ct), ct),
            "match" => await WithTempStoreAsync(store => MatchScenarioAsync(store, png, baseline, ct), ct),
            _ => throw new ArgumentException("unknown scenario " + scenario),
        };
        Console.WriteLine($"{PeakRssBytes()}\t{detail}");
        return ExitCodes.Ok;
    }

    private static async Task<string> WithStoreAsync(string folder, Func<Storage.HavenStore, Task<string>> scenario, CancellationToken ct)
    {
        var opened = await Storage.HavenStore.OpenAsync(new Storage.StoreOptions { Provider = "sqlite", DataFolder = folder }, cancellationToken: ct);
        if (!opened.TryGetValue(out var store, out var error))
        {
            throw new InvalidOperationException(error!.ToString());
        }

        await using (store)
        {
            return await scenario(store);
        }
    }

    private static async Task<string> WithTempStoreAsync(Func<Storage.HavenStore, Task<string>> scenario, CancellationToken ct)
    {
        var folder = Path.Combine(Path.GetTempPath(), "haven-bench-memory-" + Guid.NewGuid().ToString("N"));
        var opened = await Storage.HavenStore.OpenAsync(new Storage.StoreOptions { Provider = "sqlite", DataFolder = folder }, cancellationToken: ct);
        if (!opened.TryGetValue(out var store, out var error))
        {
            throw new InvalidOperationException(error!.ToString());
        }

        try
        {
            await using (store)
            {
                return await scenario(store);
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The process's peak resident set (VmHWM).</summary>
    private static long PeakRssBytes()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }

    private static DecodeBudget ScenarioBudget(bool baseline) => baseline ? DecodeBudget.Unbounded() : new DecodeBudget();

    /// <summary>The signals scenario's input: the media-heavy events, ingested into the store the measured child opens.</summary>
    private static async Task<string> SignalsInputAsync(Storage.HavenStore store, byte[] png, CancellationToken ct)
    {
        var base64 = Convert.ToBase64String(png);
        var media = string.Join(',', Enumerable.Range(0, MemoryMediaPerPost).Select(m => $"{{\"id\":\"m-{m}\",\"bytes\":\"{base64}\"}}"));
        var lines = Enumerable.Range(0, MemoryPosts)
            .Select(p => $"{{\"id\":\"bench-mem-{p}\",\"type\":\"post.created\",\"occurredAt\":\"2026-12-03T10:00:00Z\",\"actor\":\"acct-{p}\",\"post\":{{\"id\":\"p-{p}\",\"media\":[{media}]}}}}")
            .ToList();
        var results = await new Events.EventLog(store).IngestAsync(lines, 1, ct);
        return $"{results.Count(r => r.Status == Events.IngestStatus.Accepted)} events ingested";
    }

    private static async Task<string> SignalsScenarioAsync(Storage.HavenStore store, bool baseline, CancellationToken ct)
    {
        var budget = ScenarioBudget(baseline);
        await using var processor = new SignalProcessor(store, new ProcessorOptions
        {
            Policy = Policy.PolicyLoader.LoadBuiltIn().AsShadow(),
            Hasher = new MediaHasher(new ImageDecoder { WholeFramePng = baseline }),
            DecodeBudget = budget,
        });
        var stats = await processor.RunAsync(cancellationToken: ct);
        return $"{stats.Media} media, {stats.MediaErrors} errors, {budget.PeakRunning} decodes at once, budget peak {Mib(budget.PeakBytes)}";
    }

    private static async Task<string> MatchScenarioAsync(Storage.HavenStore store, byte[] png, bool baseline, CancellationToken ct)
    {
        var key = await new Security.ApiKeyService(store).CreateAsync("bench", ["match"], cancellationToken: ct);
        var options = new HavenServerOptions
        {
            Urls = "http://127.0.0.1:0",
            ProcessEvents = false,
            WholeFramePng = baseline,
            DecodeWait = TimeSpan.FromMinutes(5),
        };
        if (baseline)
        {
            (options.DecodeBudgetBytes, options.MaxParallelDecodes) = (long.MaxValue, int.MaxValue);
        }

        await using var app = HavenServer.Build(options, store, logging => logging.ClearProviders());
        await app.StartAsync(ct);
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromMinutes(10) };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key.Value.PlaintextKey);
        var statuses = await Task.WhenAll(Enumerable.Range(0, MemoryRequests).Select(async _ =>
        {
            using var response = await client.PostAsync("/v1/media/match", new ByteArrayContent(png), ct);
            return (int)response.StatusCode;
        }));
        var budget = app.Services.GetRequiredService<DecodeBudget>();
        await app.StopAsync(ct);
        return $"{statuses.Count(s => s == 200)} of {MemoryRequests} answered 200, {budget.PeakRunning} decodes at once, budget peak {Mib(budget.PeakBytes)}";
    }
}
