using Haven.Graph;
using Haven.Security;
using Haven.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Haven.Server.Endpoints;

/// <summary><c>POST /v1/discover</c>: ranked, explained candidates around confirmed accounts (docs/discovery.md).</summary>
internal static class DiscoveryEndpoints
{
    /// <summary>Most candidates one request may ask for (each is explained by a path).</summary>
    public const int MaxTop = 10_000;

    /// <summary>Most seeds one request may give.</summary>
    public const int MaxSeeds = 1_000;

    public static RouteGroupBuilder MapDiscoveryEndpoints(this RouteGroupBuilder v1)
    {
        v1.MapPost("/discover", DiscoverAsync)
            .WithName("Discover")
            .WithSummary("Find the network around confirmed accounts: ranked candidates with roles and a shortest path to a seed.")
            .WithDescription("Algorithms: bfs, ppr, evidence-ppr (default), sybilrank. The graph snapshot is rebuilt when the signals stage has moved on and the snapshot is older than 5 s.")
            .Produces<DiscoverResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .RequireScope(ApiScopes.Read);
        return v1;
    }

    internal static async Task<Results<Ok<DiscoverResponse>, ProblemHttpResult>> DiscoverAsync(DiscoverRequestDto request, NetworkSnapshotCache cache, CancellationToken cancellationToken)
    {
        if (!DiscoveryAlgorithms.TryParse(request.Algorithm ?? "evidence-ppr", out var algorithm))
        {
            return Problems.BadRequest("unknown_algorithm", $"Unknown algorithm '{request.Algorithm}'; use {string.Join(", ", DiscoveryAlgorithms.All.Select(a => a.Name))}.");
        }

        var discovery = new DiscoveryRequest(request.Seeds ?? [], algorithm, request.Top ?? 50, request.MaxHops ?? 3);
        var invalid = discovery.Validate()
            ?? (discovery.Seeds.Any(s => string.IsNullOrEmpty(s) || s.Length > 256) ? "seeds are account ids of 1–256 characters"
            : discovery.Seeds.Count > MaxSeeds ? $"at most {MaxSeeds:N0} seeds per request"
            : discovery.Top > MaxTop ? $"top must be 1..{MaxTop:N0} over HTTP (haven discover has no such bound)"
            : null);
        if (invalid is not null)
        {
            return Problems.BadRequest("invalid_request", invalid + ".");
        }

        var (snapshot, builtAt) = await cache.GetAsync(cancellationToken).ConfigureAwait(false);
        var result = snapshot.Discover(discovery);
        return TypedResults.Ok(new DiscoverResponse(
            result.Algorithm.Name(), result.Seeds, result.UnknownSeeds, result.Reached, result.Elapsed.TotalMilliseconds,
            new GraphInfo(snapshot.Graph.NodeCount, snapshot.Graph.EdgeCount, builtAt),
            [.. result.Candidates.Select(c => new CandidateDto(c.Rank, c.Account, c.Score, c.Hops, c.Role, c.Roles, c.Evidence is { } e ? new EvidenceDto(e.FirstPosts, e.MatchedPosts, e.Amplified, e.Engagements, e.Reports) : null, [.. c.Path.Select(p => p.ToString())]))]));
    }
}

/// <summary>Body of <c>POST /v1/discover</c>.</summary>
internal sealed record DiscoverRequestDto(IReadOnlyList<string>? Seeds, string? Algorithm, int? Top, int? MaxHops);

/// <summary>The graph a discovery ran on.</summary>
internal sealed record GraphInfo(int Accounts, long Edges, DateTimeOffset BuiltAt);

/// <summary>One candidate's own evidence, in counts.</summary>
internal sealed record EvidenceDto(int FirstPosts, int MatchedPosts, int Amplified, int FlaggedReplies, int Reports);

/// <summary>One ranked candidate.</summary>
internal sealed record CandidateDto(int Rank, string Account, float Score, int Hops, string? Role, IReadOnlyList<string> Roles, EvidenceDto? Evidence, IReadOnlyList<string> Path);

/// <summary>Answer of <c>POST /v1/discover</c>.</summary>
internal sealed record DiscoverResponse(string Algorithm, IReadOnlyList<string> Seeds, IReadOnlyList<string> UnknownSeeds, int Reached, double ElapsedMs, GraphInfo Graph, IReadOnlyList<CandidateDto> Candidates);
