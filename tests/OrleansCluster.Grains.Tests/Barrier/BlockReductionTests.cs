using OrleansCluster.Grains.Barrier;

namespace OrleansCluster.Grains.Tests.Barrier;

/// <summary>
/// A block's reduction of a step, on its own: which nodes are in the step, which miss the barrier, which rejoin, and
/// the generations' figures and K slowest of those in it.
/// </summary>
public sealed class BlockReductionTests
{
    private static readonly string[] Nodes = ["n0", "n1", "n2", "n3", "n4", "n5"];

    private static BlockReduction Reduction() =>
        new(Nodes, ["H100", "B200"], generationOf: [0, 0, 0, 1, 1, 1], gpus: [8, 8, 8, 4, 4, 4], topK: 2);

    [Fact]
    public void AStepListsItsGenerationsSlowestAndMissesAndLeavesEvictedNodesOut()
    {
        var reduction = Reduction();
        double[] row = [1.0, 3.0, 9.5, 2.0, 0.5, 4.0];
        bool[] evicted = [false, false, false, false, true, false];

        reduction.Gather(row, evicted, timeout: 5.0, rejoinCheck: false, failed: [5]);

        // n2 is past the timeout and n5's grain did not answer: both miss; n4 was evicted and stays out.
        Assert.Equal([2, 5], reduction.Missed);
        Assert.Empty(reduction.Rejoined);
        Assert.Equal(["n2", "n5"], reduction.MissedNodes());
        Assert.Null(reduction.RejoinedNodes());
        Assert.Equal([1.0, 3.0, double.NaN, 2.0, double.NaN, double.NaN], reduction.Times.ToArray());
        var groups = reduction.Groups();
        Assert.Equal(["H100", "B200"], groups.Select(g => g.Generation));
        Assert.Equal([2, 1], groups.Select(g => g.Count));
        Assert.Equal([16, 4], groups.Select(g => g.Gpus));
        Assert.Equal([4.0, 2.0], groups.Select(g => g.SumSeconds));
        Assert.Equal([3.0, 2.0], groups.Select(g => g.MaxSeconds));
        Assert.Equal(["n1", "n3"], reduction.Slowest().Select(s => s.Node));
        Assert.Equal([2L, 1L], reduction.ComputeBuckets.Select(b => b.Count));
    }

    [Fact]
    public void ARejoinCheckLetsBackTheEvictedNodesWithinTheTimeoutAndAGatherStartsAfresh()
    {
        var reduction = Reduction();
        reduction.Gather([6.0, 6.0, 6.0, 6.0, 6.0, 6.0], new bool[6], timeout: 5.0, rejoinCheck: false, failed: null);
        Assert.Equal([0, 1, 2, 3, 4, 5], reduction.Missed);

        bool[] evicted = [true, true, true, false, false, false];
        reduction.Gather([1.0, 7.0, 2.0, 1.5, 2.5, 0.5], evicted, timeout: 5.0, rejoinCheck: true, failed: [2]);

        // n0 is back within the timeout; n1 is not, and n2's grain did not answer: both stay out, and do not miss again.
        Assert.Equal([0], reduction.Rejoined);
        Assert.Equal(["n0"], reduction.RejoinedNodes());
        Assert.Empty(reduction.Missed);
        Assert.Equal([1, 3], reduction.Groups().Select(g => g.Count));
        Assert.Equal(["n4", "n3"], reduction.Slowest().Select(s => s.Node));
        Assert.Equal([1L, 3L], reduction.ComputeBuckets.Select(b => b.Count));
    }
}
