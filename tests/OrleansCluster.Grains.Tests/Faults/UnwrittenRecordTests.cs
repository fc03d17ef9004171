using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Grains.Tests.Faults;

/// <summary>
/// The job and the fault registry say how long a record of theirs has gone unwritten while storage refuses it, and
/// why, for <c>/healthz</c> to call the silo degraded (found by probing: it said healthy through a storage outage of
/// any length, while a silo lost meanwhile lost what changed since). A write that fails and is put back (a refused
/// mutation) leaves nothing unwritten.
/// </summary>
[Collection(FlakyStorageTests.Name)]
public sealed class UnwrittenRecordTests(FlakyStorageFixture fixture)
{
    private IFaultRegistryGrain Registry => fixture.Client.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key);

    private IJobGrain Job => fixture.Client.GetGrain<IJobGrain>(IJobGrain.Key);

    [Fact]
    public async Task ARunningJobWhoseWritesFailSaysSinceWhenAndWhyUntilOneLands()
    {
        await fixture.StartUniformAsync("uj");
        try
        {
            await Eventually.WaitForAsync(async () => (await Job.GetStatusAsync()).Job.Step > 2, "the job's first steps");
            Assert.Null((await Job.GetStatusAsync()).Job.Unwritten);

            fixture.Storage.Arm(SimulationStorage.JobState, FlakyStorage.Mode.Fail, count: FlakyStorage.UntilDisarmed);
            await Eventually.WaitForAsync(async () => (await Job.GetStatusAsync()).Job.Unwritten is { Seconds: > 1.5 }, "the job's record unwritten for over a second");
            var status = await Job.GetStatusAsync();
            var unwritten = status.Job.Unwritten!;
            Assert.Contains("test storage: the write of job failed", unwritten.LastError, StringComparison.Ordinal);
            Assert.Equal(JobState.Running, status.Job.State); // it steps on meanwhile
            await Eventually.WaitForAsync(async () => (await Job.GetStatusAsync()).Job.Step > status.Job.Step, "steps while the record goes unwritten");
            Assert.True((await Job.GetStatusAsync()).Job.Unwritten!.Seconds > unwritten.Seconds, "counted from the first write that failed, not the last");

            fixture.Storage.Disarm();
            await Eventually.WaitForAsync(async () => (await Job.GetStatusAsync()).Job.Unwritten is null, "the record written again");
        }
        finally
        {
            fixture.Storage.Disarm();
            await Job.StopAsync();
        }
    }

    [Fact]
    public async Task TheRegistrySaysSinceWhenAnExpiryIsUnwrittenButNotARefusedMutationThatChangedNothing()
    {
        await fixture.LoadUniformAsync("ur");

        // A refused injection is put back: memory matches storage, nothing is unwritten.
        fixture.Storage.Arm(SimulationStorage.FaultRegistryState, FlakyStorage.Mode.Fail);
        await Assert.ThrowsAnyAsync<Exception>(() => Registry.InjectAsync([FlakyStorageFixture.Slowdown("ur-00001", durationSeconds: null)], campaign: null));
        Assert.Null((await Registry.HealthAsync()).Unwritten);

        var fault = Assert.Single((await Registry.InjectAsync([FlakyStorageFixture.Slowdown("ur-00002", durationSeconds: 1)], campaign: null)).Faults);
        fixture.Storage.Arm(SimulationStorage.FaultRegistryState, FlakyStorage.Mode.Fail, count: FlakyStorage.UntilDisarmed);
        await Eventually.WaitForAsync(async () => (await Registry.GetAsync(fault.Id))?.State == FaultState.Expired, "the fault's expiry");
        await Eventually.WaitForAsync(async () => (await Registry.HealthAsync()).Unwritten is { Seconds: > 1 }, "the expiry unwritten for over a second");
        var health = await Registry.HealthAsync();
        Assert.Equal(0, health.InForce);
        Assert.Contains("test storage: the write of faults-v2 failed", health.Unwritten!.LastError, StringComparison.Ordinal);

        fixture.Storage.Disarm();
        await Eventually.WaitForAsync(async () => (await Registry.HealthAsync()).Unwritten is null, "the expiry written on the registry's retry");
    }

    [Fact]
    public async Task ARefusedMutationLeavesNoFailureTimeForALaterUnwrittenExpiry()
    {
        // Found by review: the refused write's time stayed, so an expiry unwritten long after read as unwritten since
        // the refusal, and /healthz would call the silo degraded at once.
        await fixture.LoadUniformAsync("us");
        var fault = Assert.Single((await Registry.InjectAsync([FlakyStorageFixture.Slowdown("us-00002", durationSeconds: 4)], campaign: null)).Faults);
        fixture.Storage.Arm(SimulationStorage.FaultRegistryState, FlakyStorage.Mode.Fail);
        var sinceRefusal = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<Exception>(() => Registry.InjectAsync([FlakyStorageFixture.Slowdown("us-00001", durationSeconds: null)], campaign: null));
        Assert.Null((await Registry.HealthAsync()).Unwritten);

        fixture.Storage.Arm(SimulationStorage.FaultRegistryState, FlakyStorage.Mode.Fail, count: FlakyStorage.UntilDisarmed);
        await Eventually.WaitForAsync(async () => (await Registry.HealthAsync()).Unwritten is not null, "the expiry unwritten");
        var unwritten = (await Registry.HealthAsync()).Unwritten!;
        Assert.Equal(FaultState.Expired, (await Registry.GetAsync(fault.Id))?.State);
        // The expiry comes 4 s after the fault was made, so its failed write is some 4 s younger than the refusal (2 s kept
        // for a slow answer to the injection), however late this read comes on a busy machine.
        Assert.True(unwritten.Seconds < sinceRefusal.Elapsed.TotalSeconds - 2, $"unwritten for {unwritten.Seconds:F1} s, {sinceRefusal.Elapsed.TotalSeconds:F1} s after the refusal: counted from the refusal, not from the expiry's write");

        fixture.Storage.Disarm();
        await Eventually.WaitForAsync(async () => (await Registry.HealthAsync()).Unwritten is null, "the expiry written on the registry's retry");
    }
}
