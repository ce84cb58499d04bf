using Haven.Policy;
using static Haven.Tests.Policy.PolicyTestData;

namespace Haven.Tests.Policy;

public sealed class SignalSetFileTests
{
    [Fact]
    public async Task The_example_signals_give_the_documented_decisions()
    {
        var text = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "policies", "examples", "signals.example.json"));
        var parsed = SignalSetFile.Parse(text);
        Assert.True(parsed.IsSuccess, parsed.IsSuccess ? string.Empty : parsed.Error);
        Assert.Equal(4, parsed.Value.Count);
        var engine = (await PolicyLoader.LoadFileAsync(DefaultPolicyPath)).Value;
        var decisions = parsed.Value.SelectMany(engine.Evaluate).Select(d => $"{d.SubjectId}:{d.RuleId}").ToList();
        Assert.Equal(["post-1001:media.known-abuse-imagery", "reply-2002:text.trade-request", "acct-3003:account.sexualising-replies", "acct-3003:reports.cse"], decisions);
    }

    [Theory]
    [InlineData("{", "line")]
    [InlineData("{\"subject\": {\"kind\": \"content\", \"id\": \"p\"}, \"colour\": 1}", "colour")]
    [InlineData("{\"bankMatches\": []}", "subject")]
    [InlineData("{\"subject\": {\"kind\": \"post\", \"id\": \"p\"}}", "content")]
    [InlineData("{\"subject\": {\"kind\": \"content\", \"id\": \"p\"}, \"bankMatches\": [{\"bank\": \"b\", \"signalType\": \"phash\", \"distance\": 0}]}", "signalType")]
    public void Bad_signal_files_are_error_values(string json, string mentions)
    {
        var parsed = SignalSetFile.Parse(json);
        Assert.False(parsed.IsSuccess);
        Assert.Contains(mentions, parsed.Error);
    }
}
