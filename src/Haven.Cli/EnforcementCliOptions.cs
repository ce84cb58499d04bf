using System.CommandLine;
using Haven.Cli.Configuration;
using Haven.Enforcement;

namespace Haven.Cli;

/// <summary>
/// <c>--webhook-url</c> and <c>--mastodon-url</c> (or <c>HAVEN_WEBHOOK_URL</c>, <c>HAVEN_MASTODON_URL</c>), with their
/// secrets from <c>HAVEN_WEBHOOK_SECRET</c> and <c>HAVEN_MASTODON_TOKEN</c>: the same options on every command that runs
/// the signals stage, so <c>serve</c> and <c>process</c> enqueue actions for the same adapters.
/// </summary>
internal sealed class EnforcementCliOptions
{
    private readonly Option<string?> _webhook = new("--webhook-url")
    {
        Description = "Platform actions go to this signed webhook (secret in HAVEN_WEBHOOK_SECRET; docs/enforcement.md). Enforcement:Webhook:Url, HAVEN_WEBHOOK_URL.",
        DefaultValueFactory = _ => HavenConfig.Text(Settings.WebhookUrl),
    };

    private readonly Option<string?> _mastodon = new("--mastodon-url")
    {
        Description = "Account actions go to this Mastodon instance's admin API (token in HAVEN_MASTODON_TOKEN; docs/enforcement.md). Enforcement:Mastodon:Url, HAVEN_MASTODON_URL.",
        DefaultValueFactory = _ => HavenConfig.Text(Settings.MastodonUrl),
    };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(_webhook);
        command.Options.Add(_mastodon);
    }

    /// <summary>The targets the command line names, or why they cannot work.</summary>
    public bool TryGet(ParseResult parse, out EnforcementTargets targets, out string? error)
    {
        targets = new EnforcementTargets(
            parse.GetValue(_webhook) is { Length: > 0 } url
                ? new WebhookOptions { Url = Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri : null, Secret = HavenConfig.Text(Settings.WebhookSecret) ?? string.Empty }
                : null,
            parse.GetValue(_mastodon) is { Length: > 0 } baseUrl
                ? new MastodonOptions { BaseUrl = Uri.TryCreate(baseUrl, UriKind.Absolute, out var mastodonUri) ? mastodonUri : null, AccessToken = HavenConfig.Text(Settings.MastodonToken) ?? string.Empty }
                : null);
        error = targets.Validate();
        return error is null;
    }
}
