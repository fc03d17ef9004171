using Orleans.Core.Internal;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Grains.Tests.Barrier;

/// <summary>
/// A block draws its nodes at rest itself (the live series still equals the plain loop's:
/// <c>JobGrainTests.LiveSeriesEqualsThePlainLoopAndRepeatsWithTheSameSeed</c>), so node grains are activated only
/// for the nodes a fault touches, and a fault holds whatever becomes of the node's activation.
/// </summary>
[Collection(JobTests.Name)]
public sealed class NodesAtRestTests(ClusterFixture fixture)
{
    // A site name of this test's own, so that the node activations counted are this test's.
    private const string Site = "rest";
    private const int BatchSteps = 8; // ClusterFixture's Simulation:BatchSteps
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly JobDriver _driver = new(fixture.Client);

    [Fact]
    public async Task OnlyAFaultedNodeIsActivatedAndItsFaultHoldsWhenItsActivationIsCollected()
    {
        const string node = Site + "-00017";
        await _driver.StartAtMaxPaceAsync(Scenarios.Uniform(nodes: 48, site: Site, checkpointEvery: 1000));
        var epoch = (await _driver.WaitForStepAsync(3 * BatchSteps)).Job.Epoch; // every node drawn three times
        Assert.Empty(await NodeActivationsAsync());

        await _driver.SetNodeEffectAsync(node, epoch, new NodeEffect(3.0, Crashed: false));
        await WaitForDegradedAsync(1);
        Assert.Equal([node], await NodeActivationsAsync());

        // The effect is the block's, sent with every request: a new activation draws the node as slowed too.
        await _driver.Node(node).AsReference<IGrainManagementExtension>().DeactivateOnIdle(TestContext.Current.CancellationToken);
        var collected = (await _driver.Job.GetStatusAsync()).Job.Step;
        await _driver.WaitForStepAsync(collected + (3 * BatchSteps));
        await _driver.Job.PauseAsync();
        var report = await _driver.Job.GetStragglersAsync(1);
        Assert.NotNull(report);
        Assert.Equal(node, report.Nodes[0].Node);
        Assert.InRange(report.Nodes[0].Slowdown, 2.8, 3.2);
        Assert.Equal(1, (await _driver.Job.GetStatusAsync()).Sites.Single().Generations.Single().Degraded);

        // Back at rest, the block draws it again and calls its grain no more: once collected, it stays so.
        await _driver.SetNodeEffectAsync(node, epoch, NodeEffect.None);
        await _driver.Job.ResumeAsync();
        await WaitForDegradedAsync(0);
        await _driver.Node(node).AsReference<IGrainManagementExtension>().DeactivateOnIdle(TestContext.Current.CancellationToken);
        await WaitUntilAsync(async () => (await NodeActivationsAsync()).Length == 0);
        var rested = (await _driver.Job.GetStatusAsync()).Job.Step;
        await _driver.WaitForStepAsync(rested + (3 * BatchSteps));
        Assert.Empty(await NodeActivationsAsync());
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
