using System.Text;
using Haven.Banks;
using Haven.Banks.Import;
using Haven.Security;
using Haven.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Haven.Server.Endpoints;

/// <summary>Bank management under <c>/v1/banks</c>.</summary>
internal static class BankEndpoints
{
    public static RouteGroupBuilder MapBankEndpoints(this RouteGroupBuilder v1)
    {
        var banks = v1.MapGroup("/banks").WithTags("Banks");
        banks.MapGet("/", ListAsync).WithName("ListBanks").WithSummary("Every bank with its entry counts.").RequireScope(ApiScopes.Read);
        banks.MapPost("/", CreateAsync).WithName("CreateBank").WithSummary("Create a bank.").RequireScope(ApiScopes.Admin);
        banks.MapGet("/{name}", GetAsync).WithName("GetBank").RequireScope(ApiScopes.Read);
        banks.MapDelete("/{name}", DeleteAsync).WithName("DeleteBank").WithSummary("Delete a bank and all its entries.").RequireScope(ApiScopes.Admin);
        banks.MapPost("/{name}/enable", (string name, BankService service, CancellationToken ct) => SetEnabledAsync(name, true, service, ct)).WithName("EnableBank").RequireScope(ApiScopes.Admin);
        banks.MapPost("/{name}/disable", (string name, BankService service, CancellationToken ct) => SetEnabledAsync(name, false, service, ct)).WithName("DisableBank").RequireScope(ApiScopes.Admin);
        banks.MapPost("/{name}/import", ImportAsync).WithName("ImportBank")
            .WithSummary("Import entries, all or nothing.")
            .WithDescription("Body: the file as text. Query: format = hex (one hash per line) | csv (header with 'hash' and optional quality,category,external_id) | hma (ThreatExchange/HMA signal CSV), detected from the first line when omitted; signal = pdq|md5|sha256 for values that do not name their type; source; category.")
            .Accepts<string>("text/plain", "text/csv")
            .Produces<ImportResponse>()
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .RequireScope(ApiScopes.Admin);
        banks.MapGet("/{name}/export", ExportAsync).WithName("ExportBank").WithSummary("The bank as Haven CSV.").Produces<string>(contentType: "text/csv").RequireScope(ApiScopes.Read);
        banks.MapPost("/{name}/entries/remove", RemoveAsync).WithName("RemoveEntries").WithSummary("Remove entries by id, value or external id.").RequireScope(ApiScopes.Admin);
        return v1;
    }

    private static async Task<Ok<BankDto[]>> ListAsync(BankService service, CancellationToken ct) =>
        TypedResults.Ok((await service.ListAsync(ct).ConfigureAwait(false)).Select(BankDto.From).ToArray());

    private static async Task<Results<Created<BankDto>, ProblemHttpResult>> CreateAsync(CreateBankRequest body, BankService service, CancellationToken ct)
    {
        var result = await service.CreateAsync(body.Name ?? string.Empty, body.Description, body.Enabled ?? true, ct).ConfigureAwait(false);
        if (!result.TryGetValue(out var bank, out var error))
        {
            return Map(error!);
        }

        return TypedResults.Created($"/v1/banks/{bank.Name}", BankDto.From(new BankSummary(bank, 0, 0, 0)));
    }

    private static async Task<Results<Ok<BankDto>, ProblemHttpResult>> GetAsync(string name, BankService service, CancellationToken ct)
    {
        var result = await service.GetAsync(name, ct).ConfigureAwait(false);
        return result.TryGetValue(out var summary, out var error) ? TypedResults.Ok(BankDto.From(summary)) : Map(error!);
    }

    private static async Task<Results<Ok<DeletedResponse>, ProblemHttpResult>> DeleteAsync(string name, BankService service, CancellationToken ct)
    {
        var result = await service.DeleteAsync(name, ct).ConfigureAwait(false);
        return result.TryGetValue(out var removed, out var error) ? TypedResults.Ok(new DeletedResponse(removed)) : Map(error!);
    }

    private static async Task<Results<Ok<BankDto>, ProblemHttpResult>> SetEnabledAsync(string name, bool enabled, BankService service, CancellationToken ct)
    {
        var result = await service.SetEnabledAsync(name, enabled, ct).ConfigureAwait(false);
        if (!result.TryGetValue(out _, out var error))
        {
            return Map(error!);
        }

        var summary = await service.GetAsync(name, ct).ConfigureAwait(false);
        return summary.TryGetValue(out var s, out var e) ? TypedResults.Ok(BankDto.From(s)) : Map(e!);
    }

    private static async Task<Results<Ok<ImportResponse>, ProblemHttpResult>> ImportAsync(
        string name, HttpRequest request, BankService service, string? format, string? signal, string? source, string? category, CancellationToken ct)
    {
        if (!ImportFormats.TryParse(format, out var importFormat))
        {
            return Problems.BadRequest("invalid_format", $"Unknown format '{format}': use hex, csv or hma.");
        }

        SignalType? signalType = null;
        if (!string.IsNullOrEmpty(signal))
        {
            if (!SignalTypes.TryParse(signal, out var parsed))
            {
                return Problems.BadRequest("invalid_signal", $"Unknown signal type '{signal}': use pdq, md5 or sha256.");
            }

            signalType = parsed;
        }

        using var reader = new StreamReader(request.Body, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var options = new ImportOptions { Format = importFormat, SignalType = signalType, Source = source, Category = category };
        var result = await service.ImportAsync(name, reader, options, progress: null, ct).ConfigureAwait(false);
        return result.TryGetValue(out var summary, out var error) ? TypedResults.Ok(ImportResponse.From(summary)) : Map(error!);
    }

    private static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> ExportAsync(string name, BankService service, CancellationToken ct)
    {
        if (await service.FindAsync(name, ct).ConfigureAwait(false) is null)
        {
            return Map(new BankNotFound(name));
        }

        // Streamed: a bank of millions of entries never sits in memory.
        return TypedResults.Stream(
            async body =>
            {
                await using var writer = new StreamWriter(body, new UTF8Encoding(false));
                await service.ExportCsvAsync(name, writer, ct).ConfigureAwait(false);
            },
            "text/csv",
            $"{name}.csv");
    }

    private static async Task<Results<Ok<DeletedResponse>, ProblemHttpResult>> RemoveAsync(string name, RemoveEntriesRequest body, BankService service, CancellationToken ct)
    {
        EntrySelector? selector = (body.Ids, body.Values, body.ExternalIds) switch
        {
            ({ Count: > 0 } ids, null or { Count: 0 }, null or { Count: 0 }) => EntrySelector.ByIds(ids),
            (null or { Count: 0 }, { Count: > 0 } values, null or { Count: 0 }) => EntrySelector.ByValues(values),
            (null or { Count: 0 }, null or { Count: 0 }, { Count: > 0 } externalIds) => EntrySelector.ByExternalIds(externalIds),
            _ => null,
        };
        if (selector is null)
        {
            return Problems.BadRequest("invalid_selection", "Give exactly one of \"ids\", \"values\" or \"externalIds\", non-empty.");
        }

        var result = await service.RemoveEntriesAsync(name, selector, ct).ConfigureAwait(false);
        return result.TryGetValue(out var removed, out var error) ? TypedResults.Ok(new DeletedResponse(removed)) : Map(error!);
    }

    private static ProblemHttpResult Map(BankError error) => error switch
    {
        BankNotFound => Problems.NotFound("bank_not_found", error.Message),
        BankAlreadyExists => Problems.Conflict("bank_exists", error.Message),
        ImportFailed failed => Problems.Create(
            StatusCodes.Status422UnprocessableEntity, "import_refused", "The import was refused; nothing was written.", error.Message,
            new Dictionary<string, object?>
            {
                ["errorCount"] = failed.ErrorCount,
                ["linesRead"] = failed.LinesRead,
                ["errors"] = failed.Errors.Select(e => new { line = e.Line, error = e.Message }).ToArray(),
            }),
        _ => Problems.BadRequest("invalid_request", error.Message),
    };
}

/// <summary>Body of <c>POST /v1/banks</c>.</summary>
internal sealed record CreateBankRequest(string? Name, string? Description, bool? Enabled);

/// <summary>Body of <c>POST /v1/banks/{name}/entries/remove</c>: exactly one selector.</summary>
internal sealed record RemoveEntriesRequest(IReadOnlyList<long>? Ids, IReadOnlyList<string>? Values, IReadOnlyList<string>? ExternalIds);

/// <summary>How many rows an operation removed.</summary>
internal sealed record DeletedResponse(long Removed);

/// <summary>A bank as the API shows it.</summary>
internal sealed record BankDto(long Id, string Name, string Description, bool Enabled, DateTimeOffset CreatedAt, long PdqCount, long Md5Count, long Sha256Count)
{
    public static BankDto From(BankSummary s) =>
        new(s.Bank.Id, s.Bank.Name, s.Bank.Description, s.Bank.Enabled, s.Bank.CreatedAt, s.PdqCount, s.Md5Count, s.Sha256Count);
}

/// <summary>What an import did.</summary>
internal sealed record ImportResponse(long LinesRead, long EntriesRead, long Added, long AlreadyPresent, long Skipped, long BelowQualityGate, long BanksVersion)
{
    public static ImportResponse From(ImportSummary s) => new(s.LinesRead, s.EntriesRead, s.Added, s.AlreadyPresent, s.Skipped, s.BelowQualityGate, s.BanksVersion);
}
