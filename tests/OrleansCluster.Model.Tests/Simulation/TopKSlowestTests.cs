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
    public void AdmitsExactlyTheTimesAnOfferWouldKeep()
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
            Assert.Equal(kept, admitted);
            if (!admitted)
            {
                Assert.Equal(before, top.ToArraySlowestFirst());
            }
        }
    }
}
