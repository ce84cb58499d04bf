using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Haven.Signals;
using Spectre.Console;

namespace Haven.Cli.Commands;

/// <summary><c>haven hashtags watch|unwatch|list|suggest</c>: the watchlist and hashtags whose flagged share is rising.</summary>
internal static class HashtagCommands
{
    public static Command Create()
    {
        var hashtags = new Command("hashtags", "Watch hashtags and find those whose flagged share is rising (docs/pipeline.md).");
        var tag = new Argument<string>("TAG") { Description = "A hashtag, with or without '#'." };

        var note = new Option<string?>("--note") { Description = "Why it is watched (for reviewers)." };
        var watch = new Command("watch", "Add a hashtag to the watchlist (audited).") { tag, note };
        watch.SetAction((parse, ct) => WithServiceAsync(parse, "hashtags watch", ct, async service =>
        {
            var watched = await service.WatchAsync(parse.GetValue(tag)!, parse.GetValue(note), ct);
            Console.Out.WriteLine($"watching #{watched}");
            return ExitCodes.Ok;
        }));
        hashtags.Add(watch);

        var unwatch = new Command("unwatch", "Remove a hashtag from the watchlist (audited).") { tag };
        unwatch.SetAction((parse, ct) => WithServiceAsync(parse, "hashtags unwatch", ct, async service =>
        {
            if (await service.UnwatchAsync(parse.GetValue(tag)!, ct))
            {
                Console.Out.WriteLine($"no longer watching #{HashtagService.Normalize(parse.GetValue(tag)!)}");
                return ExitCodes.Ok;
            }

            Console.Error.WriteLine($"haven hashtags unwatch: #{HashtagService.Normalize(parse.GetValue(tag)!)} is not on the watchlist.");
            return ExitCodes.NotFound;
        }));
        hashtags.Add(unwatch);

        var window = new Option<string>("--window") { Description = "Window length: 24h, 7d, 30d … (event time).", DefaultValueFactory = _ => "7d" };
        var list = new Command("list", "The watchlist, with posts and flagged posts in the last window.") { window };
        list.SetAction((parse, ct) => WithServiceAsync(parse, "hashtags list", ct, async service =>
        {
            if (!TryWindow(parse.GetValue(window)!, out var span))
            {
                Console.Error.WriteLine("haven hashtags list: --window must look like 24h or 7d.");
                return ExitCodes.Usage;
            }

            var rows = await service.ListAsync(span, ct);
            var table = new Table().AddColumns("hashtag", "posts", "flagged", "note");
            foreach (var r in rows)
            {
                table.AddRow(Markup.Escape("#" + r.Tag), r.Posts.ToString("N0", CultureInfo.InvariantCulture), r.Flagged.ToString("N0", CultureInfo.InvariantCulture), Markup.Escape(r.Note));
            }

            AnsiConsole.Write(table);
            return rows.Count == 0 ? ExitCodes.NoMatch : ExitCodes.Ok;
        }));
        hashtags.Add(list);

        var suggestWindow = new Option<string>("--window") { Description = "Compare the last window with the one before it: 24h, 7d, 30d …", DefaultValueFactory = _ => "7d" };
        var minPosts = new Option<int>("--min-posts") { Description = "Posts needed in the recent window.", DefaultValueFactory = _ => 20 };
        var minFlagged = new Option<int>("--min-flagged") { Description = "Flagged posts needed in the recent window.", DefaultValueFactory = _ => 5 };
        var minRise = new Option<double>("--min-rise") { Description = "Rise in flagged share needed (0.10 = 10 points).", DefaultValueFactory = _ => 0.10 };
        var at = new Option<string?>("--at") { Description = "End of the recent window (RFC 3339); default: the latest hashtag use." };
        var json = new Option<bool>("--json") { Description = "JSON instead of a table." };
        var suggest = new Command("suggest", "List hashtags whose flagged share is rising, with the evidence: posts and flagged posts in both windows. Exit 1 when none.")
        {
            suggestWindow, minPosts, minFlagged, minRise, at, json,
        };
        suggest.SetAction((parse, ct) => WithServiceAsync(parse, "hashtags suggest", ct, async service =>
        {
            DateTimeOffset? end = null;
            if (parse.GetValue(at) is { } atText)
            {
                if (!DateTimeOffset.TryParse(atText, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed))
                {
                    Console.Error.WriteLine("haven hashtags suggest: --at must be an RFC 3339 time such as 2026-11-25T00:00:00Z.");
                    return ExitCodes.Usage;
                }

                end = parsed;
            }

            if (!TryWindow(parse.GetValue(suggestWindow)!, out var span))
            {
                Console.Error.WriteLine("haven hashtags suggest: --window must look like 24h or 7d.");
                return ExitCodes.Usage;
            }

            if (parse.GetValue(minPosts) < 1 || parse.GetValue(minFlagged) < 0 || parse.GetValue(minRise) is not (>= 0 and <= 1))
            {
                Console.Error.WriteLine("haven hashtags suggest: --min-posts must be at least 1, --min-flagged at least 0, --min-rise between 0 and 1 (0.10 = 10 points).");
                return ExitCodes.Usage;
            }

            var (until, rising) = await service.SuggestAsync(new HashtagSuggestOptions(span, parse.GetValue(minPosts), parse.GetValue(minFlagged), parse.GetValue(minRise), end), ct);
            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(new { until, window = parse.GetValue(suggestWindow), rising }, CliJson.Options));
                return rising.Count == 0 ? ExitCodes.NoMatch : ExitCodes.Ok;
            }

            if (rising.Count == 0)
            {
                Console.Out.WriteLine($"no hashtag's flagged share rose by {parse.GetValue(minRise):P0} or more in the {parse.GetValue(suggestWindow)} up to {until:u}.");
                return ExitCodes.NoMatch;
            }

            var table = new Table().AddColumns("hashtag", "flagged share", "", "recent posts", "flagged", "accounts", "before", "watched");
            table.Title = new TableTitle($"rising hashtags, {parse.GetValue(suggestWindow)} up to {until:u} vs the {parse.GetValue(suggestWindow)} before");
            foreach (var t in rising)
            {
                table.AddRow(
                    Markup.Escape("#" + t.Tag),
                    $"{t.PreviousShare:P0} → {t.RecentShare:P0}",
                    new string('█', (int)Math.Round(t.RecentShare * 20)) + new string('░', 20 - (int)Math.Round(t.RecentShare * 20)),
                    t.RecentPosts.ToString("N0", CultureInfo.InvariantCulture),
                    t.RecentFlagged.ToString("N0", CultureInfo.InvariantCulture),
                    t.RecentFlaggedAccounts.ToString("N0", CultureInfo.InvariantCulture),
                    $"{t.PreviousFlagged:N0}/{t.PreviousPosts:N0}",
                    t.Watched ? "yes" : "no");
            }

            AnsiConsole.Write(table);
            return ExitCodes.Ok;
        }));
        hashtags.Add(suggest);
        return hashtags;
    }

    /// <summary>Parses <c>24h</c>, <c>7d</c>, <c>90m</c>.</summary>
    internal static bool TryWindow(string text, out TimeSpan window)
    {
        window = default;
        if (text.Length < 2 || !int.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= 0)
        {
            return false;
        }

        window = text[^1] switch
        {
            'd' => TimeSpan.FromDays(n),
            'h' => TimeSpan.FromHours(n),
            'm' => TimeSpan.FromMinutes(n),
            _ => default,
        };
        return window > TimeSpan.Zero;
    }

    private static Task<int> WithServiceAsync(ParseResult parse, string command, CancellationToken ct, Func<HashtagService, Task<int>> body) =>
        CliContext.GuardAsync(command, async () =>
        {
            await using var store = await CliContext.OpenStoreAsync(parse, ct);
            if (store is null)
            {
                return ExitCodes.StoreError;
            }

            try
            {
                return await body(new HashtagService(store));
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"haven {command}: {e.Message.Split(" (Parameter", StringSplitOptions.None)[0]}");
                return ExitCodes.Usage;
            }
        });
}
