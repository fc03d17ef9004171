using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Job;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Tests.Job;

/// <summary>The run's evicted nodes without a silo: kept from the steps' summaries, and written and read back by ordinal.</summary>
public sealed class EvictedNodesTests
{
    // Site a's 40 nodes are ordinals 0-39, site b's 24 are 40-63.
    private readonly ClusterLayout _layout = new(ScenarioLoader.Parse(Scenarios.TwoSites()), ClusterFixture.BlockSize);

    private static BarrierSummary Summary(string[] missed, string[]? rejoined = null) => new([], [], missed, [], 0, rejoined);

    [Fact]
    public void NodesThatMissTheBarrierAreEvictedUntilTheyRejoin()
    {
        var evicted = new EvictedNodes();

        evicted.Took([Summary(["a-00003"]), Summary(["b-00001", "b-00002"])]);
        evicted.Took([Summary([], rejoined: ["a-00003", "b-00002"])]);

        Assert.Equal(["b-00001"], evicted.Ids);
        Assert.Equal([41], evicted.Ordinals(_layout));
    }

    [Fact]
    public void TheOrdinalsAreSortedAndFollowEachChange()
    {
        var evicted = new EvictedNodes();
        evicted.Took([Summary(["b-00002", "a-00005"])]);
        Assert.Equal([5, 42], evicted.Ordinals(_layout));

        evicted.Took([Summary(["a-00001"])]);
        Assert.Equal([1, 5, 42], evicted.Ordinals(_layout));

        evicted.Took([Summary([], rejoined: ["a-00005"])]);
        Assert.Equal([1, 42], evicted.Ordinals(_layout));

        evicted.Clear();
        Assert.Empty(evicted.Ids);
        Assert.Empty(evicted.Ordinals(_layout));
    }

    [Fact]
    public void ARestoredRecordKeepsTheNodesOfItsLayoutOnly()
    {
        var evicted = new EvictedNodes();

        evicted.Restore([-1, 3, 64, 40], _layout.Nodes);

        Assert.Equal(["a-00003", "b-00000"], evicted.Ids.Order());
        Assert.Equal([3, 40], evicted.Ordinals(_layout));
    }

    [Fact]
    public void WithoutALayoutNoOrdinalsAreWritten()
    {
        var evicted = new EvictedNodes();
        evicted.Took([Summary(["a-00003"])]);

        Assert.Empty(evicted.Ordinals(null));
    }
}
