using System.Security.Cryptography;
using System.Text.Json;
using Haven.Events;
using Haven.Simulation;

namespace Haven.Tests.Simulation;

/// <summary>One small simulated platform (2,000 accounts, 100 offenders), generated once and read back through the real event parser.</summary>
public sealed class PlatformFixture : IDisposable
{
    public PlatformFixture()
    {
        Folder = Path.Combine(Path.GetTempPath(), "haven-sim-tests-" + Guid.NewGuid().ToString("N"));
        Summary = PlatformSimulator.Generate(Options, Folder);
        Lines = File.ReadAllLines(Path.Combine(Folder, PlatformSimulator.EventsFile));
        foreach (var line in Lines)
        {
            var ok = EventParser.TryParse(line, out var parsed, out _, out var error);
            Errors.Add(ok ? null : error);
            if (ok)
            {
                Events.Add(SimEvent.From(parsed!));
            }
        }

        Truth = GroundTruth.Load(Path.Combine(Folder, PlatformSimulator.TruthFile));
        Offenders = Truth.Offenders.ToDictionary(o => o.Account, o => o.Role, StringComparer.Ordinal);
    }

    internal static PlatformOptions Options { get; } = new() { Accounts = 2_000, Network = 100, Seed = 7, Days = 30, Images = 2 };

    internal string Folder { get; }

    internal PlatformSummary Summary { get; }

    internal string[] Lines { get; }

    internal List<string?> Errors { get; } = [];

    internal List<SimEvent> Events { get; } = [];

    internal GroundTruth Truth { get; }

    internal Dictionary<string, OffenderRole> Offenders { get; }

    internal bool IsOffender(string account) => Offenders.ContainsKey(account);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>The fields of an event the tests look at.</summary>
internal sealed record SimEvent(
    string Id,
    string Type,
    DateTimeOffset OccurredAt,
    string Actor,
    string? Target,
    string? PostId,
    string? ReplyTo,
    string? RepostOf,
    string? QuoteOf,
    string? Text,
    IReadOnlyList<string> Hashtags,
    IReadOnlyList<SimMedia> Media,
    string? ReportSubject)
{
    public static SimEvent From(PlatformEvent e)
    {
        using var document = JsonDocument.Parse(e.Json);
        var root = document.RootElement;
        string? target = root.TryGetProperty("target", out var t) ? t.GetString() : null;
        string? postId = null, replyTo = null, repostOf = null, quoteOf = null, text = null, subject = null;
        var hashtags = new List<string>();
        var media = new List<SimMedia>();
        if (root.TryGetProperty("post", out var post))
        {
            postId = post.GetProperty("id").GetString();
            replyTo = Str(post, "replyTo");
            repostOf = Str(post, "repostOf");
            quoteOf = Str(post, "quoteOf");
            text = Str(post, "text");
            if (post.TryGetProperty("hashtags", out var tags))
            {
                hashtags.AddRange(tags.EnumerateArray().Select(x => x.GetString()!));
            }

            if (post.TryGetProperty("media", out var items))
            {
                foreach (var item in items.EnumerateArray())
                {
                    if (item.TryGetProperty("bytes", out var bytes))
                    {
                        var raw = bytes.GetBytesFromBase64();
                        media.Add(new SimMedia(null, 0, Convert.ToHexStringLower(MD5.HashData(raw)), raw));
                    }
                    else
                    {
                        var hashes = item.GetProperty("hashes");
                        media.Add(new SimMedia(Str(hashes, "pdq"), hashes.GetProperty("quality").GetInt32(), Str(hashes, "md5"), null));
                    }
                }
            }
        }

        if (root.TryGetProperty("report", out var report))
        {
            subject = report.GetProperty("subject").GetProperty("id").GetString();
        }

        return new SimEvent(e.Id, e.Type, e.OccurredAt, e.Actor, target, postId, replyTo, repostOf, quoteOf, text, hashtags, media, subject);
    }

    private static string? Str(JsonElement parent, string name) => parent.TryGetProperty(name, out var value) ? value.GetString() : null;
}

/// <summary>One media item: precomputed hashes, or bytes (with their MD5).</summary>
internal sealed record SimMedia(string? Pdq, int Quality, string? Md5, byte[]? Bytes);
