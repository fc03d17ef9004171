using Orleans.Core.Internal;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Grains.Tests.Barrier;

/// <summary>
/// A block draws its nodes at rest itself (the live series still equals the plain loop's:
/// <c>JobGrainTests.LiveSeriesEqualsThePlainLoopAndRepeatsWithTheSameSeed</c>), so node grains are activated only
/// for the nodes a fault touches, and a fault still reaches the step whatever became of the node's activation.
/// </summary>
[Collection(JobTests.Name)]
public sealed class NodesAtRestTests(ClusterFixture fixture)
{
    // A site name of this test's own, so that the node activations counted are this test's.
    private const string Site = "rest";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly JobDriver _driver = new(fixture.Client);

    [Fact]
    public async Task OnlyAFaultedNodeIsActivatedAndItsFaultsReachTheStepAgainAfterItsActivationWasCollected()
    {
        const string node = Site + "-00017";
        await _driver.StartAtMaxPaceAsync(Scenarios.Uniform(nodes: 48, site: Site, checkpointEvery: 1000));
        var epoch = (await _driver.WaitForStepAsync(3 * 8)).Job.Epoch; // three batches of 8 steps: every node drawn thrice
        Assert.Empty(await NodeActivationsAsync());

        await _driver.Node(node).SetEffectAsync(epoch, new NodeEffect(2.0, Crashed: false));
        await WaitForDegradedAsync(1);
        Assert.Equal([node], await NodeActivationsAsync());

        // Cleared, the node is back at rest; its idle activation is collected. A new activation numbers its changes
        // from 1 again, below what the block last heard from the old one, and must be heard all the same.
        await _driver.Node(node).SetEffectAsync(epoch, NodeEffect.None);
        await WaitForDegradedAsync(0);
        await _driver.Node(node).AsReference<IGrainManagementExtension>().DeactivateOnIdle(TestContext.Current.CancellationToken);
        await WaitUntilAsync(async () => (await NodeActivationsAsync()).Length == 0);
        await _driver.Node(node).SetEffectAsync(epoch, new NodeEffect(3.0, Crashed: false));
        await WaitForDegradedAsync(1);

        var report = await _driver.Job.GetStragglersAsync(1);
        Assert.NotNull(report);
        Assert.Equal(node, report.Nodes[0].Node);
        Assert.InRange(report.Nodes[0].Slowdown, 2.8, 3.2);
        await _driver.Job.StopAsync();
    }

    private async Task<string[]> NodeActivationsAsync()
    {
        var statistics = await fixture.Client.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        return statistics.Select(s => s.GrainId.ToString()).Where(id => id.Contains($"/{Site}-", StringComparison.Ordinal))
            .Select(id => id[(id.IndexOf('/', StringComparison.Ordinal) + 1)..]).ToArray();
    }

    private Task<ClusterStatus> WaitForDegradedAsync(int degraded) =>
        _driver.WaitForAsync(s => s.Sites.Single().Generations.Single().Degraded == degraded);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"condition not met within {Deadline}");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }
}
