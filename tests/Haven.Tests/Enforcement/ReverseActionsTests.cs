using Haven.Enforcement;
using Haven.Policy;

namespace Haven.Tests.Enforcement;

/// <summary>The reverse actions and how the status fold lifts what they undo, checked against a naive oracle.</summary>
public sealed class ReverseActionsTests
{
    private static readonly string[] Platform = ["remove_content", "suspend_account", "restrict_account", "close_community"];

    [Fact]
    public void Every_platform_action_has_one_reverse_and_the_reverses_are_no_platform_actions()
    {
        Assert.Equal(["restore_content", "unsuspend_account", "unrestrict_account", "reopen_community"], Platform.Select(a => ReverseActions.Reverse(a)));
        Assert.All(Platform, a => Assert.Equal(a, ReverseActions.Lifts(ReverseActions.Reverse(a)!)));
        Assert.All(ReverseActions.All, r => Assert.Null(ReverseActions.Reverse(r)));
        Assert.Null(ReverseActions.Reverse("queue_review"));
        Assert.Null(ReverseActions.Lifts("suspend_account"));
        Assert.All(ReverseActions.All, r => Assert.True(OutboxAction.IsValidKind(r)));
    }

    [Fact]
    public void A_lift_returns_a_suspended_account_to_active_and_removed_content_to_visible()
    {
        var suspended = StatusFold.Apply(null, "account:a-1", "enforce", [new("suspend_account", "urgent", "account:a-1")], "d-1");
        Assert.Equal("suspended", suspended.Status);

        var lifted = StatusFold.Apply(suspended, "account:a-1", "enforce", [new("unsuspend_account", "normal", "account:a-1")], "d-2");

        Assert.Equal(("active", 2L, "d-2"), (lifted.Status, lifted.Decisions, lifted.LastDecisionId));
        Assert.Empty(lifted.Actions);
        var removed = StatusFold.Apply(null, "content:p-1", "enforce", [new("remove_content", "urgent", "content:p-1"), new("queue_review", "high", "content:p-1")], "d-3");
        var restored = StatusFold.Apply(removed, "content:p-1", "enforce", [new("restore_content", "normal", "content:p-1")], "d-4");
        Assert.Equal(("in_review", "high"), (restored.Status, restored.ReviewPriority));
        Assert.Equal(["queue_review"], restored.Actions);
    }

    [Fact]
    public void Folding_random_impositions_and_lifts_equals_the_last_word_per_action()
    {
        var random = new Random(1234);
        var kinds = Platform.Concat(ReverseActions.All).Append("queue_review").ToArray();
        for (var trial = 0; trial < 500; trial++)
        {
            SubjectStatus? status = null;
            var lastWord = new Dictionary<string, bool>(StringComparer.Ordinal);
            var steps = random.Next(1, 12);
            for (var step = 0; step < steps; step++)
            {
                var batch = Enumerable.Range(0, random.Next(1, 4)).Select(_ => kinds[random.Next(kinds.Length)]).ToList();
                status = StatusFold.Apply(status, "account:x", "enforce", [.. batch.Select(k => new DecidedAction(k, "normal", "account:x"))], $"d-{step}");
                foreach (var kind in batch)
                {
                    if (ReverseActions.Lifts(kind) is { } lifted)
                    {
                        lastWord[lifted] = false;
                    }
                    else
                    {
                        lastWord[kind] = true;
                    }
                }
            }

            var expected = lastWord.Where(p => p.Value).Select(p => p.Key).Order(StringComparer.Ordinal);
            Assert.Equal(expected, status!.Actions);
            var oracleStatus = lastWord.GetValueOrDefault("suspend_account") ? "suspended"
                : lastWord.GetValueOrDefault("restrict_account") ? "restricted"
                : lastWord.GetValueOrDefault("queue_review") ? "in_review"
                : "active";
            Assert.Equal(oracleStatus, status.Status);
        }
    }
}
