using System.Text;
using Haven.Kernels.Text;

namespace Haven.Text;

/// <summary>
/// The small default lexicon that ships with Haven (lexicons/default.csv, embedded): publicly documented terms, hashtags
/// and phrases, each with the public source that documents it in its <c>source</c> column. Text hits only queue human
/// review in Haven's policy, so the weights are modest. docs/lexicon.md lists the entries and their sources.
/// </summary>
internal static class DefaultLexicon
{
    /// <summary>Name the default lexicon is installed under unless the operator chooses another.</summary>
    public const string Name = "default";

    /// <summary>Description stored with the installed lexicon.</summary>
    public const string Description = "Haven default lexicon: publicly documented terms, each with its public source (docs/lexicon.md)";

    private const string Resource = "Haven.Text.DefaultLexicon.csv";

    /// <summary>Reads the embedded file with the real lexicon parser (<see cref="LexiconFile"/>).</summary>
    public static async Task<(IReadOnlyList<LexiconFileEntry> Entries, IReadOnlyList<LexiconLineError> Errors)> ReadAsync(CancellationToken cancellationToken = default)
    {
        using var reader = Open();
        return await LexiconFile.ReadAsync(reader, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Matcher entries for parsed file entries; the entry id is the line number in lexicons/default.csv.</summary>
    public static IReadOnlyList<LexiconEntry> ToMatcherEntries(IEnumerable<LexiconFileEntry> entries) =>
        [.. entries.Select(e => new LexiconEntry(checked((int)e.Line), e.Pattern, e.Category, e.Weight, e.Mode))];

    /// <summary>Opens the embedded CSV in Haven's lexicon format.</summary>
    public static TextReader Open()
    {
        var stream = typeof(DefaultLexicon).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"Embedded resource {Resource} is missing from Haven.");
        return new StreamReader(stream, Encoding.UTF8);
    }
}
