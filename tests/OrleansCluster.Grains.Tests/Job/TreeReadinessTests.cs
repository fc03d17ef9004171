using OrleansCluster.Grains.Job;

namespace OrleansCluster.Grains.Tests.Job;

/// <summary>The barrier tree's readiness without a silo: a drain during a layout leaves it not ready, and joined silos are told.</summary>
public sealed class TreeReadinessTests
{
    [Fact]
    public void ALayoutMakesTheTreeReadyUnlessASiloAnnouncedItsDrainMeanwhile()
    {
        var tree = new TreeReadiness();
        Assert.False(tree.Ready);

        var mark = tree.LayingOut();
        tree.LaidOut(mark);
        Assert.True(tree.Ready);

        mark = tree.LayingOut();
        Assert.False(tree.Ready);
        tree.Draining(); // interleaved with the layout's calls
        tree.LaidOut(mark);
        Assert.False(tree.Ready);

        tree.LaidOut(tree.LayingOut());
        Assert.True(tree.Ready);
        tree.Draining();
        Assert.False(tree.Ready);
    }

    [Fact]
    public void ATreeToLayOutAgainIsNotReady()
    {
        var tree = new TreeReadiness();
        tree.LaidOut(tree.LayingOut());

        tree.LayOutAgain();

        Assert.False(tree.Ready);
    }

    [Fact]
    public void SilosActiveButNotLaidOutOverHaveJoined()
    {
        var tree = new TreeReadiness();
        tree.LayingOut();
        tree.Over(["S127.0.0.1:11111:1", "S127.0.0.1:11112:1"]);

        Assert.Null(tree.Joined(["S127.0.0.1:11111:1", "S127.0.0.1:11112:1"]));
        Assert.Null(tree.Joined(["S127.0.0.1:11111:1"])); // one that left is not one that joined
        Assert.Equal("S127.0.0.1:11113:2, S127.0.0.1:11114:2", tree.Joined(["S127.0.0.1:11111:1", "S127.0.0.1:11113:2", "S127.0.0.1:11114:2"]));
    }
}
