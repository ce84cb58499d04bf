using Haven.Banks;
using Haven.Policy;

namespace Haven.Tests.Policy;

/// <summary>Shared helpers: the shipped default policy and small policy texts.</summary>
internal static class PolicyTestData
{
    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Haven.slnx")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Haven.slnx not found above the test output folder.");
    }

    public static string DefaultPolicyPath => Path.Combine(RepositoryRoot(), "policies", "default.policy.json");

    public static PolicyEngine LoadValid(string json)
    {
        var result = PolicyLoader.Load(json);
        Assert.True(result.IsSuccess, result.IsSuccess ? string.Empty : result.Error.ToString());
        return result.Value;
    }

    public static PolicyInvalid LoadInvalid(string json)
    {
        var result = PolicyLoader.Load(json);
        Assert.False(result.IsSuccess, "the policy was expected to be refused");
        return result.Error;
    }

    /// <summary>A one-rule policy around a condition and actions (JSON fragments).</summary>
    public static string OneRule(string when, string actions = "[\"queue_review\"]", string mode = "enforce", string? ruleMode = null) =>
        $$"""
        {
          "version": "t.1",
          "mode": "{{mode}}",
          "rules": [
            {
              "id": "r1",
              "description": "test rule",
              {{(ruleMode is null ? string.Empty : $"\"mode\": \"{ruleMode}\",")}}
              "when": {{when}},
              "actions": {{actions}}
            }
          ]
        }
        """;

    public static BankMatchSignal Pdq(string category, int distance, string bank = "ncmec") => new(bank, category, SignalType.Pdq, distance);

    public static TextHitSignal Hit(string category, double weight = 1.0, long entryId = 1) => new(category, weight, entryId);
}
