using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Faults;

namespace OrleansCluster.Grains.Tests.Faults;

/// <summary>The registry's durable record moved to a run, without a silo.</summary>
public sealed class FaultRegistryStateTests
{
    [Fact]
    public void ANewRunOfTheSameScenarioKeepsTheCountersAndAnotherScenarioStartsThemAgain()
    {
        var small = new ScenarioSource("small", null);
        var state = new FaultRegistryState { Epoch = 3, Scenario = small, InjectedByKind = { ["node.slowdown"] = 2 }, FailuresByCause = { ["xid-79"] = 1 } };

        state.BeginRun(4, small with { }, blockSize: 256);

        Assert.Equal((4L, small, 256), (state.Epoch, state.Scenario, state.BlockSize));
        Assert.Equal(2, state.InjectedByKind["node.slowdown"]);
        Assert.Equal(1, state.FailuresByCause["xid-79"]);

        var large = new ScenarioSource("large", null);
        state.BeginRun(5, large, blockSize: 512);

        Assert.Equal((5L, large, 512), (state.Epoch, state.Scenario, state.BlockSize));
        Assert.Empty(state.InjectedByKind);
        Assert.Empty(state.FailuresByCause);
    }
}
