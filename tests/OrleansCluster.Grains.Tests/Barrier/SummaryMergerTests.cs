using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Barrier;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Tests.Barrier;

public sealed class SummaryMergerTests
{
    [Fact]
    public void AMergerKeptFromStepToStepAnswersWhatAFreshOneDoesEvenWhenAGenerationAndTheMissedNodesGoAway()
    {
        var hopper = Child("H100", [("h0", 1.0), ("h1", 1.25), ("h2", 1.1)], missed: []);
        var blackwell = Child("B200", [("b0", 0.5), ("b1", 2.0)], missed: ["b9"]);
        var later = Child("H100", [("h0", 0.75), ("h1", 0.8)], missed: []);
        var merger = new SummaryMerger(topK: 2);

        var first = merger.Merge([hopper, blackwell], ownCalls: 2);
        var second = merger.Merge([later], ownCalls: 1);

        Assert.Equal(Shape(new SummaryMerger(2).Merge([hopper, blackwell], 2)), Shape(first));
        Assert.Equal(Shape(new SummaryMerger(2).Merge([later], 1)), Shape(second));

        // What the fresh merges answer, spelled out: the second step knows nothing of the first's B200 nodes.
        Assert.Equal(["B200", "H100"], first.Groups.Select(g => g.Generation));
        Assert.Equal(["b1", "h1"], first.Slowest.Select(s => s.Node));
        Assert.Equal(["b9"], first.Missed);
        Assert.Equal("H100", Assert.Single(second.Groups).Generation);
        Assert.Equal(2, second.Groups[0].Count);
        Assert.Equal(["h1", "h0"], second.Slowest.Select(s => s.Node));
        Assert.Empty(second.Missed);
        Assert.Equal([new NodeCounts("H100", 2, 0, 0)], second.States);
        Assert.Equal(4, first.GrainCalls); // 2 of its own and each child's 1
        Assert.Equal(2, second.GrainCalls);
    }

    [Fact]
    public void MergedGroupsKeepTheirLargestNodeForTheSitesRingAndAKeptMergerForgetsItAtTheNextStep()
    {
        var fourGpu = Child("H100", [("h0", 1.0), ("h1", 1.0), ("h2", 1.0)], missed: [], gpus: 4);
        var eightGpu = Child("H100", [("h3", 1.0)], missed: [], gpus: 8);
        var merger = new SummaryMerger(topK: 2);

        var first = Assert.Single(merger.Merge([fourGpu, eightGpu], ownCalls: 0).Groups);
        var second = Assert.Single(merger.Merge([fourGpu], ownCalls: 0).Groups);

        Assert.Equal((4, 20L, 8), (first.Count, first.Gpus, first.LargestNodeGpus));
        Assert.Equal((3, 12L, 4), (second.Count, second.Gpus, second.LargestNodeGpus));
        var job = new ComputeDistribution();
        Summaries.MergeInto(job, first);
        Assert.Equal(8, job.LargestNodeGpus);
    }

    private static BarrierSummary Child(string generation, (string Node, double Seconds)[] nodes, string[] missed, int gpus = 8)
    {
        var distribution = new ComputeDistribution();
        var top = new TopKSlowest(2);
        foreach (var (node, seconds) in nodes)
        {
            distribution.Add(seconds, gpus);
            top.Offer(new StragglerCandidate(node, 0, generation, seconds));
        }

        return new BarrierSummary(
            Summaries.From([generation], [distribution]),
            top.ToArraySlowestFirst(static c => new SlowNode(c.NodeId, c.Generation, c.ComputeSeconds)),
            missed,
            [new NodeCounts(generation, nodes.Length, 0, missed.Length)],
            GrainCalls: 1);
    }

    private static string Shape(BarrierSummary s) => string.Join(" | ",
        string.Join(";", s.Groups.Select(g => $"{g.Generation} {g.Count} {g.Gpus} {g.LargestNodeGpus} {g.SumSeconds} {g.MinSeconds} {g.MaxSeconds} {g.SketchFirstBucket} [{string.Join(",", g.SketchCounts)}]")),
        string.Join(";", s.Slowest),
        string.Join(";", s.Missed),
        string.Join(";", s.States),
        s.GrainCalls);
}
