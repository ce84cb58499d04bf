using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Haven.Media;
using Haven.Security;
using Haven.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Haven.Server.Tests;

/// <summary>A real Haven server on a loopback port over a fresh SQLite store, with an API key and captured logs.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "haven-server-tests-" + Guid.NewGuid().ToString("N"));
    private HavenStore? _store;
    private WebApplication? _app;

    /// <summary>Media limits small enough to test: 2 MB, 4 megapixels.</summary>
    public static readonly MediaLimits Limits = new() { MaxBytes = 2_000_000, MaxPixels = 4_000_000 };

    public HttpClient Client { get; private set; } = null!;

    public HttpClient Anonymous { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    public string ApiKey { get; private set; } = string.Empty;

    /// <summary>Every formatted log message the server wrote.</summary>
    public ConcurrentQueue<string> Logs { get; } = new();

    internal HavenStore Store => _store!;

    internal IServiceProvider Services => _app!.Services;

    public async Task InitializeAsync()
    {
        var opened = await HavenStore.OpenAsync(new StoreOptions { DataFolder = _folder });
        _store = opened.Value;
        var key = await new ApiKeyService(_store).CreateAsync("tests", ["ingest", "match", "read", "admin"]);
        ApiKey = key.Value.PlaintextKey;

        var options = new HavenServerOptions
        {
            Urls = "http://127.0.0.1:0",
            MediaLimits = Limits,
            IndexRefreshInterval = TimeSpan.FromMilliseconds(200),
            DecodeWait = TimeSpan.FromMilliseconds(300),
            Telemetry = new Haven.Server.Telemetry.TelemetryOptions { Prometheus = true, ExportInterval = TimeSpan.FromMilliseconds(200) }
        };
        _app = HavenServer.Build(options, _store, logging => logging.ClearProviders().SetMinimumLevel(LogLevel.Debug).AddProvider(new CapturingProvider(Logs)));
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Urls.First());
        Client = new HttpClient { BaseAddress = BaseAddress };
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        Anonymous = new HttpClient { BaseAddress = BaseAddress };
    }

    /// <summary>Rebuilds the match index now if banks changed, instead of waiting for the next poll.</summary>
    public Task RefreshIndexAsync() => Services.GetRequiredService<IndexRefresher>().RefreshAsync(force: false, CancellationToken.None);

    public async Task DisposeAsync()
    {
        Client.Dispose();
        Anonymous.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private sealed class CapturingProvider(ConcurrentQueue<string> sink) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new CapturingLogger(sink, categoryName);

        public void Dispose()
        {
        }
    }

    private sealed class CapturingLogger(ConcurrentQueue<string> sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            sink.Enqueue($"{category}[{eventId.Id}] {formatter(state, exception)} {exception}");
    }
}
