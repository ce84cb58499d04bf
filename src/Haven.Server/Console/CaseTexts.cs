using System.Text.Json;
using Dapper;
using Haven.Cases;
using Haven.Events;
using Haven.Storage;
using Haven.Text;

namespace Haven.Server.Console;

/// <summary>A stretch of a post's text; <see cref="Category"/> names the lexicon category when it is a hit.</summary>
/// <param name="Text">The characters.</param>
/// <param name="Category">Lexicon category of a hit, or null for plain text.</param>
public sealed record TextSegment(string Text, string? Category);

/// <summary>A post's text as the case page shows it, lexicon hits marked.</summary>
/// <param name="PostId">The post.</param>
/// <param name="Kind">post, reply, repost or quote.</param>
/// <param name="Segments">The text in stretches.</param>
/// <param name="Truncated">The text was longer than the page shows.</param>
public sealed record TextView(string PostId, string Kind, IReadOnlyList<TextSegment> Segments, bool Truncated);

/// <summary>
/// The texts a reviewer needs beside the evidence: the case's post, or an account's flagged posts, read from the event
/// log and marked with the current lexicon's hits (the same normalisation as the signals stage). Shown, never logged.
/// </summary>
internal sealed class CaseTexts(HavenStore store)
{
    /// <summary>Posts listed for an account case.</summary>
    public const int MaxPosts = 10;

    /// <summary>Characters of one text shown.</summary>
    public const int MaxChars = 4000;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private (LexiconSnapshot? Snapshot, DateTimeOffset LoadedAt) _lexicon;

    /// <summary>The texts of <paramref name="view"/>'s subject.</summary>
    public async Task<IReadOnlyList<TextView>> ListAsync(CaseView view, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var posts = view.SubjectKind switch
        {
            CaseSubjects.Content => (await connection.QueryAsync<(string, long, string)>(new CommandDefinition(
                "SELECT post_id, seq, kind FROM posts WHERE post_id = @id", new { id = view.SubjectId }, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList(),
            CaseSubjects.Account => (await connection.QueryAsync<(string, long, string)>(new CommandDefinition(
                "SELECT post_id, seq, kind FROM posts WHERE author = @id AND flagged ORDER BY seq DESC LIMIT @max", new { id = view.SubjectId, max = MaxPosts }, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList(),
            _ => [],
        };
        if (posts.Count == 0)
        {
            return [];
        }

        var lexicon = await LexiconAsync(cancellationToken).ConfigureAwait(false);
        var texts = new List<TextView>();
        foreach (var (postId, seq, kind) in posts)
        {
            var stored = await EventLog.ReadAfterAsync(connection, seq - 1, 1, cancellationToken).ConfigureAwait(false);
            if (stored.Count == 0 || stored[0].Seq != seq || PostText(stored[0].Body) is not { Length: > 0 } text)
            {
                continue;
            }

            var truncated = text.Length > MaxChars;
            if (truncated)
            {
                text = text[..MaxChars];
            }

            texts.Add(new TextView(postId, kind, Segments(text, lexicon), truncated));
        }

        return texts;
    }

    /// <summary>Splits <paramref name="text"/> at the hits of <paramref name="lexicon"/> (overlapping hits merge into the first).</summary>
    internal static IReadOnlyList<TextSegment> Segments(string text, LexiconSnapshot? lexicon)
    {
        var hits = new List<Haven.Kernels.Text.LexiconHit>();
        lexicon?.Matcher.Scan(text, hits);
        var segments = new List<TextSegment>();
        var at = 0;
        foreach (var hit in hits.Where(h => h.Start >= 0 && h.End <= text.Length).OrderBy(h => h.Start).ThenByDescending(h => h.Length))
        {
            if (hit.Start < at)
            {
                continue;
            }

            if (hit.Start > at)
            {
                segments.Add(new TextSegment(text[at..hit.Start], null));
            }

            segments.Add(new TextSegment(text[hit.Start..hit.End], hit.Category));
            at = hit.End;
        }

        if (at < text.Length)
        {
            segments.Add(new TextSegment(text[at..], null));
        }

        return segments;
    }

    private static string? PostText(string body)
    {
        using var document = JsonDocument.Parse(body);
        return document.RootElement.TryGetProperty("post", out var post) && post.ValueKind == JsonValueKind.Object &&
               post.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String
            ? text.GetString()
            : null;
    }

    private async Task<LexiconSnapshot?> LexiconAsync(CancellationToken cancellationToken)
    {
        var now = store.Time.GetUtcNow();
        if (_lexicon.Snapshot is not null && now - _lexicon.LoadedAt < TimeSpan.FromSeconds(30))
        {
            return _lexicon.Snapshot;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var loaded = await new LexiconService(store).LoadAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            _lexicon = (loaded.IsSuccess ? loaded.Value : null, now);
            return _lexicon.Snapshot;
        }
        finally
        {
            _gate.Release();
        }
    }
}
