using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Barrier;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Tests.Barrier;

[Collection(TwoSiloTests.Name)]
public sealed class TwoSiloCoordinatorTests(TwoSiloClusterFixture fixture)
{
    [Fact]
    public async Task ASitesShardsSpreadOverBothSilosBesideTheirSilosCoordinatorWithTheirBlocksAndTheStepsOfOneSilo()
    {
        // 400 nodes in blocks of 16: 25 blocks, cut into 14 shards of 1 or 2 (13 at most 2 a shard, rounded up to 7 a silo).
        var json = Scenarios.Uniform(nodes: 400, computeCv: 0.05, checkpointEvery: 1000);
        var driver = new JobDriver(fixture.Client);
        await driver.StartAtMaxPaceAsync(json);
        var status = await driver.WaitForStepAsync(10);
        await driver.Job.PauseAsync();
        var history = (await driver.HistoryAsync()).Take(10).ToArray();
        var grains = await fixture.Client.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics(null, null, TestContext.Current.CancellationToken);
        var silos = (await fixture.Client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true, TestContext.Current.CancellationToken)).Keys.Order().ToArray();
        await driver.Job.StopAsync();

        var coordinators = Where(grains, "silocoordinator");
        var shards = Where(grains, "shard").Where(g => g.Key.StartsWith("dc/", StringComparison.Ordinal)).ToDictionary();
        var blocks = Where(grains, "block");
        Assert.Equal(2, silos.Length);
        Assert.Equal(silos.ToDictionary(s => s.ToParsableString(), s => s), coordinators);
        Assert.Equal(14, shards.Count);
        var layout = new ClusterLayout(ScenarioLoader.Parse(json), ClusterFixture.BlockSize);
        Assert.Equal(25, layout.Blocks.Count);
        for (var j = 0; j < 14; j++)
        {
            Assert.Equal(silos[SiteShards.SiloOf("dc", j, 2)], shards[$"dc/shard-{j}"]);
            for (var b = j * 25 / 14; b < (j + 1) * 25 / 14; b++)
            {
                Assert.Equal(shards[$"dc/shard-{j}"], blocks[layout.Blocks[b].Id]);
            }
        }

        // The steps are the plain loop's, as on one silo (JobGrainTests checks the same on one).
        var plain = new PlainLoopSimulator(ScenarioLoader.Parse(json));
        Assert.Equal(400, Assert.Single(status.Sites).Generations.Single().Healthy);
        Assert.Equal(Enumerable.Range(1, 10).Select(k => plain.Step(k).StepSeconds), history.Select(r => r.DurationSeconds));
    }

    [Fact]
    public async Task TwoSitesOneOnASingleSiloMergeSiteBySiteIntoThePlainLoopsFiguresStragglersIncluded()
    {
        // Site "a" has 25 blocks, shards on both silos; site "b" one block, so one coordinator answers for it and the
        // other does not: each site's summary must still be its own nodes', merged across silos where it spans them.
        var json = $$"""
            {
              "name": "merge", "seed": 21,
              "job": { "flopsPerGpuPerStep": 4e14, "gradientBytes": 1e9, "barrierTimeoutSeconds": 30, "checkpointEverySteps": 1000 },
              "sites": [
                { "name": "a", "fabric": { "bandwidthGbps": 400, "hopLatencyMicroseconds": 2 }, "nodes": [ { "generation": "H100", "count": 400 } ] },
                { "name": "b", "fabric": { "bandwidthGbps": 800, "hopLatencyMicroseconds": 1 }, "nodes": [ { "generation": "B200", "count": 16 } ] }
              ],
              "links": [ { "from": "a", "to": "b", "distanceKm": 20, "bandwidthGbps": 400 } ],
              "noise": { "computeCv": 0.05 },
              "stragglers": { "threshold": 0.05, "topK": 30 }
            }
            """;
        var driver = new JobDriver(fixture.Client);
        await driver.StartAtMaxPaceAsync(json);
        await driver.WaitForStepAsync(6);
        await driver.Job.PauseAsync();
        var status = await driver.Job.GetStatusAsync();
        var report = await driver.Job.GetStragglersAsync(30);
        var history = (await driver.HistoryAsync()).Take(6).ToArray();
        await driver.Job.StopAsync();

        var plain = new PlainLoopSimulator(ScenarioLoader.Parse(json));
        Assert.Equal(Enumerable.Range(1, 6).Select(k => plain.Step(k).StepSeconds), history.Select(r => r.DurationSeconds));
        var expected = plain.Step(report!.Step);
        Assert.Equal([400, 16], status.Sites.Select(s => s.Generations.Sum(g => g.Healthy)));
        Assert.Equal(expected.Stragglers.Select(n => (n.Node, n.Site, n.ComputeSeconds)), report.Nodes.Select(n => (n.Node, n.Site, n.ComputeSeconds)));
        Assert.Contains(report.Nodes, n => n.Site == "a");
        Assert.Equal(expected.BySite.Select(g => (g.Name, g.Nodes, g.Stragglers, g.MaxComputeSeconds)), report.BySite.Select(g => (g.Name, g.Nodes, g.Stragglers, g.MaxComputeSeconds)));
    }

    [Fact]
    public async Task AFaultedNodesGrainIsActivatedOnItsBlocksSiloWhicheverSiloTheRegistryIsOn()
    {
        // A node at rest has no activation; the registry tells the node's block, and the block's call activates the
        // node's grain beside it, so a faulted node's batches never cross silos.
        var json = Scenarios.Uniform(nodes: 400, computeCv: 0.05, checkpointEvery: 1000, site: "spread");
        var driver = new JobDriver(fixture.Client);
        await driver.StartAtMaxPaceAsync(json);
        await driver.WaitForStepAsync(3);
        var nodes = Enumerable.Range(0, 25).Select(b => ClusterLayout.NodeId("spread", (b * ClusterFixture.BlockSize) + 3)).ToArray();
        var registry = fixture.Client.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key);
        await registry.InjectAsync(
            nodes.Select(n => new FaultRequest("node.slowdown", new FaultTargetRequest(Node: n), new Dictionary<string, double> { ["factor"] = 2 })).ToArray(),
            campaign: null);
        await driver.WaitForAsync(s => s.Sites.Single().Generations.Single().Degraded == nodes.Length);
        var grains = await fixture.Client.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics(null, null, TestContext.Current.CancellationToken);
        await registry.ClearAllAsync();
        await driver.Job.StopAsync();

        var blocks = Where(grains, "block");
        var faulted = Where(grains, "node").Where(n => n.Key.StartsWith("spread-", StringComparison.Ordinal)).ToDictionary();
        Assert.Equal(nodes.Order(StringComparer.Ordinal), faulted.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(2, faulted.Values.Distinct().Count());
        Assert.All(nodes, n => Assert.Equal(blocks[ClusterLayout.BlockOf(n, ClusterFixture.BlockSize)!], faulted[n]));
    }

    private static Dictionary<string, SiloAddress> Where(IEnumerable<DetailedGrainStatistic> grains, string type) =>
        grains.Where(g => g.GrainId.Type.ToString() == type).ToDictionary(g => g.GrainId.Key.ToString()!, g => g.SiloAddress);
}
