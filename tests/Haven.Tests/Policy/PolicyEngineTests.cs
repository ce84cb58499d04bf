using System.Text.Json;
using System.Text.Json.Serialization;
using Haven.Banks;
using Haven.Policy;
using static Haven.Tests.Policy.PolicyTestData;

namespace Haven.Tests.Policy;

public sealed class PolicyEngineTests
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private static PolicyEngine Default()
    {
        var result = PolicyLoader.LoadFileAsync(DefaultPolicyPath).GetAwaiter().GetResult();
        Assert.True(result.IsSuccess, result.IsSuccess ? string.Empty : result.Error.ToString());
        return result.Value;
    }

    [Theory]
    [InlineData("pdq", 12)]
    [InlineData("md5", 0)]
    [InlineData("sha256", 0)]
    public void A_known_abuse_imagery_match_removes_suspends_opens_a_case_and_queues_a_report(string type, int distance)
    {
        Assert.True(SignalTypes.TryParse(type, out var signalType));
        var signals = new SignalSet(SubjectKind.Content, "post-1", bankMatches: [new BankMatchSignal("ncmec", "A1", signalType, distance)]);
        var decision = Assert.Single(Default().Evaluate(signals));
        Assert.Equal("media.known-abuse-imagery", decision.RuleId);
        Assert.Equal("2026-11-25.1", decision.PolicyVersion);
        Assert.Equal(PolicyMode.Enforce, decision.Mode);
        Assert.Equal(("post-1", SubjectKind.Content), (decision.SubjectId, decision.SubjectKind));
        Assert.Equal(
            [PolicyActionKind.RemoveContent, PolicyActionKind.SuspendAccount, PolicyActionKind.OpenCase, PolicyActionKind.QueueMandatoryReport],
            decision.Actions.Select(a => a.Kind));
        Assert.All(decision.Actions, a => Assert.Equal(ActionPriority.Urgent, a.Priority));
        var evidence = Assert.IsType<BankMatchEvidence>(Assert.Single(decision.Evidence));
        Assert.Equal("$.rules[0].when", evidence.Leaf);
        Assert.Equal(("ncmec", "A1"), (evidence.Matches[0].Bank, evidence.Matches[0].Category));
    }

    [Theory]
    [InlineData("A2", 31, true)]
    [InlineData("B1", 0, true)]
    [InlineData("B2", 31, true)]
    [InlineData("A1", 32, false)]
    [InlineData("other", 0, false)]
    public void The_media_rule_follows_category_and_distance(string category, int distance, bool fires)
    {
        var decisions = Default().Evaluate(new SignalSet(SubjectKind.Content, "p", bankMatches: [Pdq(category, distance)]));
        Assert.Equal(fires, decisions.Any(d => d.Has(PolicyActionKind.SuspendAccount)));
    }

    [Fact]
    public void A_match_without_category_does_not_pass_a_category_filter()
    {
        var signals = new SignalSet(SubjectKind.Content, "p", bankMatches: [new BankMatchSignal("local", null, SignalType.Pdq, 0)]);
        Assert.Empty(Default().Evaluate(signals));
    }

    [Fact]
    public void A_text_only_trade_request_only_queues_review()
    {
        var signals = new SignalSet(SubjectKind.Content, "reply-7", textHits: [Hit("trade_request", 1.0, 42)]);
        var decision = Assert.Single(Default().Evaluate(signals));
        Assert.Equal("text.trade-request", decision.RuleId);
        var action = Assert.Single(decision.Actions);
        Assert.Equal((PolicyActionKind.QueueReview, ActionPriority.High), (action.Kind, action.Priority));
        var evidence = Assert.IsType<TextEvidence>(Assert.Single(decision.Evidence));
        Assert.Equal(42, Assert.Single(evidence.Hits).EntryId);
    }

    [Fact]
    public void Text_weights_add_up_to_the_threshold()
    {
        var engine = Default();
        Assert.Empty(engine.Evaluate(new SignalSet(SubjectKind.Content, "p", textHits: [Hit("trade_request", 0.6)])));
        // Lexicon weights are float: 0.4f + 0.6f must reach 1.0.
        var decisions = engine.Evaluate(new SignalSet(SubjectKind.Content, "p", textHits: [Hit("trade_request", 0.6f, 1), Hit("trade_request", 0.4f, 2), Hit("age_reference", 1, 3)]));
        var evidence = Assert.IsType<TextEvidence>(Assert.Single(Assert.Single(decisions).Evidence));
        Assert.Equal([1L, 2], evidence.Hits.Select(h => h.EntryId));
    }

    [Fact]
    public void No_default_rule_acts_on_the_platform_without_a_bank_match()
    {
        var signals = new SignalSet(
            SubjectKind.Account,
            "acct-9",
            textHits: [Hit("trade_request"), Hit("solicitation"), Hit("offplatform_contact"), Hit("sexualising"), Hit("age_reference"), Hit("cse_term")],
            counters: new Dictionary<string, long> { ["sexualising_replies_distinct_owners_7d"] = 10 },
            reports: [new ReportSignal("cse"), new ReportSignal("cse"), new ReportSignal("spam")]);
        var decisions = Default().Evaluate(signals);
        Assert.Equal(["text.trade-request", "text.solicitation", "account.sexualising-replies", "text.offplatform-contact", "reports.cse"], decisions.Select(d => d.RuleId));
        Assert.All(decisions.SelectMany(d => d.Actions), a => Assert.False(PolicySafety.RequiresBankMatch(a.Kind), a.Name));
        var reports = Assert.IsType<ReportsEvidence>(Assert.Single(decisions[^1].Evidence));
        Assert.Equal(2, reports.Count);
        Assert.Equal(["cse"], reports.Reasons);
        var counter = Assert.IsType<CounterEvidence>(Assert.Single(decisions[2].Evidence));
        Assert.Equal(10, counter.Value);
    }

    [Fact]
    public void The_per_rule_shadow_override_marks_only_that_rule()
    {
        var signals = new SignalSet(SubjectKind.Content, "p", bankMatches: [Pdq("A1", 0)], textHits: [Hit("offplatform_contact"), Hit("sexualising")]);
        var decisions = Default().Evaluate(signals).ToDictionary(d => d.RuleId, d => d.Mode);
        Assert.Equal(PolicyMode.Enforce, decisions["media.known-abuse-imagery"]);
        Assert.Equal(PolicyMode.Shadow, decisions["text.offplatform-contact"]);
    }

    [Fact]
    public void A_shadow_policy_marks_every_decision_shadow_even_over_a_rule_that_says_enforce()
    {
        var engine = LoadValid(OneRule("{ \"bankMatch\": {} }", "[\"remove_content\"]", mode: "shadow", ruleMode: "enforce"));
        var decision = Assert.Single(engine.Evaluate(new SignalSet(SubjectKind.Content, "p", bankMatches: [Pdq("A1", 0)])));
        Assert.Equal(PolicyMode.Shadow, decision.Mode);
        Assert.Equal([PolicyActionKind.RemoveContent], decision.Actions.Select(a => a.Kind));
    }

    [Fact]
    public void AsShadow_runs_everything_in_shadow()
    {
        var signals = new SignalSet(SubjectKind.Content, "p", bankMatches: [Pdq("A1", 0)]);
        Assert.Equal(PolicyMode.Enforce, Assert.Single(Default().Evaluate(signals)).Mode);
        Assert.Equal(PolicyMode.Shadow, Assert.Single(Default().AsShadow().Evaluate(signals)).Mode);
    }

    [Fact]
    public void A_rule_mode_can_shadow_a_rule_in_an_enforcing_policy()
    {
        var engine = LoadValid(OneRule("{ \"text\": {} }", mode: "enforce", ruleMode: "shadow"));
        Assert.Equal(PolicyMode.Shadow, Assert.Single(engine.Evaluate(new SignalSet(SubjectKind.Content, "p", textHits: [Hit("x")]))).Mode);
    }

    [Fact]
    public void Evaluation_is_deterministic_and_pure()
    {
        var engine = Default();
        var random = new Random(20261125);
        string[] categories = ["A1", "A2", "B1", "B2", "other"];
        string[] textCategories = ["trade_request", "solicitation", "sexualising", "offplatform_contact", "age_reference"];
        for (var i = 0; i < 200; i++)
        {
            var signals = new SignalSet(
                random.Next(2) == 0 ? SubjectKind.Content : SubjectKind.Account,
                "s" + i,
                bankMatches: Enumerable.Range(0, random.Next(3)).Select(_ => Pdq(categories[random.Next(categories.Length)], random.Next(64))).ToArray(),
                textHits: Enumerable.Range(0, random.Next(4)).Select(k => Hit(textCategories[random.Next(textCategories.Length)], random.NextDouble(), k)).ToArray(),
                counters: new Dictionary<string, long> { ["sexualising_replies_distinct_owners_7d"] = random.Next(5) },
                reports: Enumerable.Range(0, random.Next(3)).Select(_ => new ReportSignal(random.Next(2) == 0 ? "cse" : "spam")).ToArray());
            var before = JsonSerializer.Serialize(signals, Json);
            var first = JsonSerializer.Serialize(engine.Evaluate(signals), Json);
            var second = JsonSerializer.Serialize(engine.Evaluate(signals), Json);
            var fresh = JsonSerializer.Serialize(Default().Evaluate(signals), Json);
            Assert.Equal(first, second);
            Assert.Equal(first, fresh);
            Assert.Equal(before, JsonSerializer.Serialize(signals, Json));
        }
    }

    [Fact]
    public void Decisions_serialise_with_evidence_kinds_and_no_content()
    {
        var signals = new SignalSet(SubjectKind.Content, "p", bankMatches: [Pdq("A1", 3)], textHits: [Hit("trade_request", 1, 5)]);
        var json = JsonSerializer.Serialize(Default().Evaluate(signals), Json);
        Assert.Contains("\"kind\":\"bankMatch\"", json);
        Assert.Contains("\"kind\":\"text\"", json);
        Assert.Contains("\"entryId\":5", json);
    }
}
