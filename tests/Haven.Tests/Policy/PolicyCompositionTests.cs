using Haven.Policy;
using static Haven.Tests.Policy.PolicyTestData;

namespace Haven.Tests.Policy;

public sealed class PolicyCompositionTests
{
    // Two independent leaves: a holds when there is a report, b when there is a text hit.
    private const string A = "{ \"reports\": {} }";
    private const string B = "{ \"text\": {} }";

    private static SignalSet Signals(bool a, bool b) => new(
        SubjectKind.Content,
        "p",
        textHits: b ? [Hit("x")] : null,
        reports: a ? [new ReportSignal("cse")] : null);

    private static bool Fires(string when, bool a, bool b) => LoadValid(OneRule(when)).Evaluate(Signals(a, b)).Count == 1;

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void All_any_and_not_follow_their_truth_tables(bool a, bool b)
    {
        Assert.Equal(a, Fires(A, a, b));
        Assert.Equal(a && b, Fires($"{{ \"all\": [{A}, {B}] }}", a, b));
        Assert.Equal(a || b, Fires($"{{ \"any\": [{A}, {B}] }}", a, b));
        Assert.Equal(!a, Fires($"{{ \"not\": {A} }}", a, b));
        Assert.Equal(!(a && b), Fires($"{{ \"not\": {{ \"all\": [{A}, {B}] }} }}", a, b));
        Assert.Equal(!a && !b, Fires($"{{ \"all\": [{{ \"not\": {A} }}, {{ \"not\": {B} }}] }}", a, b));
        Assert.Equal(a != b, Fires($"{{ \"any\": [{{ \"all\": [{A}, {{ \"not\": {B} }}] }}, {{ \"all\": [{{ \"not\": {A} }}, {B}] }}] }}", a, b));
    }

    [Fact]
    public void Evidence_lists_every_leaf_that_held_and_none_under_not_or_a_failed_branch()
    {
        var engine = LoadValid(OneRule($"{{ \"any\": [ {{ \"all\": [{A}, {{ \"counter\": {{ \"name\": \"network_discovered\", \"atLeast\": 1 }} }}] }}, {B}, {{ \"not\": {{ \"bankMatch\": {{}} }} }} ] }}"));
        var decision = Assert.Single(engine.Evaluate(Signals(a: true, b: true)));
        // The 'all' failed (no counter), so its report leaf is not evidence; the text leaf is; 'not' adds nothing.
        var evidence = Assert.Single(decision.Evidence);
        Assert.Equal("$.rules[0].when.any[1]", evidence.Leaf);
        Assert.IsType<TextEvidence>(evidence);
    }

    [Fact]
    public void Filters_of_a_bank_leaf_all_apply()
    {
        var engine = LoadValid(OneRule("{ \"bankMatch\": { \"banks\": [\"ncmec\"], \"categories\": [\"A1\"], \"signalTypes\": [\"pdq\"], \"maxDistance\": 10 } }", "[\"remove_content\"]"));
        bool Fires(BankMatchSignal m) => engine.Evaluate(new SignalSet(SubjectKind.Content, "p", bankMatches: [m])).Count == 1;
        Assert.True(Fires(Pdq("A1", 10)));
        Assert.False(Fires(Pdq("A1", 11)));
        Assert.False(Fires(Pdq("A2", 0)));
        Assert.False(Fires(Pdq("A1", 0, bank: "local")));
        Assert.False(Fires(new BankMatchSignal("ncmec", "A1", Haven.Banks.SignalType.Md5, 0)));
    }

    [Fact]
    public void Counters_and_reports_compare_at_least()
    {
        var engine = LoadValid(OneRule("{ \"all\": [{ \"counter\": { \"name\": \"sexualising_replies_7d\", \"atLeast\": 3 } }, { \"reports\": { \"atLeast\": 2, \"reasons\": [\"cse\"] } }] }"));
        SignalSet S(long counter, params string[] reasons) => new(SubjectKind.Account, "a", counters: new Dictionary<string, long> { ["sexualising_replies_7d"] = counter }, reports: reasons.Select(r => new ReportSignal(r)).ToArray());
        Assert.Single(engine.Evaluate(S(3, "cse", "cse")));
        Assert.Empty(engine.Evaluate(S(2, "cse", "cse")));
        Assert.Empty(engine.Evaluate(S(3, "cse", "spam")));
        Assert.Empty(engine.Evaluate(new SignalSet(SubjectKind.Account, "a", reports: [new ReportSignal("cse"), new ReportSignal("cse")])));
    }
}
