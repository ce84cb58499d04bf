using System.Reflection;
using Haven.Graph;
using Haven.Policy;
using Haven.Signals;
using Haven.Storage;
using Haven.Tests.Signals;
using Haven.Tests.Storage;
using static Haven.Tests.Policy.PolicyTestData;

namespace Haven.Tests.Policy;

/// <summary>Names in policy conditions are checked against what the engine computes (Policy/SignalVocabulary).</summary>
public sealed class PolicySignalNameTests
{
    [Fact]
    public void A_counter_typo_is_refused_with_path_line_and_a_suggestion()
    {
        var error = Assert.Single(LoadInvalid(OneRule("""
            { "counter": { "name": "sexualising_replies_distinct_owner_7d", "atLeast": 3 } }
            """)).Errors);
        Assert.Equal("$.rules[0].when.counter.name", error.Path);
        Assert.Equal(9, error.Line);
        Assert.Contains("unknown counter 'sexualising_replies_distinct_owner_7d'", error.Message);
        Assert.Contains("did you mean 'sexualising_replies_distinct_owners_7d'", error.Message);
    }

    [Fact]
    public void A_counter_far_from_every_name_lists_the_known_ones()
    {
        var error = Assert.Single(LoadInvalid(OneRule("""{ "counter": { "name": "followers", "atLeast": 3 } }""")).Errors);
        Assert.Equal("$.rules[0].when.counter.name", error.Path);
        Assert.DoesNotContain("did you mean", error.Message);
        Assert.All(SignalVocabulary.Counters, name => Assert.Contains(name, error.Message));
    }

    [Fact]
    public void Every_counter_the_engine_computes_is_accepted()
    {
        foreach (var name in SignalVocabulary.Counters)
        {
            LoadValid(OneRule($$"""{ "counter": { "name": "{{name}}", "atLeast": 1 } }"""));
        }
    }

    [Fact]
    public void An_unknown_text_category_is_refused_with_path_line_and_a_suggestion()
    {
        var errors = LoadInvalid(OneRule("""
            { "any": [ { "text": { "categories": ["trade_request", "solicitaton"] } },
                       { "text": { "categories": ["grooming_local"] } } ] }
            """)).Errors;
        Assert.Equal(2, errors.Count);
        Assert.Equal(("$.rules[0].when.any[0].text.categories[1]", 9), (errors[0].Path, errors[0].Line));
        Assert.Contains("unknown text category 'solicitaton': did you mean 'solicitation'?", errors[0].Message);
        Assert.Equal(("$.rules[0].when.any[1].text.categories[0]", 10), (errors[1].Path, errors[1].Line));
        Assert.Contains("known: cse_term, trade_request", errors[1].Message);
        Assert.Contains("customTextCategories", errors[1].Message);
    }

    [Fact]
    public void An_operators_own_text_category_is_accepted_once_declared()
    {
        var json = OneRule("""{ "text": { "categories": ["grooming_local", "sexualising"] } }""")
            .Replace("\"mode\": \"enforce\",", "\"mode\": \"enforce\", \"customTextCategories\": [\"grooming_local\"],", StringComparison.Ordinal);
        LoadValid(json);

        var bad = Assert.Single(LoadInvalid(json.Replace("[\"grooming_local\"]", "[\"Grooming Local\"]", StringComparison.Ordinal)).Errors, e => e.Path.StartsWith("$.customTextCategories", StringComparison.Ordinal));
        Assert.Equal("$.customTextCategories[0]", bad.Path);
    }

    [Theory]
    [InlineData("phash", "known: pdq, md5, sha256")]
    [InlineData("PDQ", "did you mean 'pdq'?")]
    [InlineData("sha265", "did you mean 'sha256'?")]
    public void An_unknown_signal_type_is_refused_with_path_line_and_a_suggestion(string type, string hint)
    {
        var error = Assert.Single(LoadInvalid(OneRule($$"""{ "bankMatch": { "signalTypes": ["md5", "{{type}}"] } }""")).Errors);
        Assert.Equal(("$.rules[0].when.bankMatch.signalTypes[1]", 9), (error.Path, error.Line));
        Assert.Contains($"unknown signal type '{type}': {hint}", error.Message);
    }

    [Theory]
    [InlineData("a1", "did you mean 'A1'?")]
    [InlineData("A3", "did you mean 'A1'?")]
    [InlineData("C9", "known: A1, A2, B1, B2")]
    public void A_bank_category_in_the_classification_form_must_be_a_known_class(string category, string hint)
    {
        var error = Assert.Single(LoadInvalid(OneRule($$"""{ "bankMatch": { "categories": ["B2", "{{category}}"] } }""", "[\"remove_content\"]")).Errors);
        Assert.Equal(("$.rules[0].when.bankMatch.categories[1]", 9), (error.Path, error.Line));
        Assert.Contains($"unknown classification class '{category}': {hint}", error.Message);
    }

    [Fact]
    public void Free_form_bank_categories_are_accepted_because_imports_carry_any_tag()
    {
        LoadValid(OneRule("""{ "bankMatch": { "categories": ["A1", "sextortion", "hma_tag_42"] } }""", "[\"remove_content\"]"));
    }

    [Fact]
    public void Every_policy_file_in_the_repository_validates()
    {
        var root = RepositoryRoot();
        var files = new[] { "policies", "tests" }
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(root, folder), "*.policy.json", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal) &&
                        !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        Assert.Contains(files, f => f.EndsWith("default.policy.json", StringComparison.Ordinal));
        foreach (var file in files)
        {
            var result = PolicyLoader.Validate(File.ReadAllBytes(file));
            Assert.True(result.IsSuccess, result.IsSuccess ? string.Empty : $"{file}: {result.Error}");
        }

        Assert.NotNull(PolicyLoader.LoadBuiltIn());
    }

    [Fact]
    public void Every_counter_name_declared_by_an_emitting_stage_is_in_the_vocabulary()
    {
        static IEnumerable<string> Constants(Type type) => type.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string)).Select(f => (string)f.GetRawConstantValue()!);

        Assert.All(Constants(typeof(AccountCounters)), name => Assert.Contains(name, SignalVocabulary.Counters));
        Assert.All(Constants(typeof(DiscoveryCases)), name => Assert.Contains(name, SignalVocabulary.Counters));
        Assert.Equal(SignalVocabulary.AccountCounters, AccountCounters.AccountNames);
        Assert.Equal(SignalVocabulary.Counters.Count, SignalVocabulary.Counters.Distinct(StringComparer.Ordinal).Count());
        Assert.Subset(SignalVocabulary.TextCategories.ToHashSet(), SignalVocabulary.EngagementCategories.ToHashSet());
        Assert.Same(SignalVocabulary.EngagementCategories, SignalProcessor.EngagementCategories);
        Assert.Same(SignalVocabulary.TradeCategories, SignalProcessor.TradeCategories);
    }

    [Fact]
    public void Every_role_discovery_can_assign_has_its_counter()
    {
        var roles = new HashSet<string>(StringComparer.Ordinal);
        for (var first = 0; first <= 2; first++)
        {
            for (var matched = 0; matched <= 2; matched++)
            {
                for (var amplified = 0; amplified <= 2; amplified++)
                {
                    for (var engagements = 0; engagements <= 2; engagements++)
                    {
                        roles.UnionWith(new AccountEvidence("a", first, matched, amplified, engagements, 0).Roles);
                    }
                }
            }
        }

        Assert.Equal(SignalVocabulary.NetworkRoles.Order(StringComparer.Ordinal), roles.Order(StringComparer.Ordinal));
        Assert.All(roles, role => Assert.Contains(SignalVocabulary.NetworkRoleCounter(role), SignalVocabulary.Counters));
    }
}

/// <summary>Runs the stages that emit counters on a real store and checks every name they wrote is known to the validator.</summary>
public abstract class SignalNameDriftSuite : PipelineSuite
{
    [StoreFact]
    public async Task Every_counter_the_stages_write_is_in_the_vocabulary_and_every_known_counter_is_written()
    {
        var random = new Random(7);
        await IngestAsync(
            Post("owner-1", "photo-1", media: Photo(random)),
            Post("trader", "t-1", text: "lanternmoth zephyrquill", replyTo: "photo-1"));
        await Processor().RunAsync();

        var candidates = SignalVocabulary.NetworkRoles
            .Select((role, i) => new DiscoveredAccount(i + 1, "acct-" + role, 1f, 1, role, [role], null, []))
            .ToList();
        await DiscoveryCases.FeedAsync(Store, DefaultPolicy(), new DiscoveryResult(DiscoveryAlgorithm.BreadthFirst, ["seed"], [], candidates.Count, candidates, TimeSpan.Zero), Haven.Enforcement.EnforcementTargets.None.Adapters);

        var written = new HashSet<string>(StringComparer.Ordinal);
        await using (var connection = await Store.OpenConnectionAsync())
        {
            foreach (var body in await Dapper.SqlMapper.QueryAsync<string>(connection, "SELECT body FROM signal_sets"))
            {
                var sets = SignalSetFile.Parse(body);
                Assert.True(sets.IsSuccess, body);
                written.UnionWith(sets.Value.SelectMany(s => s.Counters.Keys));
            }
        }

        Assert.All(written, name => Assert.Contains(name, SignalVocabulary.Counters));
        Assert.Equal(SignalVocabulary.Counters.Order(StringComparer.Ordinal), written.Order(StringComparer.Ordinal));
    }
}

public sealed class SqliteSignalNameDriftTests : SignalNameDriftSuite
{
    internal override StoreProvider Provider => StoreProvider.Sqlite;
}
