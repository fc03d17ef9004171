using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Tests.Barrier;

[Collection(TwoSiloTests.Name)]
public sealed class TwoSiloShardTests(TwoSiloClusterFixture fixture)
{
    [Fact]
    public async Task ASitesShardsSpreadOverBothSilosWithTheirBlocksBesideThemAndTheStepsOfOneSilo()
    {
        // 400 nodes in blocks of 16: 25 blocks, cut into 14 shards of 1 or 2 (13 at most 2 a shard, rounded up to 7 a silo).
        var json = Scenarios.Uniform(nodes: 400, computeCv: 0.05, checkpointEvery: 1000);
        var driver = new JobDriver(fixture.Client);
        await driver.StartAtMaxPaceAsync(json);
        var status = await driver.WaitForStepAsync(10);
        await driver.Job.PauseAsync();
        var history = (await driver.HistoryAsync()).Take(10).ToArray();
        var grains = await fixture.Client.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics(null, null, TestContext.Current.CancellationToken);
        await driver.Job.StopAsync();

        var shards = Where(grains, "shard");
        var blocks = Where(grains, "block");
        Assert.Equal(14, shards.Count);
        Assert.Equal(2, shards.Values.Distinct().Count());
        Assert.Equal(7, shards.Values.Count(s => s == shards["dc/shard-0"]));
        var layout = new ClusterLayout(ScenarioLoader.Parse(json), ClusterFixture.BlockSize);
        Assert.Equal(25, layout.Blocks.Count);
        for (var j = 0; j < 14; j++)
        {
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

    private static Dictionary<string, SiloAddress> Where(IEnumerable<DetailedGrainStatistic> grains, string type) =>
        grains.Where(g => g.GrainId.Type.ToString() == type).ToDictionary(g => g.GrainId.Key.ToString()!, g => g.SiloAddress);
}
