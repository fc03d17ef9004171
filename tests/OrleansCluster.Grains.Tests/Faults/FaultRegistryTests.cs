using Orleans.Core.Internal;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Model.Simulation;

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
        var injectedBefore = (await Registry.CountsAsync()).Injected["node.slowdown"]; // the count is the registry's, across tests
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
        await DeactivateRegistryAsync();
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
        Assert.Equal(injectedBefore + 4, (await Registry.CountsAsync()).Injected["node.slowdown"]);
        await _driver.Job.StopAsync();
    }

    [Fact]
    public async Task ALinkFaultOutlivesTheRegistrysReactivationIntoANewRun()
    {
        // As after a failover: the registry comes back with the epoch it last stored while the job has moved on to a
        // new run (a new epoch) and configured the links for it. The registry's first push is for the old run; it
        // must be ignored, not fail the registry's activation and with it every fault route and the job's start.
        await _driver.StartAtMaxPaceAsync(Scenarios.TwoSites());
        await _driver.WaitForStepAsync(2);
        var latency = Assert.Single((await Registry.InjectAsync([new FaultRequest("link.latency", new FaultTargetRequest(Link: "a-b"), new Dictionary<string, double> { ["addMilliseconds"] = 7 })], campaign: null)).Faults);
        var slow = Assert.Single((await Registry.InjectAsync([new FaultRequest("node.slowdown", new FaultTargetRequest(Node: "a-00003"), new Dictionary<string, double> { ["factor"] = 3 })], campaign: null)).Faults);
        var nominal = (await _driver.WaitForStepAsync(4)).Links.Single().NominalLatencySeconds;
        await DeactivateRegistryAsync();

        for (var run = 0; run < 2; run++)
        {
            var epoch = (await _driver.Job.GetStatusAsync()).Job.Epoch;
            await _driver.Job.StopAsync();
            await _driver.Job.StartAsync(); // a new run of the same scenario under a new epoch, faults kept
            var status = await _driver.WaitForAsync(s => s.Job.Epoch > epoch && s.Job.Step >= 3);

            Assert.Equal([latency.Id, slow.Id], (await Registry.ListAsync(includeEnded: false)).Select(f => f.Id));
            Assert.Equal(nominal + 0.007, status.Links.Single().LatencySeconds, 9);
            Assert.Equal(3 * 4e14 / (989e12 * 0.4), status.LastStep!.MaxComputeSeconds, 9);
            Assert.Equal(0, status.Job.StepsFailed);
            await DeactivateRegistryAsync();
        }

        await _driver.Job.StopAsync();
        await Registry.ClearAllAsync();
    }

    [Fact]
    public async Task AFaultThatExpiredWhileTheRegistryWasAwayIsTakenBackFromItsNodeWhenTheRegistryReturns()
    {
        // The registry's timer ends faults on time; a registry that was away (its silo lost) finds the fault expired
        // when it comes back, with no record of what it told, and must still tell the node's block it is over.
        // 15 s: long enough that the step after the injection and the registry's deactivation come before the end,
        // however busy the machine.
        const string node = "expiry-00005";
        await _driver.StartAtMaxPaceAsync(Scenarios.Uniform(nodes: 32, checkpointEvery: 1000, site: "expiry"));
        await _driver.WaitForStepAsync(2);
        var fault = Assert.Single((await Registry.InjectAsync(
            [new FaultRequest("node.slowdown", new FaultTargetRequest(Node: node), new Dictionary<string, double> { ["factor"] = 3 }, DurationSeconds: 15)],
            campaign: null)).Faults);
        await _driver.WaitForAsync(s => s.Sites.Single().Generations.Single().Degraded == 1);

        var paused = await DeactivateRegistryAsync(resume: false);
        var until = fault.EndsAt!.Value + TimeSpan.FromSeconds(1) - DateTimeOffset.UtcNow;
        if (until > TimeSpan.Zero)
        {
            await Task.Delay(until, Ct); // nothing calls the registry meanwhile: the job, paused, does not ask its epoch
        }

        Assert.Equal(FaultState.Expired, Assert.Single(await Registry.ListAsync(includeEnded: true), f => f.Id == fault.Id).State);
        if (paused)
        {
            await _driver.Job.ResumeAsync();
        }

        var healed = await _driver.WaitForAsync(s => s.Sites.Single().Generations.Single().Degraded == 0);
        Assert.Equal(32, healed.Sites.Single().Generations.Single().Healthy);
        await _driver.Job.StopAsync();
    }

    [Fact]
    public async Task BackgroundArrivalsPastTheLiveLimitAreDroppedAndRepairsMakeRoomFirst()
    {
        // Found by probing: a scenario whose failures arrived 298,000 at a step made every one a fault, each checked
        // against the book by a linear search, and the registry (then the job, waiting on it) answered nothing for
        // minutes. Arrivals now count against the live limit (10,000 here, the default) like injections.
        await _driver.StartAtMaxPaceAsync(Scenarios.Uniform(nodes: 400, checkpointEvery: 1000));
        await _driver.Job.PauseAsync();
        var epoch = (await _driver.Job.GetStatusAsync()).Job.Epoch;
        var causeBefore = (await Registry.CountsAsync()).FailuresByCause?.GetValueOrDefault("probe") ?? 0;

        var burst = Enumerable.Range(0, 10_050).Select(i => Arrival($"bg{epoch}-burst{i:D5}", i % 400, startSeconds: 1, repairSeconds: 10)).ToArray();
        Assert.Equal(new BackgroundHandover(11, Dropped: 50), await Registry.BackgroundAsync(epoch, 2, burst)); // the next repair at 1 + 10 simulated seconds
        var live = await Registry.ListAsync(includeEnded: false);
        Assert.Equal(10_000, live.Count);
        Assert.Equal(burst.Take(10_000).Select(a => a.Id).Order(StringComparer.Ordinal), live.Select(f => f.Id));
        Assert.Equal(causeBefore + 10_000, (await Registry.CountsAsync()).FailuresByCause!["probe"]);

        // At simulated 20 s the burst is repaired: its faults end before the step's arrivals are counted, so all fit.
        var later = Enumerable.Range(0, 5).Select(i => Arrival($"bg{epoch}-later{i}", i, startSeconds: 15, repairSeconds: 100)).ToArray();
        Assert.Equal(new BackgroundHandover(115, Dropped: 0), await Registry.BackgroundAsync(epoch, 20, later));
        Assert.Equal(later.Select(a => a.Id), (await Registry.ListAsync(includeEnded: false)).Select(f => f.Id));

        await Registry.ClearAllAsync();
        await _driver.Job.StopAsync();
    }

    [Fact]
    public async Task BackgroundFailuresInForceStayWhenTheSameRunIsLaidOutAgainAndEndWithTheRun()
    {
        // Found by review: every layout of the same run (a silo joined or left, a step's calls failed) ended the
        // background failures in force, and the job, whose clock had passed their arrival, never handed them again.
        await _driver.StartAtMaxPaceAsync(Scenarios.Uniform(nodes: 400, checkpointEvery: 1000));
        await _driver.Job.PauseAsync();
        var (source, epoch) = await _driver.Job.GetScenarioSourceAsync();
        var arrivals = Enumerable.Range(0, 3).Select(i => Arrival($"bg{epoch}-again{i}", i, startSeconds: 1, repairSeconds: 1e6)).ToArray();
        await Registry.BackgroundAsync(epoch, 2, arrivals);

        await Registry.RunStartedAsync(epoch + 1, source!, keepFaults: true, continuing: true, blockSize: 512);
        var kept = await Registry.ListAsync(includeEnded: false);
        await Registry.RunStartedAsync(epoch + 2, source!, keepFaults: true, continuing: false, blockSize: 512);
        var afterNewRun = await Registry.ListAsync(includeEnded: true);
        await _driver.Job.StopAsync();

        Assert.Equal(arrivals.Select(a => (a.Id, FaultState.Active)), kept.Select(f => (f.Id, f.State)));
        Assert.All(arrivals, a => Assert.Equal(FaultState.Cleared, Assert.Single(afterNewRun, f => f.Id == a.Id).State));
    }

    [Fact]
    public async Task TheCountersStartFromZeroForAScenarioOtherThanTheOneBefore()
    {
        // Found by probing: the counters ran on across scenarios, and /metrics labelled an earlier scenario's
        // injections and failures, causes the scenario lacks included, with the one loaded now.
        await _driver.StartAtMaxPaceAsync(Scenarios.Uniform(nodes: 400, checkpointEvery: 1000));
        await _driver.Job.PauseAsync();
        var epoch = (await _driver.Job.GetStatusAsync()).Job.Epoch;
        await Registry.BackgroundAsync(epoch, 2, [Arrival($"bg{epoch}-count0", 0, startSeconds: 1, repairSeconds: 1e6)]);
        await Registry.InjectAsync([new FaultRequest("node.slowdown", new FaultTargetRequest(Node: ClusterLayout.NodeId("dc", 1)), new Dictionary<string, double> { ["factor"] = 2 })], campaign: null);
        var before = await Registry.CountsAsync();
        Assert.True(before.Injected["node.slowdown"] >= 1);
        Assert.True(before.FailuresByCause!["probe"] >= 1);

        // A new run of the same scenario counts on; another scenario starts from zero, without the old one's causes.
        await _driver.Job.StopAsync();
        await _driver.Job.StartAsync();
        Assert.Equal(before.Injected["node.slowdown"], (await Registry.CountsAsync()).Injected["node.slowdown"]);
        await _driver.StartAtMaxPaceAsync(Scenarios.TwoSites());
        var after = await Registry.CountsAsync();
        await _driver.Job.StopAsync();

        Assert.All(after.Injected.Values, count => Assert.Equal(0, count));
        Assert.False(after.FailuresByCause!.ContainsKey("probe"));
    }

    private static BackgroundFault Arrival(string id, int node, double startSeconds, double repairSeconds) => new(
        id, "probe", FaultKind.NodeSlowdown, new FaultTargetRequest(Node: ClusterLayout.NodeId("dc", node)),
        new Dictionary<string, double> { ["factor"] = 1.5 }, startSeconds, repairSeconds, Xid: null);

    // Deactivates the registry and waits until the activation has gone: the next call reads its state back. A running
    // job asks the registry its epoch about once a second (RegistryEpochCheck), which brings it straight back (a CI
    // run never saw it gone in 60 s): the job is paused meanwhile, and resumed unless `resume` is false. Returns
    // whether it was paused here.
    private async Task<bool> DeactivateRegistryAsync(bool resume = true)
    {
        var running = (await _driver.Job.GetStatusAsync()).Job.State == JobState.Running;
        if (running)
        {
            await _driver.Job.PauseAsync();
        }

        await Registry.Cast<IGrainManagementExtension>().DeactivateOnIdle(Ct);
        var management = fixture.Client.GetGrain<IManagementGrain>(0);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await management.GetActiveGrains(GrainType.Create("faultregistry"), Ct)).Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, Ct);
        }

        Assert.Empty(await management.GetActiveGrains(GrainType.Create("faultregistry"), Ct));
        if (running && resume)
        {
            await _driver.Job.ResumeAsync();
        }

        return running;
    }
}
