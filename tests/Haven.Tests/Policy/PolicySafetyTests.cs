using static Haven.Tests.Policy.PolicyTestData;

namespace Haven.Tests.Policy;

public sealed class PolicySafetyTests
{
    private const string Text = "{ \"text\": { \"categories\": [\"trade_request\"] } }";
    private const string Bank = "{ \"bankMatch\": { \"categories\": [\"A1\"] } }";
    private const string Counter = "{ \"counter\": { \"name\": \"sexualising_replies_7d\", \"atLeast\": 3 } }";
    private const string Reports = "{ \"reports\": { \"atLeast\": 2 } }";

    [Theory]
    [InlineData("remove_content")]
    [InlineData("suspend_account")]
    [InlineData("restrict_account")]
    [InlineData("close_community")]
    [InlineData("queue_mandatory_report")]
    public void A_text_only_rule_may_not_act(string action)
    {
        var error = Assert.Single(LoadInvalid(OneRule(Text, $"[\"queue_review\", \"{action}\"]")).Errors);
        Assert.Equal("$.rules[0].actions", error.Path);
        Assert.Contains("rule 'r1'", error.Message);
        Assert.Contains("without a bank match", error.Message);
        Assert.Contains(action, error.Message);
        Assert.Equal(10, error.Line);
    }

    [Theory]
    [InlineData("queue_review")]
    [InlineData("open_case")]
    [InlineData("escalate")]
    public void A_text_only_rule_may_put_people_in_the_loop(string action) => LoadValid(OneRule(Text, $"[\"{action}\"]"));

    [Theory]
    [InlineData(Counter)]
    [InlineData(Reports)]
    [InlineData("{ \"any\": [" + Bank + ", " + Text + "] }")]
    [InlineData("{ \"not\": " + Bank + " }")]
    [InlineData("{ \"all\": [" + Text + ", { \"not\": " + Bank + " }] }")]
    [InlineData("{ \"not\": { \"all\": [" + Bank + ", " + Text + "] } }")]
    [InlineData("{ \"any\": [{ \"all\": [" + Bank + ", " + Text + "] }, " + Counter + "] }")]
    public void Conditions_that_can_hold_without_a_bank_match_may_not_suspend(string when)
    {
        Assert.Contains(LoadInvalid(OneRule(when, "[\"suspend_account\"]")).Errors, e => e.Message.Contains("without a bank match"));
    }

    [Theory]
    [InlineData(Bank)]
    [InlineData("{ \"all\": [" + Bank + ", " + Text + "] }")]
    [InlineData("{ \"any\": [" + Bank + ", { \"bankMatch\": {} }] }")]
    [InlineData("{ \"not\": { \"not\": " + Bank + " } }")]
    [InlineData("{ \"not\": { \"any\": [{ \"not\": " + Bank + " }, " + Text + "] } }")]
    [InlineData("{ \"all\": [" + Counter + ", { \"any\": [" + Bank + ", " + Bank + "] }] }")]
    public void Conditions_that_need_a_bank_match_on_every_path_may_act(string when)
    {
        LoadValid(OneRule(when, "[\"remove_content\", \"suspend_account\", \"queue_mandatory_report\"]"));
    }

    [Fact]
    public void Every_violating_rule_is_named()
    {
        const string json = """
            {
              "version": "t.1",
              "mode": "shadow",
              "rules": [
                { "id": "ok", "description": "d", "when": { "bankMatch": {} }, "actions": ["remove_content"] },
                { "id": "ban-on-words", "description": "d", "when": { "text": {} }, "actions": ["suspend_account"] },
                { "id": "ban-on-reports", "description": "d", "when": { "reports": {} }, "actions": ["remove_content"] }
              ]
            }
            """;
        var errors = LoadInvalid(json).Errors;
        Assert.Equal(2, errors.Count);
        Assert.Contains("rule 'ban-on-words'", errors[0].Message);
        Assert.Contains("rule 'ban-on-reports'", errors[1].Message);
    }

    [Fact]
    public void Shadow_mode_does_not_relax_the_invariant()
    {
        // Shadow rules become enforcing with one edit, so they are held to the same rule.
        Assert.NotEmpty(LoadInvalid(OneRule(Text, "[\"suspend_account\"]", mode: "shadow", ruleMode: "shadow")).Errors);
    }
}
