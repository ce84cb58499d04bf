using System.Net;
using System.Text.RegularExpressions;
using Haven.People;
using Haven.Server;
using Haven.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Haven.Console.Tests;

/// <summary>
/// A real Haven server with the console on a loopback port, over a fresh SQLite store whose clock the test moves, with
/// one person per role (password <see cref="Password"/>).
/// </summary>
public sealed partial class ConsoleHost : IAsyncLifetime
{
    /// <summary>Every seeded person's password.</summary>
    public const string Password = "console test password";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "haven-console-tests-" + Guid.NewGuid().ToString("N"));
    private HavenStore? _store;
    private WebApplication? _app;

    /// <summary>The store's clock; session and lockout expiry follow it.</summary>
    internal MovableClock Clock { get; } = new(DateTimeOffset.UtcNow);

    public Uri BaseAddress { get; private set; } = null!;

    internal HavenStore Store => _store!;

    internal IServiceProvider Services => _app!.Services;

    /// <summary>Every log line the server wrote.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Logs { get; } = new();

    /// <summary>An API key with every scope, for driving the platform side over /v1.</summary>
    public string ApiKey { get; private set; } = string.Empty;

    /// <summary>Server options a test may change before <see cref="InitializeAsync"/> (e.g. a short idle timeout).</summary>
    internal Action<HavenServerOptions>? Configure { get; init; }

    public async Task InitializeAsync()
    {
        _store = (await HavenStore.OpenAsync(new StoreOptions { DataFolder = _folder }, Clock)).Value;
        var people = new PeopleService(_store);
        foreach (var role in PersonRoles.All)
        {
            Assert.True((await people.CreateAsync(role.Name(), role, Password)).IsSuccess);
        }

        ApiKey = (await new Haven.Security.ApiKeyService(_store).CreateAsync("console-tests", ["ingest", "match", "read", "admin"])).Value.PlaintextKey;
        var options = new HavenServerOptions { Urls = "http://127.0.0.1:0", ProcessEvents = false, ProcessIdleInterval = TimeSpan.FromMilliseconds(100), IndexRefreshInterval = TimeSpan.FromMilliseconds(100) };
        Configure?.Invoke(options);
        _app = HavenServer.Build(options, _store, logging => logging.ClearProviders().SetMinimumLevel(LogLevel.Debug).AddProvider(new CapturingLogs(Logs)));
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Urls.First());
    }

    /// <summary>An HTTP client with its own cookie jar, not signed in; redirects are not followed.</summary>
    public HttpClient Client() =>
        new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false, UseCookies = true }) { BaseAddress = BaseAddress };

    /// <summary>A client of the /v1 API with the all-scopes key.</summary>
    public HttpClient Platform()
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ApiKey);
        return client;
    }

    /// <summary>A client signed in as <paramref name="name"/>.</summary>
    public async Task<HttpClient> SignedInAsync(string name, string password = Password)
    {
        var client = Client();
        using var signIn = await SignInAsync(client, name, password);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        return client;
    }

    /// <summary>Posts the sign-in form the way a browser does (token from the page first).</summary>
    public static async Task<HttpResponseMessage> SignInAsync(HttpClient client, string name, string password)
    {
        var token = await TokenAsync(client, "/console/sign-in");
        return await client.PostAsync("/console/sign-in", new FormUrlEncodedContent(new Dictionary<string, string> { ["__csrf"] = token, ["name"] = name, ["password"] = password }));
    }

    /// <summary>The antiforgery token of the forms on <paramref name="page"/>.</summary>
    public static async Task<string> TokenAsync(HttpClient client, string page)
    {
        var html = await client.GetStringAsync(page);
        return CsrfField().Match(html) is { Success: true } match ? WebUtility.HtmlDecode(match.Groups[1].Value) : throw new InvalidOperationException($"{page} has no form token");
    }

    /// <summary>Posts a console form with a valid token taken from <paramref name="page"/>.</summary>
    public static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string page, string action, Dictionary<string, string>? fields = null)
    {
        var form = new Dictionary<string, string>(fields ?? []) { ["__csrf"] = await TokenAsync(client, page) };
        return await client.PostAsync(action, new FormUrlEncodedContent(form));
    }

    public async Task DisposeAsync()
    {
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

    [GeneratedRegex("name=\"__csrf\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfField();

    private sealed class CapturingLogs(System.Collections.Concurrent.ConcurrentQueue<string> sink) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(sink, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(System.Collections.Concurrent.ConcurrentQueue<string> sink, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                sink.Enqueue($"{category}: {formatter(state, exception)} {exception?.GetType().Name}");
        }
    }
}

/// <summary>A clock that runs with real time from a start, plus whatever the test adds.</summary>
internal sealed class MovableClock(DateTimeOffset start) : TimeProvider
{
    private readonly long _startTicks = global::System.Diagnostics.Stopwatch.GetTimestamp();
    private TimeSpan _offset;

    public override DateTimeOffset GetUtcNow() => start + global::System.Diagnostics.Stopwatch.GetElapsedTime(_startTicks) + _offset;

    /// <summary>Moves the clock forward.</summary>
    public void Advance(TimeSpan by) => _offset += by;
}
