using Haven.Cases;

namespace Haven.Tests.Cases;

public sealed class TriageScoreTests
{
    private static TriageInputs Base => new("normal", null, false, false, false, 0, 0);

    [Fact]
    public void Priority_band_dominates_every_severity()
    {
        var worstLow = new TriageInputs("low", "A1", true, true, true, 1000, long.MaxValue / 2);
        var bareNormal = Base;
        Assert.True(TriageScore.Compute(bareNormal) > TriageScore.Compute(worstLow));
        Assert.Equal(1_000_000 + 4000 + 300 + 200 + 500 + 200, TriageScore.Compute(worstLow with { Priority = "normal" }));
    }

    [Fact]
    public void Categories_rank_A1_over_A2_over_B1_over_B2_over_other()
    {
        long Score(string? c) => TriageScore.Compute(Base with { Category = c, HasMedia = c is not null });
        Assert.True(Score("A1") > Score("A2"));
        Assert.True(Score("A2") > Score("B1"));
        Assert.True(Score("B1") > Score("B2"));
        Assert.True(Score("B2") > Score("custom"));
        Assert.True(Score("custom") > Score(null));
        Assert.Equal("A1", TriageScore.MoreSevere("B2", "A1"));
        Assert.Equal("A2", TriageScore.MoreSevere("A2", "B1"));
        Assert.Equal("B2", TriageScore.MoreSevere(null, "B2"));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 50)]
    [InlineData(10, 500)]
    [InlineData(11, 500)]
    public void Reporters_count_up_to_ten(long reporters, long points) =>
        Assert.Equal(1_000_000 + points, TriageScore.Compute(Base with { Reporters = reporters }));

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 10)]
    [InlineData(3, 20)]
    [InlineData(1023, 100)]
    [InlineData(1_000_000, 190)]
    [InlineData(100_000_000, 200)]
    public void Reach_counts_by_powers_of_two_up_to_200(long followers, long points) =>
        Assert.Equal(1_000_000 + points, TriageScore.Compute(Base with { Reach = followers }));

    [Fact]
    public void Solicitation_outranks_trade()
    {
        Assert.True(TriageScore.Compute(Base with { Solicitation = true }) > TriageScore.Compute(Base with { Trade = true }));
        Assert.True(TriageScore.Compute(Base with { Trade = true }) > TriageScore.Compute(Base));
    }
}
