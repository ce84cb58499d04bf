using Dapper;
using Haven.Audit;
using Haven.Banks;
using Haven.Kernels.Text;
using Haven.Storage;

namespace Haven.Text;

/// <summary>A lexicon with its entry count per category.</summary>
internal sealed record LexiconSummary(long Id, string Name, string Description, bool Enabled, DateTimeOffset CreatedAt, IReadOnlyDictionary<string, long> CountsByCategory)
{
    public long TotalCount => CountsByCategory.Values.Sum();
}

/// <summary>What an import did.</summary>
internal sealed record LexiconImportSummary(long Entries, long Added, long AlreadyPresent);

/// <summary>Expected failures of lexicon operations.</summary>
internal abstract record LexiconError(string Message)
{
    public sealed override string ToString() => Message;
}

internal sealed record LexiconNotFound(string Name) : LexiconError($"Lexicon '{Name}' does not exist.");

internal sealed record LexiconAlreadyExists(string Name) : LexiconError($"Lexicon '{Name}' already exists.");

internal sealed record LexiconNameInvalid(string Reason) : LexiconError("Invalid lexicon name: " + Reason);

/// <summary>The file had bad lines; nothing was written. Every error carries its line number.</summary>
internal sealed record LexiconImportFailed(IReadOnlyList<LexiconLineError> Errors) : LexiconError($"Import refused: {Errors.Count} bad line(s); nothing was written.");

/// <summary>The compiled matcher of every enabled lexicon, and what each entry id stands for.</summary>
internal sealed record LexiconSnapshot(LexiconMatcher Matcher, IReadOnlyDictionary<int, (string Lexicon, string Pattern, string? Source)> Entries, long Version);

/// <summary>Lexicons of terms, hashtags and phrases in the store; changes are audited and bump <c>lexicons_version</c>.</summary>
internal sealed class LexiconService(HavenStore store)
{
    private const string VersionCounter = "lexicons_version";

    public async Task<Result<LexiconSummary, LexiconError>> CreateAsync(string name, string? description = null, CancellationToken cancellationToken = default)
    {
        if (BankName.Validate(name) is { } invalid)
        {
            return new LexiconNameInvalid(invalid);
        }

        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await store.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        if (await FindIdAsync(connection, transaction, name, cancellationToken).ConfigureAwait(false) is not null)
        {
            return new LexiconAlreadyExists(name);
        }

        var createdAt = store.NowUnixMilliseconds;
        var id = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "INSERT INTO lexicons (name, description, enabled, created_at) VALUES (@name, @description, @enabled, @createdAt) RETURNING id",
            new { name, description = description ?? string.Empty, enabled = true, createdAt }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await HavenStore.BumpCounterAsync(connection, transaction, VersionCounter, cancellationToken).ConfigureAwait(false);
        await AuditLog.AppendAsync(store, connection, transaction, "lexicon.created", $"lexicon:{name}", new { id }, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new LexiconSummary(id, name, description ?? string.Empty, true, DateTimeOffset.FromUnixTimeMilliseconds(createdAt), new Dictionary<string, long>());
    }

    public async Task<IReadOnlyList<LexiconSummary>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var lexicons = await connection.QueryAsync<(long Id, string Name, string Description, bool Enabled, long CreatedAt)>(new CommandDefinition(
            "SELECT id, name, description, enabled, created_at FROM lexicons ORDER BY name", cancellationToken: cancellationToken)).ConfigureAwait(false);
        var counts = (await connection.QueryAsync<(long LexiconId, string Category, long Count)>(new CommandDefinition(
            "SELECT lexicon_id, category, COUNT(*) FROM lexicon_entries GROUP BY lexicon_id, category", cancellationToken: cancellationToken)).ConfigureAwait(false))
            .GroupBy(c => c.LexiconId)
            .ToDictionary(g => g.Key, g => (IReadOnlyDictionary<string, long>)g.ToDictionary(c => c.Category, c => c.Count));
        return [.. lexicons.Select(l => new LexiconSummary(l.Id, l.Name, l.Description, l.Enabled, DateTimeOffset.FromUnixTimeMilliseconds(l.CreatedAt), counts.GetValueOrDefault(l.Id) ?? new Dictionary<string, long>()))];
    }

    /// <summary>Reads the whole file first; any bad line refuses it all. Entries already in the lexicon are counted, not duplicated.</summary>
    public async Task<Result<LexiconImportSummary, LexiconError>> ImportAsync(string name, TextReader reader, CancellationToken cancellationToken = default)
    {
        var (entries, errors) = await LexiconFile.ReadAsync(reader, cancellationToken).ConfigureAwait(false);
        if (errors.Count > 0)
        {
            return new LexiconImportFailed(errors);
        }

        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await store.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        if (await FindIdAsync(connection, transaction, name, cancellationToken).ConfigureAwait(false) is not { } lexiconId)
        {
            return new LexiconNotFound(name);
        }

        var addedAt = store.NowUnixMilliseconds;
        long added = 0;
        foreach (var e in entries)
        {
            added += await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO lexicon_entries (lexicon_id, pattern, normalized, category, weight, mode, source, added_at) " +
                "VALUES (@lexiconId, @Pattern, @Normalized, @Category, @Weight, @mode, @Source, @addedAt) ON CONFLICT DO NOTHING",
                new { lexiconId, e.Pattern, e.Normalized, e.Category, e.Weight, mode = e.Mode == LexiconMatchMode.Substring ? "substring" : "word", e.Source, addedAt },
                transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        if (added > 0)
        {
            await HavenStore.BumpCounterAsync(connection, transaction, VersionCounter, cancellationToken).ConfigureAwait(false);
            await AuditLog.AppendAsync(store, connection, transaction, "lexicon.entries_added", $"lexicon:{name}", new { id = lexiconId, entries = entries.Count, added }, cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new LexiconImportSummary(entries.Count, added, entries.Count - added);
    }

    /// <summary>
    /// Installs the shipped default lexicon (<see cref="DefaultLexicon"/>) under <paramref name="name"/>: creates it if
    /// missing, then imports every entry; running it again adds only entries a newer Haven ships.
    /// </summary>
    public async Task<Result<LexiconImportSummary, LexiconError>> InstallDefaultAsync(string name = DefaultLexicon.Name, CancellationToken cancellationToken = default)
    {
        var created = await CreateAsync(name, DefaultLexicon.Description, cancellationToken).ConfigureAwait(false);
        if (!created.IsSuccess && created.Error is not LexiconAlreadyExists)
        {
            return created.Error;
        }

        using var reader = DefaultLexicon.Open();
        return await ImportAsync(name, reader, cancellationToken).ConfigureAwait(false);
    }

    public async Task<Result<long, LexiconError>> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await store.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        if (await FindIdAsync(connection, transaction, name, cancellationToken).ConfigureAwait(false) is not { } id)
        {
            return new LexiconNotFound(name);
        }

        var entries = await connection.ExecuteAsync(new CommandDefinition("DELETE FROM lexicon_entries WHERE lexicon_id = @id", new { id }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM lexicons WHERE id = @id", new { id }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await HavenStore.BumpCounterAsync(connection, transaction, VersionCounter, cancellationToken).ConfigureAwait(false);
        await AuditLog.AppendAsync(store, connection, transaction, "lexicon.deleted", $"lexicon:{name}", new { id, entries }, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (long)entries;
    }

    /// <summary>Compiles every entry of every enabled lexicon (or only <paramref name="lexicon"/>) into one matcher.</summary>
    public async Task<Result<LexiconSnapshot, LexiconError>> LoadAsync(string? lexicon = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await store.BeginSnapshotReadAsync(connection, cancellationToken).ConfigureAwait(false);
        if (lexicon is not null && await FindIdAsync(connection, transaction, lexicon, cancellationToken).ConfigureAwait(false) is null)
        {
            return new LexiconNotFound(lexicon);
        }

        var version = await HavenStore.ReadCounterAsync(connection, transaction, VersionCounter, cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(long Id, string Lexicon, string Pattern, string Category, float Weight, string Mode, string? Source)>(new CommandDefinition(
            "SELECT e.id, l.name, e.pattern, e.category, e.weight, e.mode, e.source FROM lexicon_entries e JOIN lexicons l ON l.id = e.lexicon_id " +
            "WHERE l.enabled" + (lexicon is null ? string.Empty : " AND l.name = @lexicon") + " ORDER BY e.id",
            new { lexicon }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var list = rows.ToList();
        var matcher = LexiconMatcher.Build(list.Select(r => new LexiconEntry(checked((int)r.Id), r.Pattern, r.Category, r.Weight, r.Mode == "substring" ? LexiconMatchMode.Substring : LexiconMatchMode.WholeWord)));
        return new LexiconSnapshot(matcher, list.ToDictionary(r => checked((int)r.Id), r => (r.Lexicon, r.Pattern, r.Source)), version);
    }

    private static Task<long?> FindIdAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, string name, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<long?>(new CommandDefinition("SELECT id FROM lexicons WHERE name = @name", new { name }, transaction, cancellationToken: cancellationToken));
}
