using System.Text;
using Haven.Policy;
using static Haven.Tests.Policy.PolicyTestData;

namespace Haven.Tests.Policy;

public sealed class PolicyValidationTests
{
    [Fact]
    public void The_default_policy_validates()
    {
        var result = PolicyLoader.Validate(File.ReadAllBytes(DefaultPolicyPath));
        Assert.True(result.IsSuccess, result.IsSuccess ? string.Empty : result.Error.ToString());
        Assert.Equal("2026-11-25.1", result.Value.Version);
        Assert.Equal(PolicyMode.Enforce, result.Value.Mode);
    }

    [Fact]
    public async Task Loading_a_missing_file_is_an_error_value()
    {
        var result = await PolicyLoader.LoadFileAsync(Path.Combine(Path.GetTempPath(), "no-such-policy-" + Guid.NewGuid() + ".json"));
        Assert.False(result.IsSuccess);
        Assert.Contains("no such file", result.Error.Errors[0].Message);
    }

    [Fact]
    public void Malformed_json_gives_line_and_position()
    {
        const string json = "{\n  \"version\": \"t.1\",\n  \"mode\": enforce\n}\n";
        var error = Assert.Single(LoadInvalid(json).Errors);
        Assert.Equal(3, error.Line);
        Assert.Contains("malformed JSON at line 3, position 11", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  \n ")]
    public void An_empty_file_is_refused(string json)
    {
        Assert.Contains("empty", Assert.Single(LoadInvalid(json).Errors).Message);
    }

    [Fact]
    public void A_byte_order_mark_and_comments_are_allowed()
    {
        var json = "// the default\n" + OneRule("{ \"text\": {} }");
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(json)).ToArray();
        Assert.True(PolicyLoader.Load(bytes).IsSuccess);
    }

    [Fact]
    public void Top_level_errors_are_all_reported_with_paths()
    {
        const string json = "{\n  \"mode\": \"sometimes\",\n  \"colour\": 1,\n  \"rules\": []\n}";
        var errors = LoadInvalid(json).Errors;
        Assert.Contains(errors, e => e.Path == "$" && e.Message.Contains("missing 'version'"));
        Assert.Contains(errors, e => e.Path == "$.mode" && e.Line == 2 && e.Message.Contains("\"enforce\" or \"shadow\""));
        Assert.Contains(errors, e => e.Path == "$.colour" && e.Line == 3 && e.Message.Contains("unknown field 'colour'"));
        Assert.Contains(errors, e => e.Path == "$.rules" && e.Line == 4 && e.Message.Contains("rules is empty"));
        Assert.Equal(4, errors.Count);
    }

    [Fact]
    public void Missing_mode_and_rules_are_errors()
    {
        var errors = LoadInvalid("{\"version\": \"t.1\"}").Errors;
        Assert.Contains(errors, e => e.Message.Contains("missing 'mode'"));
        Assert.Contains(errors, e => e.Message.Contains("missing 'rules'"));
    }

    [Theory]
    [InlineData("\"\"")]
    [InlineData("\"has space\"")]
    [InlineData("3")]
    public void A_bad_version_is_an_error(string version)
    {
        var json = OneRule("{ \"text\": {} }").Replace("\"t.1\"", version, StringComparison.Ordinal);
        Assert.Contains(LoadInvalid(json).Errors, e => e.Path == "$.version" && e.Line == 2);
    }

    [Fact]
    public void Unknown_actions_and_priorities_are_errors_with_lines()
    {
        var json = OneRule("{ \"text\": {} }", "[\n\"queue_review\",\n\"ban_forever\",\n{ \"type\": \"escalate\", \"priority\": \"asap\" },\n{ \"type\": \"open_case\", \"colour\": 1 }\n]");
        var errors = LoadInvalid(json).Errors;
        var unknown = Assert.Single(errors, e => e.Path == "$.rules[0].actions[1]");
        Assert.Contains("unknown action 'ban_forever'", unknown.Message);
        Assert.Equal(12, unknown.Line);
        Assert.Contains(errors, e => e.Path == "$.rules[0].actions[2].priority" && e.Line == 13);
        Assert.Contains(errors, e => e.Path == "$.rules[0].actions[3].colour" && e.Message.Contains("unknown action field"));
    }

    [Fact]
    public void Empty_or_duplicated_actions_are_errors()
    {
        Assert.Contains(LoadInvalid(OneRule("{ \"text\": {} }", "[]")).Errors, e => e.Path == "$.rules[0].actions" && e.Message.Contains("non-empty"));
        Assert.Contains(LoadInvalid(OneRule("{ \"text\": {} }", "[\"queue_review\", \"queue_review\"]")).Errors, e => e.Path == "$.rules[0].actions[1]" && e.Message.Contains("twice"));
    }

    [Fact]
    public void Unknown_condition_kinds_and_fields_are_errors()
    {
        var errors = LoadInvalid(OneRule("{ \"all\": [ { \"hashtag\": {} }, { \"text\": { \"category\": [\"x\"] } }, {}, { \"text\": {}, \"counter\": {} } ] }")).Errors;
        Assert.Contains(errors, e => e.Path == "$.rules[0].when.all[0].hashtag" && e.Message.Contains("unknown condition kind 'hashtag'"));
        Assert.Contains(errors, e => e.Path == "$.rules[0].when.all[1].text.category" && e.Message.Contains("unknown text field 'category'"));
        Assert.Contains(errors, e => e.Path == "$.rules[0].when.all[2]" && e.Message.Contains("empty condition"));
        Assert.Contains(errors, e => e.Path == "$.rules[0].when.all[3]" && e.Message.Contains("exactly one kind"));
        Assert.All(errors, e => Assert.Equal(9, e.Line));
    }

    [Fact]
    public void Empty_combinators_are_errors()
    {
        Assert.Contains(LoadInvalid(OneRule("{ \"any\": [] }")).Errors, e => e.Path == "$.rules[0].when.any");
        Assert.Contains(LoadInvalid(OneRule("{ \"not\": 1 }")).Errors, e => e.Path == "$.rules[0].when.not");
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("64")]
    [InlineData("3.5")]
    [InlineData("\"31\"")]
    public void Bad_distances_are_errors(string distance)
    {
        var json = OneRule($$"""{ "bankMatch": { "maxDistance": {{distance}} } }""", "[\"remove_content\"]");
        var error = Assert.Single(LoadInvalid(json).Errors);
        Assert.Equal("$.rules[0].when.bankMatch.maxDistance", error.Path);
        Assert.Equal(9, error.Line);
        Assert.Contains("0 to 63", error.Message);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("63")]
    public void Distances_at_the_bounds_are_accepted(string distance)
    {
        LoadValid(OneRule($$"""{ "bankMatch": { "maxDistance": {{distance}} } }""", "[\"remove_content\"]"));
    }

    [Fact]
    public void Bad_leaf_values_are_errors()
    {
        var errors = LoadInvalid(OneRule("""
            { "all": [
              { "bankMatch": { "signalTypes": ["pdq", "phash"], "categories": [] } },
              { "text": { "categories": ["Trade Request"], "minWeight": 0 } },
              { "counter": { "name": "trade_requests_7d", "atLeast": 0 } },
              { "counter": { "atLeast": 2 } },
              { "reports": { "atLeast": 1.5, "reasons": ["cse", 3] } }
            ] }
            """)).Errors;
        Assert.Contains(errors, e => e.Path == "$.rules[0].when.all[0].bankMatch.signalTypes[1]");
        Assert.Contains(errors, e => e.Path == "$.rules[0].when.all[0].bankMatch.categories" && e.Message.Contains("leave it out"));
        Assert.Contains(errors, e => e.Path == "$.rules[0].when.all[1].text.categories[0]");
        Assert.Contains(errors, e => e.Path == "$.rules[0].when.all[1].text.minWeight");
        Assert.Contains(errors, e => e.Path == "$.rules[0].when.all[2].counter.atLeast");
        Assert.Contains(errors, e => e.Path == "$.rules[0].when.all[3].counter" && e.Message.Contains("'name'"));
        Assert.Contains(errors, e => e.Path == "$.rules[0].when.all[4].reports.atLeast");
        Assert.Contains(errors, e => e.Path == "$.rules[0].when.all[4].reports.reasons[1]");
        Assert.Equal(8, errors.Count);
    }

    [Fact]
    public void Duplicate_rule_ids_name_both_places()
    {
        const string json = """
            {
              "version": "t.1",
              "mode": "enforce",
              "rules": [
                { "id": "same", "description": "a", "when": { "text": {} }, "actions": ["queue_review"] },
                { "id": "same", "description": "b", "when": { "text": {} }, "actions": ["queue_review"] }
              ]
            }
            """;
        var error = Assert.Single(LoadInvalid(json).Errors);
        Assert.Equal("$.rules[1].id", error.Path);
        Assert.Equal(6, error.Line);
        Assert.Contains("duplicate rule id 'same'", error.Message);
        Assert.Contains("$.rules[0], line 5", error.Message);
    }

    [Fact]
    public void Duplicate_properties_are_errors()
    {
        const string json = "{\n\"version\": \"t.1\",\n\"version\": \"t.2\",\n\"mode\": \"enforce\",\n\"rules\": [{\"id\": \"r\", \"description\": \"d\", \"when\": {\"text\": {}}, \"actions\": [\"queue_review\"]}]\n}";
        var error = Assert.Single(LoadInvalid(json).Errors);
        Assert.Equal(("$.version", 3), (error.Path, error.Line));
        Assert.Contains("duplicate property", error.Message);
    }

    [Fact]
    public void Rule_fields_are_checked()
    {
        const string json = """
            {
              "version": "t.1",
              "mode": "enforce",
              "rules": [
                { "id": "Bad Id", "description": "", "when": { "text": {} }, "actions": ["queue_review"], "mode": "loud", "severity": 1 },
                { "description": "no id" },
                7
              ]
            }
            """;
        var errors = LoadInvalid(json).Errors;
        Assert.Contains(errors, e => e.Path == "$.rules[0].id" && e.Line == 5);
        Assert.Contains(errors, e => e.Path == "$.rules[0].description");
        Assert.Contains(errors, e => e.Path == "$.rules[0].mode");
        Assert.Contains(errors, e => e.Path == "$.rules[0].severity" && e.Message.Contains("unknown rule field"));
        Assert.Contains(errors, e => e.Path == "$.rules[1]" && e.Line == 6 && e.Message.Contains("missing 'id'"));
        Assert.Contains(errors, e => e.Path == "$.rules[1]" && e.Message.Contains("missing 'when'"));
        Assert.Contains(errors, e => e.Path == "$.rules[1]" && e.Message.Contains("missing 'actions'"));
        Assert.Contains(errors, e => e.Path == "$.rules[2]" && e.Line == 7);
    }

    [Fact]
    public void Errors_come_in_file_order_and_print_with_line_and_path()
    {
        var errors = LoadInvalid("{\n\"zzz\": 1,\n\"version\": \"t.1\",\n\"mode\": \"x\"\n}").Errors;
        Assert.Equal(errors.OrderBy(e => e.Line ?? int.MaxValue).Select(e => e.Line), errors.Select(e => e.Line));
        Assert.StartsWith("line 1: $: missing 'rules'", errors[0].ToString());
        Assert.StartsWith("line 2: $.zzz: unknown field", errors[1].ToString());
    }

    [Fact]
    public void Too_deep_conditions_are_refused()
    {
        var when = string.Concat(Enumerable.Repeat("{\"not\": ", 20)) + "{\"text\": {}}" + new string('}', 20);
        Assert.Contains(LoadInvalid(OneRule(when)).Errors, e => e.Message.Contains("nested deeper"));
    }
}
