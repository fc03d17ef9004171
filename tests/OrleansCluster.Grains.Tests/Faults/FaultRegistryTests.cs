using Orleans.Core.Internal;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Grains.Tests.Faults;

[Collection(JobTests.Name)]
public sealed class FaultRegistryTests(ClusterFixture fixture)
{
    private readonly JobDriver _driver = new(fixture.Client);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private IFaultRegistryGrain Registry => fixture.Client.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key);

    [Fact]
    public async Task FaultsInForceAndTheHistoryOfEndedOnesOutliveTheRegistrysActivation()
    {
        await _driver.StartAtMaxPaceAsync(Scenarios.TwoSites());
        await _driver.WaitForStepAsync(2);
        var made = new List<Fault>();
        foreach (var node in new[] { "a-00001", "a-00002", "b-00003" })
        {
            var result = await Registry.InjectAsync([new FaultRequest("node.slowdown", new FaultTargetRequest(Node: node), new Dictionary<string, double> { ["factor"] = 2 })], campaign: null);
            made.Add(Assert.Single(result.Faults));
        }

        // A selector's nodes are stored as the selector and picked again, with the seed, on reactivation.
        var selector = Assert.Single((await Registry.InjectAsync([new FaultRequest("node.slowdown", new FaultTargetRequest(Site: "a", Fraction: 0.5), new Dictionary<string, double> { ["factor"] = 1.5 })], campaign: null)).Faults);
        Assert.Equal(20, selector.Targets.Nodes.Count);

        Assert.NotNull(await Registry.ClearAsync(made[0].Id));
        Assert.NotNull(await Registry.ClearAsync(made[1].Id));
        var effectsBefore = await Registry.NodeEffectsAsync();

        // Deactivate the registry straight away (inside the second its history may wait to be written), then
        // wait until the activation has gone: the next call reads both states back from storage.
        await Registry.Cast<IGrainManagementExtension>().DeactivateOnIdle(Ct);
        var management = fixture.Client.GetGrain<IManagementGrain>(0);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await management.GetActiveGrains(GrainType.Create("faultregistry"), Ct)).Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, Ct);
        }

        Assert.Empty(await management.GetActiveGrains(GrainType.Create("faultregistry"), Ct));
        var live = await Registry.ListAsync(includeEnded: false);
        var all = await Registry.ListAsync(includeEnded: true);

        Assert.Equal([made[2].Id, selector.Id], live.Select(f => f.Id));
        Assert.All(live, f => Assert.Equal(FaultState.Active, f.State));
        Assert.Equal(selector.Targets.Nodes, live[1].Targets.Nodes);
        var effectsAfter = await Registry.NodeEffectsAsync();
        Assert.Equal(21, effectsAfter.Count);
        Assert.All(selector.Targets.Nodes, n => Assert.Equal(effectsBefore[n], effectsAfter[n]));
        var ended = all.Where(f => f.Id == made[0].Id || f.Id == made[1].Id).ToArray();
        Assert.Equal(2, ended.Length);
        Assert.All(ended, f => Assert.Equal(FaultState.Cleared, f.State));
        Assert.Equal(4, (await Registry.CountsAsync()).Injected["node.slowdown"]);
        await _driver.Job.StopAsync();
    }
}
