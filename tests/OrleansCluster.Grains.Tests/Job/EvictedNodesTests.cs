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
    public void BySiteTheEvictedNodesAreDownAndTheRestHealthy()
    {
        var scenario = ScenarioLoader.Parse(Scenarios.TwoSites());
        var evicted = new EvictedNodes();
        Assert.Empty(evicted.BySite(scenario, _layout)); // none evicted: all healthy, as before any step

        evicted.Took([Summary(["a-00003", "b-00001", "b-00002"])]);
        var sites = evicted.BySite(scenario, _layout);

        Assert.Equal([new NodeCounts("H100", 39, 0, 1)], sites[0]);
        Assert.Equal([new NodeCounts("B200", 22, 0, 2)], sites[1]);
    }

    [Fact]
    public void BeforeItsFirstStepATreeReadsTheEvictedNodesItWasGivenAndAfterItTheStepsCounts()
    {
        var scenario = ScenarioLoader.Parse(Scenarios.TwoSites());
        var evicted = new EvictedNodes();
        evicted.Restore([3, 41], _layout.Nodes); // a record's, as an activation that takes the job over reads it
        var tree = new TreeFigures();
        tree.LaidOut(["a", "b"], ["silo"]);
        tree.BeforeStep = evicted.BySite(scenario, _layout);

        Assert.Equal(2, tree.EvictedNodes);
        Assert.Equal([new NodeCounts("H100", 39, 0, 1)], tree.Site(0, scenario.Sites[0]));

        NodeCounts[] stepped = [new("B200", 21, 1, 2)];
        tree.Took([Summary([]) with { States = [new NodeCounts("H100", 40, 0, 0)] }, Summary([]) with { States = stepped }], [], calls: 2);
        Assert.Equal(2, tree.EvictedNodes); // the step's answer, not the layout's
        Assert.Equal([new NodeCounts("H100", 40, 0, 0)], tree.Site(0, scenario.Sites[0]));

        tree.Restart(); // a new run: none evicted
        Assert.Equal(0, tree.EvictedNodes);
        Assert.Equal([new NodeCounts("B200", 24, 0, 0)], tree.Site(1, scenario.Sites[1]));
    }

    [Fact]
    public void WithoutALayoutNoOrdinalsAreWritten()
    {
        var evicted = new EvictedNodes();
        evicted.Took([Summary(["a-00003"])]);

        Assert.Empty(evicted.Ordinals(null));
    }

    [Fact]
    public void ARecordWhoseScenarioIsNotLaidOutYetIsWrittenWithNoEvictedNodes()
    {
        // Found by review: a load's write carried the last run's, and a failover showed them down on a scenario that never ran.
        var evicted = new EvictedNodes();
        evicted.Took([Summary(["a-00003", "b-00001"])]);
        var record = new JobRecord { ClearFaultsOwed = true };

        Assert.Empty(evicted.ToWrite(record, _layout));

        record.ClearFaultsOwed = false; // its run laid out
        Assert.Equal([3, 41], evicted.ToWrite(record, _layout));
    }
}
