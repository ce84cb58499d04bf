using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Haven.Audit;
using Haven.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Haven.Server.Tests;

/// <summary>
/// Every endpoint of the OpenAPI document, spelled every way a path can be spelled, without a key and with a key that
/// lacks the endpoint's scope: only 401 and 403 (or 404 where the spelling does not route at all), never the endpoint.
/// </summary>
public sealed class SecurityProbeTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    /// <summary>Ways to write <paramref name="path"/> that a server might treat as the same path.</summary>
    private static IEnumerable<(string Name, string Target)> Spellings(string path, Uri baseAddress)
    {
        var segments = path.TrimStart('/').Split('/');
        string Escape(string s) => string.Concat(s.Select(c => $"%{(int)c:X2}"));
        yield return ("canonical", path);
        yield return ("upper case", path.ToUpperInvariant());
        yield return ("first segment upper", "/V1/" + string.Join('/', segments[1..]));
        yield return ("escaped first segment", "/%76%31/" + string.Join('/', segments[1..]));
        yield return ("escaped upper first segment", "/%56%31/" + string.Join('/', segments[1..]));
        yield return ("every character escaped", "/" + string.Join('/', segments.Select(Escape)));
        yield return ("lower-case escapes", "/" + string.Join('/', segments.Select(s => Escape(s).ToLowerInvariant())));
        yield return ("doubled leading slash", "/" + path);
        yield return ("doubled inner slash", "/v1//" + string.Join('/', segments[1..]));
        yield return ("dot segment", "/v1/./" + string.Join('/', segments[1..]));
        yield return ("dot-dot segment", "/x/../" + path.TrimStart('/'));
        yield return ("escaped dot-dot", "/x/%2e%2e/" + path.TrimStart('/'));
        yield return ("trailing slash", path + "/");
        yield return ("escaped slash", "/v1%2F" + string.Join('/', segments[1..]));
        yield return ("absolute form", $"http://{baseAddress.Authority}{path.ToUpperInvariant()}");
        yield return ("query", path + "?api_key=x");
    }

    [Fact]
    public async Task No_spelling_of_any_endpoint_is_reachable_without_a_key_or_with_the_wrong_scope()
    {
        await server.Client.PostAsJsonAsync("/v1/banks", new { name = "probe" });
        var keys = new ApiKeyService(server.Store);
        async Task<string> KeyAsync(params string[] scopes) => (await keys.CreateAsync("probe-" + string.Join('-', scopes), scopes)).Value.PlaintextKey;
        var allButAdmin = await KeyAsync("ingest", "match", "read");
        var wrongFor = new Dictionary<string, string>
        {
            ["scope:admin"] = allButAdmin,
            ["scope:read"] = await KeyAsync("ingest", "match"),
            ["scope:match"] = await KeyAsync("ingest", "read"),
            ["scope:ingest"] = await KeyAsync("match", "read"),
            ["scope:read|ingest"] = await KeyAsync("match"),
            ["scope:review"] = await KeyAsync("ingest", "match", "read"),
            ["scope:read|review"] = await KeyAsync("ingest", "match"),
        };
        var auditBefore = await CountAuditAsync();

        var document = JsonDocument.Parse(await server.Anonymous.GetStringAsync("/openapi/v1.json"));
        var operations = document.RootElement.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(m => (Method: m.Name.ToUpperInvariant(), Template: p.Name)))
            .ToList();
        Assert.True(operations.Count >= 14, $"only {operations.Count} operations in the OpenAPI document");

        // Endpoints mapped from a request delegate (the Prometheus scrape at /metrics) are not in the document: probed
        // too, with GET, so that no routed endpoint escapes the probe.
        var undocumented = server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IAllowAnonymous>() is null && e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IHttpMethodMetadata>() is null)
            .Select(e => (Method: "GET", Template: "/" + e.RoutePattern.RawText!.Trim('/')))
            .ToList();
        Assert.Contains(("GET", "/metrics"), undocumented);
        operations.AddRange(undocumented);

        var routed = 0;
        var failures = new List<string>();
        foreach (var (method, template) in operations)
        {
            var policy = PolicyOf(method, template);
            Assert.True(wrongFor.ContainsKey(policy), $"{method} {template}: no wrong-scope key for {policy}");
            var path = template.Replace("{name}", "probe", StringComparison.Ordinal).Replace("{id}", "probe-event", StringComparison.Ordinal);
            foreach (var (name, target) in Spellings(path, server.BaseAddress))
            {
                // Whether this spelling reaches a route at all, asked without side effects: a GET by an admin key
                // answers 404 only where no route matches the path.
                var (oracle, oracleBody) = await RawHttp.SendAsync(server.BaseAddress, "GET", target, Bearer(server.ApiKey));
                var routes = oracle != 400 && !(oracle == 404 && oracleBody.Contains("\"code\":\"not_found\"", StringComparison.Ordinal));
                var (anonymous, _) = await RawHttp.SendAsync(server.BaseAddress, method, target, null, [1, 2, 3]);
                var (wrong, _) = await RawHttp.SendAsync(server.BaseAddress, method, target, Bearer(wrongFor[policy]), [1, 2, 3]);
                var expectedAnonymous = oracle == 400 ? 400 : 401;
                var expectedWrong = routes ? 403 : oracle;
                if (anonymous != expectedAnonymous || wrong != expectedWrong)
                {
                    failures.Add($"{method} {target} ({name}): no key {anonymous} (want {expectedAnonymous}), wrong scope {wrong} (want {expectedWrong}), admin GET {oracle}");
                }

                routed += routes ? 1 : 0;
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} probes answered otherwise:\n" + string.Join("\n", failures));

        // Not vacuous: most spellings do reach the endpoint's route (case, escapes, dot segments, trailing slash).
        Assert.True(routed >= operations.Count * 8, $"only {routed} probes routed");

        // Nothing happened: the bank is still there and no audit entry was written by any probe.
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/v1/banks/probe")).StatusCode);
        Assert.Equal(auditBefore, await CountAuditAsync());
    }

    [Fact]
    public void Every_routed_endpoint_declares_its_authorization_and_every_v1_endpoint_is_in_the_document()
    {
        var endpoints = server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        Assert.NotEmpty(endpoints);
        foreach (var endpoint in endpoints)
        {
            var declared = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null || endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Any(a => a.Policy is not null);
            Assert.True(declared, $"{endpoint.DisplayName} declares neither a scope nor anonymous access");
            if (endpoint.RoutePattern.RawText!.StartsWith("/v1", StringComparison.Ordinal))
            {
                Assert.Null(endpoint.Metadata.GetMetadata<IAllowAnonymous>());
            }
        }
    }

    [Theory]
    [InlineData("HEAD", "/v1/banks")]
    [InlineData("OPTIONS", "/v1/banks")]
    [InlineData("TRACE", "/v1/events")]
    [InlineData("PROPFIND", "/V1/banks/probe")]
    [InlineData("DELETE", "/v1/media/match")]
    public async Task Other_methods_are_401_without_a_key_and_never_reach_an_endpoint(string method, string path)
    {
        var (anonymous, _) = await RawHttp.SendAsync(server.BaseAddress, method, path);
        Assert.Equal(401, anonymous);
        var (withKey, _) = await RawHttp.SendAsync(server.BaseAddress, method, path, Bearer(server.ApiKey));
        Assert.True(withKey is 405 or 404 or 400, $"{method} {path} with a key: {withKey}");
    }

    [Fact]
    public async Task An_unauthenticated_request_to_an_unknown_path_is_401_and_an_authenticated_one_404_with_a_code()
    {
        var (anonymous, _) = await RawHttp.SendAsync(server.BaseAddress, "GET", "/v2/anything");
        Assert.Equal(401, anonymous);
        using var missing = await server.Client.GetAsync("/v2/anything");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("not_found", (await missing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Audit_entries_name_the_key_that_made_the_change()
    {
        using var created = await server.Client.PostAsJsonAsync("/v1/banks", new { name = "audited-by-key" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await using var connection = await server.Store.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT actor FROM audit_log ORDER BY seq DESC LIMIT 1";
        var actor = (string?)await command.ExecuteScalarAsync();
        Assert.StartsWith("apikey:", actor, StringComparison.Ordinal);
    }

    private string PolicyOf(string method, string template)
    {
        var endpoint = server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Single(e => "/" + e.RoutePattern.RawText!.Trim('/') == template.TrimEnd('/') && (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IHttpMethodMetadata>()?.HttpMethods.Contains(method) ?? true));
        return endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Single().Policy!;
    }

    private async Task<long> CountAuditAsync() =>
        (await new AuditLog(server.Store).VerifyAsync()).Entries;

    private static Dictionary<string, string> Bearer(string key) => new() { ["Authorization"] = "Bearer " + key };
}
