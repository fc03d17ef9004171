using Orleans.Storage;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Faults;

namespace OrleansCluster.Grains.Tests.Faults;

/// <summary>
/// The fault registry and the job when their writes fail or land late (found by review): a failed call changes
/// nothing in memory, and a write whose answer was lost loses no fault from the history when the registry reloads.
/// </summary>
[Collection(FlakyStorageTests.Name)]
public sealed class RegistryWriteOrderTests(FlakyStorageFixture fixture)
{
    private IFaultRegistryGrain Registry => fixture.Client.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key);

    private IJobGrain Job => fixture.Client.GetGrain<IJobGrain>(IJobGrain.Key);

    [Fact]
    public async Task FaultsEndedByAHandOverWhoseWriteLandsLateStayInTheHistoryAndAreCountedOnce()
    {
        var epoch = await fixture.LoadUniformAsync(site: "ra");
        await Registry.BackgroundAsync(epoch, 10, [Failure("bg-ra-1", "ra-00001", arrival: 5, repair: 50)]);

        // The write that repairs bg-ra-1 (and makes and at once ends bg-ra-3, shorter than the step) is stored but its
        // answer lost: read back, it answers as made (it was a timeout, then a stale ETag, then a reloaded registry),
        // and the job's next steps with the same arrivals make none again.
        fixture.Storage.Arm(SimulationStorage.FaultRegistryState, FlakyStorage.Mode.LandLate);
        BackgroundFault[] arrivals = [Failure("bg-ra-2", "ra-00002", arrival: 90, repair: 1000), Failure("bg-ra-3", "ra-00003", arrival: 95, repair: 2)];
        Assert.Equal("ok", await TryAsync(() => Registry.BackgroundAsync(epoch, 100, arrivals)));
        Assert.Equal("ok", await TryAsync(() => Registry.BackgroundAsync(epoch, 101, arrivals)));
        await DeactivateRegistryAsync();
        Assert.Equal("ok", await TryAsync(() => Registry.BackgroundAsync(epoch, 102, arrivals)));

        var all = await StatesAsync(includeEnded: true);
        Assert.Equal(FaultState.Expired, all["bg-ra-1"]); // was in neither the live faults nor the history
        Assert.Equal(FaultState.Expired, all["bg-ra-3"]);
        Assert.Equal(FaultState.Active, all["bg-ra-2"]);
        Assert.Equal(3, (await Registry.CountsAsync()).FailuresByCause!["test"]); // bg-ra-3 was counted twice
    }

    [Fact]
    public async Task AClearWhoseWriteLandsLateLeavesTheFaultClearedInTheHistory()
    {
        await fixture.LoadUniformAsync(site: "rc");
        var fault = Assert.Single((await Registry.InjectAsync([FlakyStorageFixture.Slowdown("rc-00003")], campaign: null)).Faults);

        fixture.Storage.Arm(SimulationStorage.FaultRegistryState, FlakyStorage.Mode.LandLate);
        Assert.Equal(FaultState.Cleared, (await Registry.ClearAsync(fault.Id))?.State); // read back: made (was a 503, then a stale ETag)
        await DeactivateRegistryAsync();

        Assert.Null(await Registry.ClearAsync(fault.Id)); // reloaded: no longer in force
        Assert.Equal(FaultState.Cleared, (await Registry.GetAsync(fault.Id))?.State); // was null: in neither store
    }

    [Fact]
    public async Task AClearOfAllWhoseWriteFailsChangesNothingAndOneThatLandsLateKeepsEveryFaultInTheHistory()
    {
        await fixture.LoadUniformAsync(site: "ca");
        var faults = (await Registry.InjectAsync([FlakyStorageFixture.Slowdown("ca-00001"), FlakyStorageFixture.Slowdown("ca-00002")], campaign: null)).Faults;
        Assert.Equal(2, faults.Count);
        var effects = await Registry.NodeEffectsAsync();

        fixture.Storage.Arm(SimulationStorage.FaultRegistryState, FlakyStorage.Mode.Fail);
        Assert.Equal(nameof(WriteNotMadeException), await TryAsync(Registry.ClearAllAsync));
        Assert.Equal(2, (await StatesAsync(includeEnded: false)).Count);
        Assert.Equal(effects.Keys, (await Registry.NodeEffectsAsync()).Keys);

        fixture.Storage.Arm(SimulationStorage.FaultRegistryState, FlakyStorage.Mode.LandLate);
        Assert.Equal(2, await Registry.ClearAllAsync()); // read back: made (was a 503, then a stale ETag)
        await DeactivateRegistryAsync();

        Assert.Equal(0, await Registry.ClearAllAsync()); // reloaded: none in force
        var all = await StatesAsync(includeEnded: true);
        Assert.All(faults, f => Assert.Equal(FaultState.Cleared, all[f.Id]));
    }

    [Fact]
    public async Task AHistoryWriteThatLandsLateLosesNoLaterEnd()
    {
        await fixture.LoadUniformAsync(site: "rb");
        var first = Assert.Single((await Registry.InjectAsync([FlakyStorageFixture.Slowdown("rb-00001")], campaign: null)).Faults);
        fixture.Storage.Arm(SimulationStorage.FaultHistoryState, FlakyStorage.Mode.LandLate);
        await Registry.ClearAsync(first.Id);
        await Eventually.WaitForAsync(() => fixture.Storage.Armed(SimulationStorage.FaultHistoryState) == 0, "the history's write a second behind the clear");

        // Every history write after that one met a stale ETag, the last at deactivation too: the later clear was lost.
        var second = Assert.Single((await Registry.InjectAsync([FlakyStorageFixture.Slowdown("rb-00002")], campaign: null)).Faults);
        await Registry.ClearAsync(second.Id);
        await DeactivateRegistryAsync();

        var all = await StatesAsync(includeEnded: true);
        Assert.Equal(FaultState.Cleared, all[first.Id]);
        Assert.Equal(FaultState.Cleared, all[second.Id]);
    }

    [Fact]
    public async Task ARunStartWhoseWriteFailsChangesNothing()
    {
        var epoch = await fixture.LoadUniformAsync(site: "rs");
        var fault = Assert.Single((await Registry.InjectAsync([FlakyStorageFixture.Slowdown("rs-00004")], campaign: null)).Faults);
        var effects = await Registry.NodeEffectsAsync();

        fixture.Storage.Arm(SimulationStorage.FaultRegistryState, FlakyStorage.Mode.Fail);
        var other = ScenarioSource.FromJson(Scenarios.Uniform(nodes: 48, site: "rt"));
        Assert.Equal(nameof(WriteNotMadeException), await TryAsync(() => Registry.RunStartedAsync(epoch + 1, other, keepFaults: false, continuing: false, ClusterFixture.BlockSize)));

        Assert.Equal(FaultState.Active, (await Registry.GetAsync(fault.Id))?.State); // was Cleared
        Assert.Equal(effects.Keys, (await Registry.NodeEffectsAsync()).Keys);

        // The run is the old one still: a node of the new scenario is refused, one of the old is taken, and the write
        // that takes it keeps the old run (it wrote the new epoch and scenario that the failed call had left in memory).
        var refused = await Registry.InjectAsync([FlakyStorageFixture.Slowdown("rt-00001")], campaign: null);
        Assert.Empty(refused.Faults);
        Assert.True(refused.NotFound || refused.Errors.Count > 0);
        Assert.Single((await Registry.InjectAsync([FlakyStorageFixture.Slowdown("rs-00005")], campaign: null)).Faults);
        await DeactivateRegistryAsync();
        Assert.Equal(FaultState.Active, (await Registry.GetAsync(fault.Id))?.State);
        Assert.Equal(2, (await StatesAsync(includeEnded: false)).Count);
    }

    [Fact]
    public async Task ALoadWhoseRegistryWriteFailsLeavesTheJobStoppedOnItAndARetryClearsTheOldFaults()
    {
        await fixture.LoadUniformAsync(site: "la");
        await Job.SetPaceAsync(PaceSettings.Max);
        await Job.StartAsync();
        var fault = Assert.Single((await Registry.InjectAsync([FlakyStorageFixture.Slowdown("la-00002")], campaign: null)).Faults);

        // The job's record takes the new scenario; the registry's write of its run fails, and fails again when the
        // registry is reloaded from storage (its history's write failing too): the stored faults are the old run's.
        fixture.Storage.Arm(SimulationStorage.FaultRegistryState, FlakyStorage.Mode.Fail);
        fixture.Storage.Arm(SimulationStorage.FaultHistoryState, FlakyStorage.Mode.Fail, count: 100);
        var next = ScenarioSource.FromJson(Scenarios.Uniform(nodes: 48, site: "lb").Replace("uniform-test", "uniform-next", StringComparison.Ordinal));
        Assert.Equal(nameof(WriteNotMadeException), await TryAsync(() => Job.LoadAndStartAsync(next)));
        var status = await Job.GetStatusAsync();
        Assert.Equal(("uniform-next", JobState.Stopped), (status.Scenario, status.Job.State));
        await DeactivateRegistryAsync();
        fixture.Storage.Disarm();

        // A start (which keeps faults for a run of the same scenario) carried the old scenario's fault into this one.
        await Job.StartAsync();
        Assert.Equal(JobState.Running, (await Job.GetStatusAsync()).Job.State);
        Assert.Empty(await StatesAsync(includeEnded: false));
        Assert.Equal(FaultState.Cleared, (await Registry.GetAsync(fault.Id))?.State);
        await Job.StopAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AReloadWhoseRegistryWriteFailsClearsTheFaultsAtTheStartThatFollows(bool jobReactivates)
    {
        var source = ScenarioSource.FromJson(Scenarios.Uniform(nodes: 32, site: "lr"));
        await fixture.LoadAsync(source);
        var fault = Assert.Single((await Registry.InjectAsync([FlakyStorageFixture.Slowdown("lr-00002")], campaign: null)).Faults);

        // Loading a scenario clears every fault, even the same scenario's; its registry call fails, and the start that
        // follows (which alone would keep them) lays out the run the load asked for.
        fixture.Storage.Arm(SimulationStorage.FaultRegistryState, FlakyStorage.Mode.Fail);
        Assert.Equal(nameof(WriteNotMadeException), await TryAsync(() => Job.LoadAsync(source)));
        Assert.Equal(FaultState.Active, (await Registry.GetAsync(fault.Id))?.State);
        fixture.Storage.Disarm();
        if (jobReactivates)
        {
            await fixture.DeactivateAsync(Job, "job"); // found by review: what the load owed lived in the activation's memory
        }

        await Job.StartAsync();

        Assert.Equal(FaultState.Cleared, (await Registry.GetAsync(fault.Id))?.State);
        await Job.StopAsync();
    }

    [Fact]
    public async Task ASiteFaultTheHistoryGetsBackFromTheLiveRecordKeepsItsNodes()
    {
        // Found by review: the live record keeps a site's fault without its node list, and the history took it so.
        await fixture.LoadUniformAsync(site: "rn");
        var fault = Assert.Single((await Registry.InjectAsync([new("node.slowdown", new FaultTargetRequest(Site: "rn"), new Dictionary<string, double> { ["factor"] = 2 })], campaign: null)).Faults);
        Assert.Equal(32, fault.Targets.Nodes.Count);

        fixture.Storage.Arm(SimulationStorage.FaultRegistryState, FlakyStorage.Mode.LandLate);
        Assert.Equal("ok", await TryAsync(() => Registry.ClearAsync(fault.Id)));
        await DeactivateRegistryAsync();

        var ended = await Registry.GetAsync(fault.Id);
        Assert.Equal(FaultState.Cleared, ended?.State);
        Assert.Equal(fault.Targets.Nodes, ended!.Targets.Nodes);
    }

    private static BackgroundFault Failure(string id, string node, double arrival, double repair) =>
        new(id, "test", FaultKind.NodeSlowdown, new FaultTargetRequest(Node: node), new Dictionary<string, double> { ["factor"] = 2 }, arrival, repair, null);

    private async Task<Dictionary<string, FaultState>> StatesAsync(bool includeEnded) =>
        (await Registry.ListAsync(includeEnded)).ToDictionary(f => f.Id, f => f.State, StringComparer.Ordinal);

    // The registry deactivated and gone, so that the next call reads it back from storage.
    private Task DeactivateRegistryAsync() => fixture.DeactivateAsync(Registry, "faultregistry");

    // "ok", or the name of the exception the call failed with.
    private static async Task<string> TryAsync(Func<Task> call)
    {
        try
        {
            await call();
            return "ok";
        }
#pragma warning disable CA1031 // the test asserts which exception it was
        catch (Exception e)
#pragma warning restore CA1031
        {
            return e is InconsistentStateException ? nameof(InconsistentStateException) : e.GetBaseException().GetType().Name;
        }
    }
}

/// <summary>Tests on the cluster whose storage fails on demand, one after another (its job and registry are singletons).</summary>
[CollectionDefinition(Name)]
public sealed class FlakyStorageTests : ICollectionFixture<FlakyStorageFixture>
{
    public const string Name = "flaky-storage";
}
