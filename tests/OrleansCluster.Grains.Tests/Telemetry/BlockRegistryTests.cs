using OrleansCluster.Grains.Telemetry;

namespace OrleansCluster.Grains.Tests.Telemetry;

/// <summary>
/// The silo's registries of what each block publishes at scrape time keep the blocks of the newest layout (scenario
/// and epoch): a newer layout drops the older one's blocks, and a late registration of an older layout never drops
/// the newer one's.
/// </summary>
public sealed class BlockRegistryTests
{
    [Fact]
    public void ANewerLayoutDropsTheOlderBlocksAndALateOlderRegistrationDropsNone()
    {
        var gauges = new NodeGauges();
        NodeGauges.Entry Entry(string scenario, long epoch, string site) => new(scenario, epoch, site, [$"{site}-00000"], ["H100"], [1.0]);

        gauges.Register("a/0", Entry("alpha", 2, "a"));
        gauges.Register("b/0", Entry("alpha", 2, "b"));
        gauges.Register("c/0", Entry("alpha", 1, "c")); // a configure of layout 1 that arrived after layout 2's
        Assert.Equal(["a", "b", "c"], gauges.Snapshot().Select(e => e.Site));

        // Layout 3 of the same scenario with site a alone: b's and c's blocks go with the first block of it.
        gauges.Register("a/0", Entry("alpha", 3, "a"));
        Assert.Equal(["a"], gauges.Snapshot().Select(e => e.Site));

        // Another scenario under the next epoch takes over likewise.
        gauges.Register("x/0", Entry("beta", 4, "x"));
        Assert.Equal(["x"], gauges.Snapshot().Select(e => e.Site));
    }
}
