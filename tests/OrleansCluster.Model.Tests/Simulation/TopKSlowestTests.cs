using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Model.Tests.Simulation;

public sealed class TopKSlowestTests
{
    [Fact]
    public void KeepsTheKSlowestSlowestFirstWithTiesByNode()
    {
        var top = new TopKSlowest(3);
        foreach (var (node, t) in new[] { ("a", 1.0), ("b", 5.0), ("c", 3.0), ("d", 5.0), ("e", 0.5), ("f", 4.0) })
        {
            top.Offer(new StragglerCandidate(node, 0, "H100", t));
        }

        Assert.Equal(["b", "d", "f"], top.ToArraySlowestFirst().Select(c => c.NodeId));
    }

    [Fact]
    public void TheKKeptAreTheSameWhateverTheOrderOfferedTiesIncluded()
    {
        // Eight nodes of one time and a few of others, as with no noise: the grouping of blocks over silos changes
        // the order nodes reach the merge in, and must not change the stragglers.
        var nodes = Enumerable.Range(0, 40).Select(i => new StragglerCandidate($"dc-{i:D5}", 0, "H100", i % 5 == 0 ? 2.0 : 1.0)).ToArray();
        var random = new Random(7);
        string[]? first = null;
        for (var round = 0; round < 20; round++)
        {
            var top = new TopKSlowest(12);
            foreach (var node in nodes.OrderBy(_ => random.Next()))
            {
                top.Offer(node);
            }

            var kept = top.ToArraySlowestFirst().Select(c => c.NodeId).ToArray();
            first ??= kept;
            Assert.Equal(first, kept);
        }

        Assert.Equal(nodes.Where(n => n.ComputeSeconds == 2.0).Select(n => n.NodeId).Concat(["dc-00001", "dc-00002", "dc-00003", "dc-00004"]), first);
    }

    [Fact]
    public void AdmitsEveryTimeAnOfferWouldKeep()
    {
        var random = new Random(3);
        var top = new TopKSlowest(5);
        for (var i = 0; i < 10_000; i++)
        {
            var t = Math.Round(random.NextDouble(), 3); // ties included
            var admitted = top.Admits(t);
            var before = top.ToArraySlowestFirst();
            top.Offer(new StragglerCandidate($"n{i}", 0, "H100", t));
            var kept = top.ToArraySlowestFirst().Any(c => c.NodeId == $"n{i}");
            Assert.True(admitted || !kept, $"n{i} at {t} was kept but not admitted");
            if (!admitted)
            {
                Assert.Equal(before, top.ToArraySlowestFirst());
            }
        }
    }
}
