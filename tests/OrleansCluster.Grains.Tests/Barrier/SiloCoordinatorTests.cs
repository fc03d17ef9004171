using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Grains.Tests.Barrier;

[Collection(JobTests.Name)]
public sealed class SiloCoordinatorTests(ClusterFixture fixture)
{
    [Fact]
    public async Task ASiteConfiguredTwiceInOneEpochIsReplacedNotAddedAndSitesAnswerInOrder()
    {
        // A job whose silo died part way through a layout comes back with the epoch it last saved and lays the tree out
        // under the same epoch again: a coordinator that kept both layouts would answer a site twice.
        var coordinator = await CoordinatorAsync();
        await coordinator.ConfigureAsync(Shards(epoch: 100, site: 1, "idem-b"));
        await coordinator.ConfigureAsync(Shards(epoch: 100, site: 1, "idem-b"));
        await coordinator.ConfigureAsync(Shards(epoch: 100, site: 0, "idem-a"));

        var answer = await coordinator.RunStepAsync(new StepCommand(100, 1, false, 0));

        Assert.Equal([0, 1], answer.Sites);
        Assert.Equal(2, answer.Summaries.Count);
    }

    [Fact]
    public async Task AnotherEpochDropsTheLastLayoutWhicheverWayItGoes()
    {
        // Older too: a job whose durable record was lost numbers its runs from the first again.
        var coordinator = await CoordinatorAsync();
        await coordinator.ConfigureAsync(Shards(epoch: 301, site: 0, "epochs-a"));
        await coordinator.ConfigureAsync(Shards(epoch: 302, site: 2, "epochs-c"));
        var newer = await coordinator.RunStepAsync(new StepCommand(302, 1, false, 0));
        await coordinator.ConfigureAsync(Shards(epoch: 3, site: 1, "epochs-b"));

        var older = await coordinator.RunStepAsync(new StepCommand(3, 1, false, 0));

        Assert.Equal([2], newer.Sites);
        Assert.Equal([1], older.Sites);
        var stale = await Assert.ThrowsAsync<InvalidOperationException>(() => coordinator.RunStepAsync(new StepCommand(302, 2, false, 0)));
        Assert.Contains("runs epoch 3, asked for 302", stale.Message, StringComparison.Ordinal);
    }

    private async Task<ISiloCoordinatorGrain> CoordinatorAsync()
    {
        var silo = (await fixture.Client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true, TestContext.Current.CancellationToken)).Keys.Single();
        return fixture.Client.GetGrain<ISiloCoordinatorGrain>(silo.ToParsableString());
    }

    // A site's shard with no blocks: enough for the coordinator's bookkeeping, which is what these tests read.
    private static SiloShards Shards(long epoch, int site, string name) =>
        new(epoch, site, [new ShardConfig($"{name}/shard-0", new SiteConfig(epoch, name, []))]);
}
