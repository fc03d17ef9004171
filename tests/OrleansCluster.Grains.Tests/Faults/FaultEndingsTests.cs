using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Faults;

namespace OrleansCluster.Grains.Tests.Faults;

/// <summary>Which faults a change ends, and as what, without a silo.</summary>
public sealed class FaultEndingsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);
    private static readonly ScenarioSource Small = new("small", null);
    private static readonly ScenarioSource Large = new("large", null);

    private static Fault Make(string id, string? campaign = null, string? source = null, DateTimeOffset? endsAt = null) =>
        new(id, FaultKind.NodeSlowdown, new FaultTargetRequest(Node: "a-00001"), new Dictionary<string, double> { ["factor"] = 2 }, null, null,
            FaultState.Active, Now.AddMinutes(-5), Now.AddMinutes(-5), endsAt, new FaultTargets(["a-00001"], [], []), campaign, source);

    [Fact]
    public void ARunEndsEveryFaultOfAnotherScenarioTheBackgroundOnesOfANewRunAndNoneOfTheSameRunLaidOutAgain()
    {
        Fault[] live = [Make("f-1"), Make("bg1-1", source: BackgroundIntake.Source)];

        Assert.Equal(["f-1", "bg1-1"], Ids(FaultEndings.ForRun(live, Small, Small, keepFaults: false, continuing: false)));
        Assert.Equal(["bg1-1"], Ids(FaultEndings.ForRun(live, Small, Small, keepFaults: true, continuing: false)));
        Assert.Empty(FaultEndings.ForRun(live, Small, Small, keepFaults: true, continuing: true));
        // Another scenario than the stored one: every fault, whatever the job asks.
        Assert.Equal(["f-1", "bg1-1"], Ids(FaultEndings.ForRun(live, Small, Large, keepFaults: true, continuing: true)));
    }

    [Fact]
    public void AFaultEndsAsAskedNowUnlessItsEndHasAlreadyPassedThenItExpiredThen()
    {
        var open = Make("f-1");
        var due = Make("f-2", endsAt: Now.AddSeconds(-1));

        var ended = FaultEndings.As([open, due], FaultState.Cleared, Now);

        Assert.Equal((FaultState.Cleared, Now), (ended[0].State, ended[0].EndsAt));
        Assert.Equal((FaultState.Expired, Now.AddSeconds(-1)), (ended[1].State, ended[1].EndsAt));
        Assert.Equal(["f-2"], Ids(FaultEndings.ExpiredFirst(ended, FaultState.Cleared)));
        Assert.Empty(FaultEndings.ExpiredFirst(FaultEndings.As([due], FaultState.Expired, Now), FaultState.Expired)); // the timer's own expiry
    }

    [Fact]
    public void TheLiveFaultsAfterAChangeKeepTheirOrderWithTheEndedOutAndTheAddedLast()
    {
        Fault[] live = [Make("f-1"), Make("f-2"), Make("f-3")];

        Assert.Equal(["f-1", "f-3", "f-4"], Ids(FaultEndings.LiveAfter(live, [live[1] with { State = FaultState.Cleared }], [Make("f-4")])));
    }

    [Fact]
    public void ACampaignsClearTakesOnlyTheFaultsItMadeMatchedExactly()
    {
        Fault[] live = [Make("f-1", "west"), Make("f-2", "West"), Make("f-3"), Make("f-4", "west")];

        Assert.Equal(["f-1", "f-4"], Ids(FaultEndings.OfCampaign(live, "west")));
    }

    private static string[] Ids(IEnumerable<Fault> faults) => faults.Select(f => f.Id).ToArray();
}
