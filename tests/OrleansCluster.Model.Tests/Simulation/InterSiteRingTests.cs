using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Model.Tests.Simulation;

public sealed class InterSiteRingTests
{
    [Fact]
    public void AnInfinitelyFastLinkStillPaysItsLatency()
    {
        // The loader bounds a link's bandwidth; were one infinite all the same, G / C is 0 but the ring still waits
        // 2 (m - 1) L: m = 2, K = 1, L = 20 km x 5 us/km = 100 us. The phase once came out as 0 s, latency and all.
        var loaded = ScenarioLoader.Parse("""
            {
              "name": "two",
              "job": { "flopsPerGpuPerStep": 1e14, "gradientBytes": 1e9 },
              "sites": [
                { "name": "a", "fabric": { "bandwidthGbps": 400 }, "nodes": [ { "generation": "H100", "count": 2 } ] },
                { "name": "b", "fabric": { "bandwidthGbps": 400 }, "nodes": [ { "generation": "H100", "count": 2 } ] }
              ],
              "links": [ { "from": "a", "to": "b", "distanceKm": 20, "bandwidthGbps": 100 } ]
            }
            """);
        var scenario = loaded with { Links = [loaded.Links[0] with { BandwidthBytesPerSecond = double.PositiveInfinity }] };
        var link = LinkModel.At(scenario.Links[0], LinkEffect.None, scenario.Seed, 0, 1, 0);

        var figures = InterSiteRing.Evaluate(scenario, new Workload(scenario), [link], [true, true]);

        Assert.False(figures.Partitioned);
        Assert.Equal(0, figures.BandwidthSeconds);
        Assert.Equal(2 * 100e-6, figures.LatencySeconds, 12);
        Assert.Equal(1, Assert.Single(figures.Links).Stretch);
    }
}
