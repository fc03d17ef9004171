using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Faults;
using OrleansCluster.Grains.Job;
using OrleansCluster.Grains.Links;

namespace OrleansCluster.Grains.Tests.Faults;

/// <summary>
/// The job and the fault registry when storage goes back in time: a Redis restarted from an older snapshot, restored
/// from a backup or failed over to a lagging replica holds older records than the grains wrote (the test storage puts a
/// record taken earlier back). Found by probing: each took the older record for a later writer's and reloaded it, so the
/// job ran an older scenario at an older step and pace, a cleared fault came back, one injected vanished and its id was
/// handed out again, and a link kept a partition no fault listed. Each is its record's one writer: it writes memory's
/// record over the older one; only a record another activation wrote after it stands it down.
/// </summary>
[Collection(FlakyStorageTests.Name)]
public sealed class StorageWentBackTests(FlakyStorageFixture fixture)
{
    private IFaultRegistryGrain Registry => fixture.Client.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key);

    private IJobGrain Job => fixture.Client.GetGrain<IJobGrain>(IJobGrain.Key);

    [Fact]
    public async Task AJobWhoseStorageWentBackToAnEarlierActivationsRecordWritesItsOwnOverItAndRunsOn()
    {
        await fixture.StartUniformAsync("bj");
        try
        {
            await Eventually.WaitForAsync(async () => (await Job.GetStatusAsync()).Job.Step > 2, "the job's first steps");
            var older = await fixture.Storage.SnapshotAsync(SimulationStorage.JobState);

            // The next activation is another writer of the record, as after the job's silo was lost; its pace is answered
            // as changed, then storage goes back to the first activation's record (at max pace).
            await fixture.DeactivateAsync(Job, "job");
            var slow = PaceSettings.Realtime(1000);
            await Job.SetPaceAsync(slow);
            await older();

            // The job writes about once a second while it runs: its next write finds the older record and writes over it.
            await Eventually.WaitForAsync(async () => await fixture.Storage.StoredAsync(SimulationStorage.JobState) is JobRecord stored && stored.Pace == slow, "the job's record written again over the older one");
            var status = await Job.GetStatusAsync();
            Assert.Equal((JobState.Running, slow), (status.Job.State, status.Job.Pace));

            await fixture.DeactivateAsync(Job, "job");
            status = await Job.GetStatusAsync();
            Assert.Equal((JobState.Running, slow), (status.Job.State, status.Job.Pace));
        }
        finally
        {
            await Job.StopAsync();
        }
    }

    [Fact]
    public async Task ARegistryWhoseStorageWentBackWritesItsFaultsOverTheOlderRecordAndNeverHandsAnIdOutTwice()
    {
        await fixture.LoadUniformAsync("br");
        var earlier = Assert.Single((await Registry.InjectAsync([FlakyStorageFixture.Slowdown("br-00004")], campaign: null)).Faults);
        await Registry.ClearAsync(earlier.Id);
        await Eventually.WaitForAsync(async () => await fixture.Storage.StoredAsync(SimulationStorage.FaultHistoryState) is FaultHistoryState h && h.Ended.Any(f => f.Id == earlier.Id), "the history's write");
        var a = Assert.Single((await Registry.InjectAsync([FlakyStorageFixture.Slowdown("br-00001")], campaign: null)).Faults);
        var olderLive = await fixture.Storage.SnapshotAsync(SimulationStorage.FaultRegistryState);
        var olderHistory = await fixture.Storage.SnapshotAsync(SimulationStorage.FaultHistoryState);

        // The next activation is another writer of the record, as after the registry's silo was lost. It clears A and
        // injects B (answered 201); then storage goes back: A in force, no B, the id counter before B's.
        await fixture.DeactivateAsync(Registry, "faultregistry");
        await Registry.ClearAllAsync();
        var b = Assert.Single((await Registry.InjectAsync([FlakyStorageFixture.Slowdown("br-00002")], campaign: null)).Faults);
        await olderLive();
        await olderHistory();

        // Was refused for its ETag (503), and the reloaded registry had A in force, no B, and gave B's id to the next fault.
        Assert.Equal(FaultState.Cleared, (await Registry.ClearAsync(b.Id))?.State);
        var c = Assert.Single((await Registry.InjectAsync([FlakyStorageFixture.Slowdown("br-00003")], campaign: null)).Faults);
        Assert.DoesNotContain(c.Id, new[] { earlier.Id, a.Id, b.Id });
        await Eventually.WaitForAsync(async () => await fixture.Storage.StoredAsync(SimulationStorage.FaultHistoryState) is FaultHistoryState h && h.Ended.Any(f => f.Id == b.Id) && h.Ended.Any(f => f.Id == a.Id), "the history written again");

        await fixture.DeactivateAsync(Registry, "faultregistry");
        var all = (await Registry.ListAsync(includeEnded: true)).ToDictionary(f => f.Id, f => f.State, StringComparer.Ordinal);
        Assert.Equal(FaultState.Cleared, all[earlier.Id]);
        Assert.Equal(FaultState.Cleared, all[a.Id]);
        Assert.Equal(FaultState.Cleared, all[b.Id]);
        Assert.Equal(FaultState.Active, all[c.Id]);
    }

    [Fact]
    public async Task ARegistryReloadedFromAnOlderRecordTakesBackEveryEffectItNoLongerLists()
    {
        await fixture.LoadAsync(ScenarioSource.FromJson(Scenarios.TwoSites()));
        var older = await fixture.Storage.SnapshotAsync(SimulationStorage.FaultRegistryState); // no fault
        var link = fixture.Client.GetGrain<ILinkGrain>("a-b");
        async Task<double> ExtraLatencyAsync()
        {
            var figures = await link.GetFiguresAsync(1);
            return figures.LatencySeconds - figures.NominalLatencySeconds;
        }

        var latency = new FaultRequest("link.latency", new FaultTargetRequest(Link: "a-b"), new Dictionary<string, double> { ["addMilliseconds"] = 7, ["jitterMilliseconds"] = 0 });
        Assert.Single((await Registry.InjectAsync([latency], campaign: null)).Faults);
        await Eventually.WaitForAsync(async () => await ExtraLatencyAsync() > 0.006, "the link's added latency");

        // Storage goes back to the record without the fault, and the registry is read back from it (its silo lost, say):
        // the link was told nothing, under the same epoch, and kept the latency of a fault no one listed.
        await older();
        await fixture.DeactivateAsync(Registry, "faultregistry");
        Assert.Empty(await Registry.ListAsync(includeEnded: false));
        await Eventually.WaitForAsync(async () => await ExtraLatencyAsync() < 1e-6, "the link told it has no effect");
    }

    [Fact]
    public async Task APausedJobWritesItsRecordAndTheRegistrysAgainWhenStorageLostThem()
    {
        // Found by probing: a paused job writes nothing, and the registry writes again only after the job; silos restarted
        // after a Redis emptied meanwhile came up at step 0 with no fault.
        await fixture.LoadUniformAsync("bp");
        var kept = Assert.Single((await Registry.InjectAsync([FlakyStorageFixture.Slowdown("bp-00001")], campaign: null)).Faults);
        var cleared = Assert.Single((await Registry.InjectAsync([FlakyStorageFixture.Slowdown("bp-00002")], campaign: null)).Faults);
        await Registry.ClearAsync(cleared.Id);
        await Job.SetPaceAsync(PaceSettings.Max);
        await Job.StartAsync();
        try
        {
            await Eventually.WaitForAsync(async () => (await Job.GetStatusAsync()).Job.Step > 2 && await fixture.Storage.StoredAsync(SimulationStorage.FaultHistoryState) is FaultHistoryState h && h.Ended.Any(f => f.Id == cleared.Id), "the job's first steps and the history's write");
            await Job.PauseAsync();
            var paused = (await Job.GetStatusAsync()).Job;
            foreach (var state in new[] { SimulationStorage.FaultRegistryState, SimulationStorage.FaultHistoryState, SimulationStorage.JobState })
            {
                await fixture.Storage.ForgetAsync(state);
            }

            await Eventually.WaitForAsync(async () => await fixture.Storage.HoldsAsync(SimulationStorage.JobState) && await fixture.Storage.HoldsAsync(SimulationStorage.FaultRegistryState) && await fixture.Storage.HoldsAsync(SimulationStorage.FaultHistoryState), "the paused job's and the registry's records written again");

            await fixture.DeactivateAsync(Job, "job");
            await fixture.DeactivateAsync(Registry, "faultregistry");
            var status = (await Job.GetStatusAsync()).Job;
            Assert.Equal((JobState.Paused, paused.Step), (status.State, status.Step));
            Assert.Equal(FaultState.Active, (await Registry.GetAsync(kept.Id))?.State);
            Assert.Equal(FaultState.Cleared, (await Registry.GetAsync(cleared.Id))?.State);
        }
        finally
        {
            await Job.StopAsync();
        }
    }
}
