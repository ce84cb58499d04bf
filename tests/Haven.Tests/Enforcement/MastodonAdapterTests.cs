using Haven.Audit;
using Haven.Enforcement;
using Haven.Storage;
using Haven.Tests.Storage;

namespace Haven.Tests.Enforcement;

/// <summary>The Mastodon admin API adapter, driven by the shared outbox dispatcher, against a local fake Mastodon on every store provider.</summary>
public abstract class MastodonAdapterTests : StoreSuite, IDisposable
{
    private readonly MastodonTestServer _mastodon = new();
    private readonly WebhookTestServer _webhook = new();
    private readonly List<IDisposable> _disposables = [];

    private OutboxQueue Queue => new(Store);

    public void Dispose()
    {
        foreach (var disposable in _disposables)
        {
            disposable.Dispose();
        }

        _mastodon.Dispose();
        _webhook.Dispose();
        GC.SuppressFinalize(this);
    }

    private MastodonOptions AdminOptions(string token = MastodonTestServer.Token) => new()
    {
        BaseUrl = _mastodon.BaseUrl,
        AccessToken = token,
        MaxAttempts = 5,
        Timeout = TimeSpan.FromSeconds(5),
    };

    private OutboxDispatcher Dispatcher(string token = MastodonTestServer.Token)
    {
        var options = AdminOptions(token);
        var adapter = new MastodonAdapter(options, Store.Time);
        _disposables.Add(adapter);
        return new OutboxDispatcher(Store, options, adapter, jitter: () => 1.0);
    }

    private static OutboxAction Action(int decision, string kind, string? accountId = "109876", string? reportId = null)
    {
        var payload = new Dictionary<string, string> { ["decisionId"] = $"decision-{decision}" };
        if (accountId is not null)
        {
            payload["accountId"] = accountId;
        }

        if (reportId is not null)
        {
            payload["reportId"] = reportId;
        }

        return new OutboxAction($"decision-{decision}:{kind}", kind, payload, OutboxAction.MastodonAdapter);
    }

    private async Task EnqueueAsync(params OutboxAction[] actions)
    {
        foreach (var action in actions)
        {
            Assert.True(await new OutboxWriter(Store).EnqueueAsync(action));
        }
    }

    private async Task<OutboxEntry> RowAsync(string actionId) => (await Queue.FindAsync(actionId))!;

    [StoreFact]
    public async Task Suspend_account_posts_the_suspend_account_action_with_the_bearer_token_and_is_delivered()
    {
        var action = Action(1, "suspend_account", reportId: "4242");
        await EnqueueAsync(action);

        Assert.Equal(new DispatchSummary(1, 1, 0, 0), await Dispatcher().RunOnceAsync());

        var request = Assert.Single(_mastodon.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/api/v1/admin/accounts/109876/action", request.Path);
        Assert.Equal("Bearer " + MastodonTestServer.Token, request.Authorization);
        Assert.StartsWith("application/x-www-form-urlencoded", request.ContentType);
        Assert.Equal("suspend", request.Form["type"]);
        Assert.Equal("4242", request.Form["report_id"]);
        Assert.Equal("false", request.Form["send_email_notification"]);
        Assert.Equal("Haven action " + action.ActionId, request.Form["text"]);
        var row = await RowAsync(action.ActionId);
        Assert.Equal((OutboxState.Delivered, 1, (string?)null), (row.State, row.Attempts, row.LastError));
        Assert.Single(await new AuditLog(Store).ReadAsync(), e => e.Action == "outbox.delivered");
    }

    [StoreFact]
    public async Task Restrict_account_and_its_alias_silence_the_account()
    {
        await EnqueueAsync(Action(2, "restrict_account", accountId: "7"), Action(3, "restrict", accountId: "8"));

        Assert.Equal(new DispatchSummary(2, 2, 0, 0), await Dispatcher().RunOnceAsync());

        Assert.Equal(["/api/v1/admin/accounts/7/action", "/api/v1/admin/accounts/8/action"], _mastodon.Requests.Select(r => r.Path));
        Assert.All(_mastodon.Requests, r => Assert.Equal("silence", r.Form["type"]));
        Assert.All(_mastodon.Requests, r => Assert.False(r.Form.ContainsKey("report_id")));
    }

    [StoreFact]
    public async Task Unsuspend_and_unrestrict_lift_the_account_actions_on_the_instance()
    {
        _mastodon.AddAccount("109876");
        await EnqueueAsync(Action(60, "suspend_account"), Action(61, "restrict_account"));
        Assert.Equal(new DispatchSummary(2, 2, 0, 0), await Dispatcher().RunOnceAsync());
        Assert.Equal(new MastodonTestServer.AccountState(true, true), _mastodon.Account("109876"));

        await EnqueueAsync(Action(62, "unsuspend_account"), Action(63, "unrestrict_account"));
        Assert.Equal(new DispatchSummary(2, 2, 0, 0), await Dispatcher().RunOnceAsync());

        Assert.Equal(new MastodonTestServer.AccountState(false, false), _mastodon.Account("109876"));
        var lifts = _mastodon.Requests.Skip(2).ToList();
        Assert.Equal(["/api/v1/admin/accounts/109876/unsuspend", "/api/v1/admin/accounts/109876/unsilence"], lifts.Select(r => r.Path));
        Assert.All(lifts, r => Assert.Equal(("POST", "Bearer " + MastodonTestServer.Token), (r.Method, r.Authorization)));
        Assert.All(lifts, r => Assert.Empty(r.Form));
        Assert.All(await Queue.ListAsync(), r => Assert.Equal(OutboxState.Delivered, r.State));
    }

    [StoreFact]
    public async Task Lifting_an_unknown_account_or_without_the_admin_scope_or_unsuspending_an_unsuspended_account_is_dead_at_once()
    {
        _mastodon.AddAccount("5");
        _mastodon.AddAccount("6", silenced: false);
        var unknown = Action(70, "unsuspend_account", accountId: "404404");
        var notSuspended = Action(71, "unsuspend_account", accountId: "5");
        var notSilenced = Action(72, "unrestrict_account", accountId: "6");
        await EnqueueAsync(unknown, notSuspended, notSilenced);

        // Mastodon: unsuspend answers 403 for an account that is not suspended; unsilence answers 200 when not silenced.
        Assert.Equal(new DispatchSummary(3, 1, 0, 2), await Dispatcher().RunOnceAsync());
        Assert.Equal("HTTP 404", (await RowAsync(unknown.ActionId)).LastError);
        Assert.Equal("HTTP 403", (await RowAsync(notSuspended.ActionId)).LastError);
        Assert.Equal(OutboxState.Delivered, (await RowAsync(notSilenced.ActionId)).State);

        _mastodon.AddAccount("7", suspended: true);
        var readOnly = Action(73, "unsuspend_account", accountId: "7");
        await EnqueueAsync(readOnly);
        Assert.Equal(new DispatchSummary(1, 0, 0, 1), await Dispatcher(MastodonTestServer.ReadOnlyToken).RunOnceAsync());
        Assert.Equal("HTTP 403", (await RowAsync(readOnly.ActionId)).LastError);
        Assert.True(_mastodon.Account("7")!.Suspended);
    }

    [StoreFact]
    public async Task Restore_content_is_dead_at_once_with_its_reason_and_never_sent_or_retried()
    {
        var restore = new OutboxAction("d-1:restore_content", "restore_content", new Dictionary<string, string> { ["decisionId"] = "d-1", ["contentId"] = "p-1" }, OutboxAction.MastodonAdapter);
        await EnqueueAsync(restore);

        Assert.Equal(new DispatchSummary(1, 0, 0, 1), await Dispatcher().RunOnceAsync());

        Assert.Empty(_mastodon.Requests);
        var row = await RowAsync(restore.ActionId);
        Assert.Equal((OutboxState.Dead, 1, MastodonAdapter.RestoreContentUnsupported), (row.State, row.Attempts, row.LastError));
        Time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(DispatchSummary.Empty, await Dispatcher().RunOnceAsync());
        Assert.Contains(await new AuditLog(Store).ReadAsync(), e => e.Action == "outbox.dead" && e.Details.Contains("restore_content", StringComparison.Ordinal));
    }

    [StoreFact]
    public async Task Unauthorized_forbidden_not_found_and_unprocessable_are_dead_at_once()
    {
        await EnqueueAsync(Action(10, "suspend_account"), Action(11, "suspend_account"), Action(12, "suspend_account"), Action(13, "suspend_account"));
        _mastodon.Answer(401, 403, 404, 422);

        Assert.Equal(new DispatchSummary(4, 0, 0, 4), await Dispatcher().RunOnceAsync());

        Assert.Equal(["HTTP 401", "HTTP 403", "HTTP 404", "HTTP 422"], (await Queue.ListAsync(OutboxState.Dead)).OrderBy(r => r.Id).Select(r => r.LastError));
        Assert.All(await Queue.ListAsync(), r => Assert.Equal(1, r.Attempts));
        Time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(DispatchSummary.Empty, await Dispatcher().RunOnceAsync());
        Assert.Equal(4, _mastodon.Requests.Count);
    }

    [StoreFact]
    public async Task A_wrong_token_is_dead_at_once()
    {
        await EnqueueAsync(Action(14, "suspend_account"));

        Assert.Equal(new DispatchSummary(1, 0, 0, 1), await Dispatcher("wrong-token").RunOnceAsync());
        Assert.Equal("HTTP 401", (await RowAsync(Action(14, "suspend_account").ActionId)).LastError);
    }

    [StoreFact]
    public async Task Server_errors_and_rate_limits_are_retried_after_the_backoff_and_then_delivered()
    {
        await EnqueueAsync(Action(20, "suspend_account"), Action(21, "suspend_account"), Action(22, "restrict_account"));
        _mastodon.Answer(500, 503, 429);
        var dispatcher = Dispatcher();

        Assert.Equal(new DispatchSummary(3, 0, 3, 0), await dispatcher.RunOnceAsync());
        var pending = (await Queue.ListAsync(OutboxState.Pending)).OrderBy(r => r.Id).ToList();
        Assert.Equal(["HTTP 500", "HTTP 503", "HTTP 429"], pending.Select(r => r.LastError));
        Assert.All(pending, r => Assert.Equal((1, Time.GetUtcNow() + TimeSpan.FromSeconds(2)), (r.Attempts, r.NextAttemptAt)));

        Assert.Equal(DispatchSummary.Empty, await dispatcher.RunOnceAsync());
        Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(new DispatchSummary(3, 3, 0, 0), await dispatcher.RunOnceAsync());
        Assert.All(await Queue.ListAsync(), r => Assert.Equal((OutboxState.Delivered, 2), (r.State, r.Attempts)));
        Assert.Equal(6, _mastodon.Requests.Count);
    }

    [StoreFact]
    public async Task Remove_content_unknown_kinds_and_payloads_without_an_account_are_dead_with_a_clear_reason_and_never_sent()
    {
        var remove = Action(30, "remove_content");
        var unknown = Action(31, "close_community");
        var noAccount = Action(32, "suspend_account", accountId: null);
        await EnqueueAsync(remove, unknown, noAccount);

        Assert.Equal(new DispatchSummary(3, 0, 0, 3), await Dispatcher().RunOnceAsync());

        Assert.Empty(_mastodon.Requests);
        Assert.Equal(MastodonAdapter.RemoveContentUnsupported, (await RowAsync(remove.ActionId)).LastError);
        Assert.StartsWith("unsupported by Mastodon's API", (await RowAsync(remove.ActionId)).LastError);
        Assert.Contains("'close_community'", (await RowAsync(unknown.ActionId)).LastError);
        Assert.Equal("malformed payload: accountId is required", (await RowAsync(noAccount.ActionId)).LastError);
        var dead = (await new AuditLog(Store).ReadAsync()).Where(e => e.Action == "outbox.dead").ToList();
        Assert.Equal(3, dead.Count);
        Assert.Contains(dead, e => e.Details.Contains("unsupported by Mastodon", StringComparison.Ordinal));
    }

    [StoreFact]
    public async Task Webhook_and_mastodon_dispatchers_only_claim_their_own_adapter_rows()
    {
        var toMastodon = Action(40, "suspend_account");
        var toWebhook = new OutboxAction("decision-41:suspend_account", "suspend_account", new Dictionary<string, string> { ["accountId"] = "5" });
        await EnqueueAsync(toMastodon, toWebhook);
        using var webhook = new WebhookDispatcher(Store, new WebhookOptions { Url = _webhook.Url, Secret = WebhookTestServer.Secret, Timeout = TimeSpan.FromSeconds(5) }, jitter: () => 1.0);

        Assert.Equal(new DispatchSummary(1, 1, 0, 0), await Dispatcher().RunOnceAsync());
        var untouched = await RowAsync(toWebhook.ActionId);
        Assert.Equal((OutboxState.Pending, 0), (untouched.State, untouched.Attempts));
        Assert.Single(_mastodon.Requests);
        Assert.Empty(_webhook.Requests);

        Assert.Equal(new DispatchSummary(1, 1, 0, 0), await webhook.RunOnceAsync());
        Assert.Single(_webhook.Requests);
        Assert.Single(_mastodon.Requests);
        Assert.Equal(DispatchSummary.Empty, await Dispatcher().RunOnceAsync());
        Assert.Equal(DispatchSummary.Empty, await webhook.RunOnceAsync());
    }

    [StoreFact]
    public async Task The_token_never_reaches_logs_audit_or_the_outbox()
    {
        await EnqueueAsync(Action(50, "suspend_account"), Action(51, "suspend_account"), Action(52, "remove_content"));
        _mastodon.Answer(200, 503);
        await Dispatcher().RunOnceAsync();

        Assert.NotEmpty(Logs.Messages);
        Assert.DoesNotContain(Logs.Messages, m => m.Contains(MastodonTestServer.Token, StringComparison.Ordinal));
        Assert.DoesNotContain(await new AuditLog(Store).ReadAsync(), e => e.Details.Contains(MastodonTestServer.Token, StringComparison.Ordinal));
        Assert.DoesNotContain(await Queue.ListAsync(), r => (r.LastError ?? string.Empty).Contains(MastodonTestServer.Token, StringComparison.Ordinal));
        Assert.DoesNotContain(MastodonTestServer.Token, AdminOptions().ToString(), StringComparison.Ordinal);
    }

    [StoreFact]
    public void Invalid_options_are_refused_without_echoing_the_token()
    {
        var noUrl = Assert.Throws<ArgumentException>(() => new MastodonAdapter(new MastodonOptions { AccessToken = MastodonTestServer.Token }, Store.Time));
        Assert.Contains("BaseUrl", noUrl.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(MastodonTestServer.Token, noUrl.Message, StringComparison.Ordinal);
        var noToken = Assert.Throws<ArgumentException>(() => new MastodonAdapter(new MastodonOptions { BaseUrl = _mastodon.BaseUrl, AccessToken = "has space" }, Store.Time));
        Assert.Contains("AccessToken", noToken.Message, StringComparison.Ordinal);
    }

    [StoreFact]
    public async Task A_base_url_with_a_path_keeps_it_and_account_ids_are_escaped()
    {
        var options = AdminOptions();
        options.BaseUrl = new Uri(_mastodon.BaseUrl, "mastodon");
        using var adapter = new MastodonAdapter(options, Store.Time);
        var outcome = await adapter.SendAsync(new OutboxDelivery("a:suspend_account", "suspend_account", "{\"accountId\":\"9/x\"}", 1), CancellationToken.None);
        Assert.Equal(DeliveryVerdict.Delivered, outcome.Verdict);
        Assert.Equal("/mastodon/api/v1/admin/accounts/9%2Fx/action", Assert.Single(_mastodon.Requests).Path);
    }
}

public sealed class SqliteMastodonAdapterTests : MastodonAdapterTests
{
    internal override StoreProvider Provider => StoreProvider.Sqlite;
}

[PostgresSuite]
public sealed class PostgresMastodonAdapterTests : MastodonAdapterTests
{
    internal override StoreProvider Provider => StoreProvider.Postgres;
}
