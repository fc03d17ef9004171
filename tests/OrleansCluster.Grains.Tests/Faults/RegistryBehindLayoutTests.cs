using Orleans.Runtime;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Faults;

namespace OrleansCluster.Grains.Tests.Faults;

/// <summary>
/// A registry lost before it wrote the same run's new layout (written behind it, so that the layout does not wait on a
/// paused storage) comes back on the older epoch while the job steps on the newer. Found by review (fix-drain2): the
/// blocks and links ignored every push it made from then on, nothing laid the tree out again, and background failures
/// handed to it were answered as taken and lost. The job now sees the registry behind its layout and lays the tree out
/// again; the registry refuses a hand-over under another epoch.
/// </summary>
[Collection(FlakyStorageTests.Name)]
public sealed class RegistryBehindLayoutTests(FlakyStorageFixture fixture)
{
    private IFaultRegistryGrain Registry => fixture.Client.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key);

    [Fact]
    public async Task AFaultInjectedAfterTheRegistryLostTheRunsNewLayoutStillTakesEffect()
    {
        var driver = new JobDriver(fixture.Client);
        var relaid = await RegistryBehindAsync(driver, "rb");

        // Pushed under the older epoch, which the blocks ignore, until the job lays its tree out again and tells the registry.
        await Registry.InjectAsync([new FaultRequest("node.slowdown", new FaultTargetRequest(Node: "rb-00005"), new Dictionary<string, double> { ["factor"] = 3 })], campaign: null);
        await driver.Job.ResumeAsync();

        var slowed = await driver.WaitForAsync(s => s.LastStep is { MaxComputeSeconds: > 2 * Scenarios.H100ComputeSeconds }); // was: healthy for good
        Assert.True(slowed.Job.Epoch > relaid.Job.Epoch);
        Assert.Equal("rb-00005", (await driver.Job.GetStragglersAsync(1))!.Nodes[0].Node);
        Assert.Equal(slowed.Job.Epoch, await Registry.EpochAsync());

        // A clear pushed afterwards reaches the blocks too.
        await Registry.ClearAllAsync();
        var cleared = await driver.WaitForAsync(s => s.Job.Step > slowed.Job.Step + 3 && s.LastStep is { MaxComputeSeconds: < 2 * Scenarios.H100ComputeSeconds });
        Assert.Equal(slowed.Job.Epoch, cleared.Job.Epoch);
        await driver.Job.StopAsync();
    }

    [Fact]
    public async Task AtASlowRealtimePaceTheJobLaysOutAgainLongBeforeItsNextStep()
    {
        // Found by review (fix-epoch-check): at realtime the check ran once per step, and the timer slept until the next
        // step was due (up to an hour): a registry behind the layout was noticed a step later, every push dropped meanwhile.
        var driver = new JobDriver(fixture.Client);
        var relaid = await RegistryBehindAsync(driver, "rr");
        await Registry.InjectAsync([new FaultRequest("node.slowdown", new FaultTargetRequest(Node: "rr-00005"), new Dictionary<string, double> { ["factor"] = 3 })], campaign: null);
        await driver.Job.SetPaceAsync(PaceSettings.Realtime(0.005)); // a step of about a simulated second every 200 s
        var paused = await driver.Job.GetStatusAsync();
        await driver.Job.ResumeAsync(); // the next step at once (the pace came from max), the one after 200 s later

        ClusterStatus? caughtUp = null;
        await Eventually.WaitForAsync(
            async () => (caughtUp = await driver.Job.GetStatusAsync()).Job.Epoch > relaid.Job.Epoch && await Registry.EpochAsync() == caughtUp.Job.Epoch,
            "the job to lay its tree out again and tell the registry"); // was: only at the next step, 200 s on
        Assert.True(caughtUp!.Job.Step <= paused.Job.Step + 1, $"laid out again at step {caughtUp.Job.Step}, after the one run at the resume ({paused.Job.Step + 1})");

        // The fault told afresh under the new layout takes effect at the next step.
        await driver.Job.SetPaceAsync(PaceSettings.Max);
        var slowed = await driver.WaitForAsync(s => s.LastStep is { MaxComputeSeconds: > 2 * Scenarios.H100ComputeSeconds });
        Assert.Equal(caughtUp.Job.Epoch, slowed.Job.Epoch);
        await driver.Job.StopAsync();
    }

    [Fact]
    public async Task ARegistryAheadOfTheJobsLayoutHasTheJobLayOutPastIt()
    {
        // Found by review (fix-epoch-check): a registry ahead of the job (the job resumed from a record two layouts old,
        // the registry having lost the layout between) refused every hand-over, and the job laid out again only for a
        // registry behind it.
        var driver = new JobDriver(fixture.Client);
        await fixture.StartUniformAsync("ra");
        await driver.WaitForStepAsync(3);
        var (source, epoch) = await driver.Job.GetScenarioSourceAsync();

        await Registry.RunStartedAsync(epoch + 5, source!, keepFaults: true, continuing: true, ClusterFixture.BlockSize);
        await Assert.ThrowsAsync<EpochMismatchException>(() => Registry.BackgroundAsync(epoch, 0, []));

        var past = await driver.WaitForAsync(s => s.Job.Epoch > epoch + 5); // was: the job stayed on its epoch for good
        await Eventually.WaitForAsync(async () => await Registry.EpochAsync() == (await driver.Job.GetStatusAsync()).Job.Epoch, "the registry on the job's layout");
        var stepping = await driver.WaitForAsync(s => s.Job.Step > past.Job.Step + 3);
        await Registry.BackgroundAsync(stepping.Job.Epoch, stepping.Job.SimulatedSeconds, []); // taken
        await driver.Job.StopAsync();
    }

    [Fact]
    public async Task ARegistryWithNoRunLaidOutOnTheJobsEpochHasTheJobLayOutAgain()
    {
        // Found by review (fix-epoch-check): a registry whose stored scenario no longer resolves starts with no run laid
        // out but keeps the stored epoch; it answered that epoch, the job's, and refused every hand-over for good.
        var driver = new JobDriver(fixture.Client);
        await fixture.StartUniformAsync("rn");
        await driver.WaitForStepAsync(3);
        await driver.Job.PauseAsync();
        var (source, epoch) = await driver.Job.GetScenarioSourceAsync();

        var stored = await fixture.EditStoredRegistryAsync(state => state.Scenario = Scenarios.NoLongerResolving(source!.Json!));
        Assert.Equal(epoch, stored.Epoch);
        Assert.Equal(IFaultRegistryGrain.NotLaidOut, await Registry.EpochAsync()); // was: the job's epoch

        await driver.Job.ResumeAsync();
        var relaid = await driver.WaitForAsync(s => s.Job.Epoch > epoch);
        await Eventually.WaitForAsync(async () => await Registry.EpochAsync() == (await driver.Job.GetStatusAsync()).Job.Epoch, "the registry on the job's layout");
        await Registry.InjectAsync([new FaultRequest("node.slowdown", new FaultTargetRequest(Node: "rn-00005"), new Dictionary<string, double> { ["factor"] = 3 })], campaign: null);
        var slowed = await driver.WaitForAsync(s => s.Job.Step > relaid.Job.Step && s.LastStep is { MaxComputeSeconds: > 2 * Scenarios.H100ComputeSeconds });
        await Registry.BackgroundAsync(slowed.Job.Epoch, slowed.Job.SimulatedSeconds, []); // taken
        await driver.Job.StopAsync();
        await Registry.ClearAllAsync();
    }

    // A running job laid out again while the registry's writes fail, and the registry lost before its write behind of
    // that layout landed: back on the older epoch, with the job paused. Answers the job as it was laid out again.
    private async Task<ClusterStatus> RegistryBehindAsync(JobDriver driver, string site)
    {
        await fixture.StartUniformAsync(site);
        var before = await driver.WaitForStepAsync(3);
        try
        {
            fixture.Storage.Arm(SimulationStorage.FaultRegistryState, FlakyStorage.Mode.Fail, FlakyStorage.UntilDisarmed); // the registry's storage out of reach

            // The same run laid out again (as when a silo drains): the job steps on the new layout at once, the registry
            // owing the write of its epoch.
            await driver.Job.DrainSiloAsync("127.0.0.1:1:1"); // no such silo: nothing to wait for
            await driver.WaitForAsync(s => s.Job.Epoch > before.Job.Epoch && s.Job.Step > before.Job.Step + 3);
            await Eventually.WaitForAsync(async () => (await Registry.HealthAsync()).Unwritten is not null, "the write behind of the new epoch to fail");

            // Lost before that write landed: its deactivation's write fails too, and it comes back on the older epoch.
            await driver.Job.PauseAsync(); // nothing calls the registry meanwhile
            var relaid = await driver.Job.GetStatusAsync();
            await fixture.DeactivateAsync(Registry, "faultregistry");
            fixture.Storage.Disarm();
            Assert.True(await Registry.EpochAsync() < relaid.Job.Epoch);
            return relaid;
        }
        finally
        {
            fixture.Storage.Disarm();
        }
    }

    [Fact]
    public async Task BackgroundFailuresHandedOverUnderAnotherEpochAreRefusedNotTaken()
    {
        await fixture.LoadUniformAsync("rf");
        var (_, epoch) = await fixture.Client.GetGrain<IJobGrain>(IJobGrain.Key).GetScenarioSourceAsync();
        BackgroundFault[] arrivals = [new("bg-rf-1", "test", FaultKind.NodeSlowdown, new FaultTargetRequest(Node: "rf-00002"), new Dictionary<string, double> { ["factor"] = 2 }, 5, 1000, null)];

        await Assert.ThrowsAsync<EpochMismatchException>(() => Registry.BackgroundAsync(epoch + 1, 10, arrivals)); // was answered as taken, and lost
        Assert.DoesNotContain(await Registry.ListAsync(includeEnded: true), f => f.Id == "bg-rf-1");

        await Registry.BackgroundAsync(epoch, 10, arrivals); // the job's next hand-over, once the registry is on its layout
        Assert.Equal(["bg-rf-1"], (await Registry.ListAsync(includeEnded: false)).Select(f => f.Id));
        await Registry.ClearAllAsync();
    }
}
