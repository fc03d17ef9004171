using Orleans.Runtime;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Grains.Tests.Faults;

/// <summary>
/// The job waits, its tree laid out, while the fault registry is not on its layout and laying the tree out again would not help. Found by
/// review (fix-relayout): a registry that could not take the layout (a stored scenario it cannot resolve, its writes
/// failing) had the job lay the tree out again every second, and the job never stepped; and two activations of the job
/// at once (Redis paused, so that neither's write stands the other down) each laid out past the other's epoch, about
/// once a second. Another activation's layout is played here by the test telling the registry a later epoch.
/// </summary>
[Collection(FlakyStorageTests.Name)]
public sealed class RegistryOffLayoutTests(FlakyStorageFixture fixture)
{
    private IFaultRegistryGrain Registry => fixture.Client.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key);

    [Fact]
    public async Task AJobWhoseRegistryCannotTakeItsLayoutWaitsWithoutLayingOutAgainAndStepsOnceItTakesIt()
    {
        var driver = new JobDriver(fixture.Client);
        await fixture.StartUniformAsync("rw");
        await driver.WaitForStepAsync(3);
        await driver.Job.PauseAsync();
        var (source, epoch) = await driver.Job.GetScenarioSourceAsync();
        await fixture.EditStoredRegistryAsync(state => state.Scenario = Scenarios.NoLongerResolving(source!.Json!));
        Assert.Equal(IFaultRegistryGrain.NotLaidOut, await Registry.EpochAsync()); // the registry starts with no run laid out
        try
        {
            fixture.Storage.Arm(SimulationStorage.FaultRegistryState, FlakyStorage.Mode.Fail, FlakyStorage.UntilDisarmed); // and cannot write the run the job hands it
            await driver.Job.ResumeAsync();

            var owed = await driver.WaitForAsync(s => s.Job.Epoch > epoch && s.Job.RegistryOff is not null);
            // Three calls of the registry, 1 and 2 s apart: was, before fix-relayout, the tree laid out again each second.
            var retried = await driver.WaitForAsync(s => FailedCalls(s) >= 3);
            Assert.Equal(owed.Job.Epoch, retried.Job.Epoch); // the layout is not laid out again: only the registry's call is tried again
            // And no step meanwhile (found by review: the first version stepped on, on a tree the registry had pushed no
            // fault to, a healthy cluster while the fault list said otherwise).
            Assert.Equal(owed.Job.Step, retried.Job.Step);
            Assert.Equal(owed.Job.StepsOk + owed.Job.StepsFailed, retried.Job.StepsOk + retried.Job.StepsFailed);
            var off = Assert.IsType<RegistryOffLayout>(retried.Job.RegistryOff);
            Assert.Null(off.RegistryEpoch);
            Assert.Contains("did not take the layout", off.Reason, StringComparison.Ordinal);
            Assert.Equal(IFaultRegistryGrain.NotLaidOut, await Registry.EpochAsync());
        }
        finally
        {
            fixture.Storage.Disarm();
        }

        // Storage back: the next try hands the registry the layout, without laying the tree out again, and its faults take effect.
        ClusterStatus? taken = null;
        await Eventually.WaitForAsync(
            async () => (taken = await driver.Job.GetStatusAsync()).Job.RegistryOff is null && await Registry.EpochAsync() == taken.Job.Epoch,
            "the registry to take the job's layout");
        await Registry.InjectAsync([new FaultRequest("node.slowdown", new FaultTargetRequest(Node: "rw-00005"), new Dictionary<string, double> { ["factor"] = 3 })], campaign: null);
        var slowed = await driver.WaitForAsync(s => s.Job.Step > taken!.Job.Step && s.LastStep is { MaxComputeSeconds: > 2 * Scenarios.H100ComputeSeconds });
        Assert.Equal(taken!.Job.Epoch, slowed.Job.Epoch);
        await driver.Job.StopAsync();
        await Registry.ClearAllAsync();
    }

    [Fact]
    public async Task ARegistryAheadOfTheLayoutIsNotChasedUntilTheJobsOwnRecordIsWritten()
    {
        var driver = new JobDriver(fixture.Client);
        await fixture.StartUniformAsync("rs");
        await driver.WaitForStepAsync(3);
        var (source, epoch) = await driver.Job.GetScenarioSourceAsync();
        try
        {
            fixture.Storage.Arm(SimulationStorage.JobState, FlakyStorage.Mode.Fail, FlakyStorage.UntilDisarmed); // a paused Redis: no write of the job's record lands
            await driver.WaitForAsync(s => s.Job.Unwritten is not null);

            // Another activation of the job lays the tree out and tells the registry: to this one, a registry ahead.
            await Registry.RunStartedAsync(epoch + 5, source!, keepFaults: true, continuing: true, ClusterFixture.BlockSize);
            var noted = await driver.WaitForAsync(s => s.Job.RegistryOff?.RegistryEpoch == epoch + 5); // was: laid out past it at once
            var waited = await driver.WaitForAsync(s => s.Job.RegistryOff is { Seconds: >= 3 });
            Assert.Equal(epoch, waited.Job.Epoch); // nothing for the other activation to lay out past in turn
            Assert.Equal(noted.Job.StepsOk + noted.Job.StepsFailed, waited.Job.StepsOk + waited.Job.StepsFailed); // and no step on a tree the registry is off
            Assert.Equal(epoch + 5, await Registry.EpochAsync());
        }
        finally
        {
            fixture.Storage.Disarm();
        }

        // A write lands: this activation holds the record (another would stand down at its next write), and lays out past the registry.
        var past = await driver.WaitForAsync(s => s.Job.Epoch > epoch + 5 && s.Job.RegistryOff is null);
        await Eventually.WaitForAsync(async () => await Registry.EpochAsync() == (await driver.Job.GetStatusAsync()).Job.Epoch, "the registry on the job's layout");
        await driver.WaitForAsync(s => s.Job.Step > past.Job.Step + 3);
        await driver.Job.StopAsync();
    }

    // How many calls of the registry failed to hand it the layout, as the job's status says (0 while none is owed).
    private static int FailedCalls(ClusterStatus status) =>
        status.Job.RegistryOff?.Reason is { } reason && System.Text.RegularExpressions.Regex.Match(reason, @"(\d+) calls failed") is { Success: true } m
            ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)
            : 0;
}
