using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Grains.Tests.Faults;

/// <summary>
/// The job and the fault registry when storage loses their records while they run, as a Redis restarted empty (no
/// persistence) does (found by probing: the job took the missing record for another activation's and stopped for
/// good, with <c>/healthz</c> still healthy; the registry's next write was refused and its faults went with its
/// activation). Each is its record's one writer: it writes it again.
/// </summary>
[Collection(FlakyStorageTests.Name)]
public sealed class EmptiedStorageTests(FlakyStorageFixture fixture)
{
    private IFaultRegistryGrain Registry => fixture.Client.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key);

    private IJobGrain Job => fixture.Client.GetGrain<IJobGrain>(IJobGrain.Key);

    [Fact]
    public async Task ARunningJobWritesItsRecordAgainWhenStorageLostIt()
    {
        await fixture.StartUniformAsync("ej");
        try
        {
            await Eventually.WaitForAsync(async () => (await Job.GetStatusAsync()).Job.Step > 2, "the job's first steps");
            await fixture.Storage.ForgetAsync(SimulationStorage.JobState);

            // The job writes its record about once a second while it runs: the next write finds none stored.
            await Eventually.WaitForAsync(() => fixture.Storage.HoldsAsync(SimulationStorage.JobState), "the job's record written again");
            var step = (await Job.GetStatusAsync()).Job.Step;
            await Eventually.WaitForAsync(async () => (await Job.GetStatusAsync()).Job.Step > step, "steps after the record was written again");

            // A new activation reads it back: the run, not an idle job with no scenario.
            await fixture.DeactivateAsync(Job, "job");
            var status = await Job.GetStatusAsync();
            Assert.Equal(("uniform-test", JobState.Running), (status.Scenario, status.Job.State));
            Assert.True(status.Job.Step > 0, $"{status.Job}");
        }
        finally
        {
            await Job.StopAsync();
        }
    }

    [Fact]
    public async Task TheRegistryWritesItsFaultsAgainWhenStorageLostThem()
    {
        await fixture.LoadUniformAsync("er");
        var first = Assert.Single((await Registry.InjectAsync([FlakyStorageFixture.Slowdown("er-00001")], campaign: null)).Faults);
        var cleared = Assert.Single((await Registry.InjectAsync([FlakyStorageFixture.Slowdown("er-00003")], campaign: null)).Faults);
        await Registry.ClearAsync(cleared.Id);
        await Eventually.WaitForAsync(() => fixture.Storage.HoldsAsync(SimulationStorage.FaultHistoryState), "the history's write");
        await fixture.Storage.ForgetAsync(SimulationStorage.FaultRegistryState);
        await fixture.Storage.ForgetAsync(SimulationStorage.FaultHistoryState);

        // Was refused for its ETag (InconsistentStateException), and the reloaded registry had neither fault. The history,
        // lost with it, is written again behind it (found by review: only the live record was).
        var second = Assert.Single((await Registry.InjectAsync([FlakyStorageFixture.Slowdown("er-00002")], campaign: null)).Faults);
        Assert.True(await fixture.Storage.HoldsAsync(SimulationStorage.FaultRegistryState));
        await Eventually.WaitForAsync(() => fixture.Storage.HoldsAsync(SimulationStorage.FaultHistoryState), "the history written again");

        await fixture.DeactivateAsync(Registry, "faultregistry");
        var all = (await Registry.ListAsync(includeEnded: true)).ToDictionary(f => f.Id, f => f.State, StringComparer.Ordinal);
        Assert.Equal(FaultState.Active, all[first.Id]);
        Assert.Equal(FaultState.Active, all[second.Id]);
        Assert.Equal(FaultState.Cleared, all[cleared.Id]);
    }

    [Fact]
    public async Task WhenStorageLostEveryRecordTheJobHasTheRegistryWriteItsOwnAgainWithoutAChangeOfItsOwn()
    {
        // Found by a check of the fix: with no change to write, the registry's records stayed lost, and a silo lost then
        // took every fault with it. The job, which writes about once a second, tells it.
        await fixture.LoadUniformAsync("ea");
        var kept = Assert.Single((await Registry.InjectAsync([FlakyStorageFixture.Slowdown("ea-00001")], campaign: null)).Faults);
        var cleared = Assert.Single((await Registry.InjectAsync([FlakyStorageFixture.Slowdown("ea-00002")], campaign: null)).Faults);
        await Registry.ClearAsync(cleared.Id);
        await Job.SetPaceAsync(PaceSettings.Max);
        await Job.StartAsync();
        try
        {
            await Eventually.WaitForAsync(async () => (await Job.GetStatusAsync()).Job.Step > 2 && await fixture.Storage.HoldsAsync(SimulationStorage.FaultHistoryState), "the job's first steps and the history's write");
            // The job's last (found by review): a job write between the forgets would find its record gone, and have the
            // registry write its own again before they were gone.
            foreach (var state in new[] { SimulationStorage.FaultRegistryState, SimulationStorage.FaultHistoryState, SimulationStorage.JobState })
            {
                await fixture.Storage.ForgetAsync(state);
            }

            await Eventually.WaitForAsync(async () => await fixture.Storage.HoldsAsync(SimulationStorage.FaultRegistryState) && await fixture.Storage.HoldsAsync(SimulationStorage.FaultHistoryState), "the registry's records written again");
        }
        finally
        {
            await Job.StopAsync();
        }

        await fixture.DeactivateAsync(Registry, "faultregistry");
        Assert.Equal(FaultState.Active, (await Registry.GetAsync(kept.Id))?.State);
        Assert.Equal(FaultState.Cleared, (await Registry.GetAsync(cleared.Id))?.State);
    }
}
