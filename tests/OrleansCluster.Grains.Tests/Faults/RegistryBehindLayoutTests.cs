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
    private const string Live = "faults-v2";
    private const int Many = 100_000; // every write until disarmed
    private const double H100Seconds = 4e14 / (989e12 * 0.4); // the uniform scenario's nominal compute time

    private IFaultRegistryGrain Registry => fixture.Client.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key);

    [Fact]
    public async Task AFaultInjectedAfterTheRegistryLostTheRunsNewLayoutStillTakesEffect()
    {
        var driver = new JobDriver(fixture.Client);
        await fixture.LoadUniformAsync("rb");
        await driver.Job.SetPaceAsync(PaceSettings.Max);
        await driver.Job.StartAsync();
        var before = await driver.WaitForStepAsync(3);
        try
        {
            fixture.Storage.Arm(Live, FlakyStorage.Mode.Fail, Many); // the registry's storage out of reach

            // The same run laid out again (as when a silo drains): the job steps on the new layout at once, the registry
            // owing the write of its epoch.
            await driver.Job.DrainSiloAsync("127.0.0.1:1:1"); // no such silo: nothing to wait for
            var relaid = await driver.WaitForAsync(s => s.Job.Epoch > before.Job.Epoch && s.Job.Step > before.Job.Step + 3);
            await Eventually.WaitForAsync(async () => (await Registry.HealthAsync()).Unwritten is not null, "the write behind of the new epoch to fail");

            // Lost before that write landed: its deactivation's write fails too, and it comes back on the older epoch.
            await driver.Job.PauseAsync(); // nothing calls the registry meanwhile
            await fixture.DeactivateAsync(Registry, "faultregistry");
            fixture.Storage.Disarm();
            Assert.True(await Registry.EpochAsync() < relaid.Job.Epoch);
        }
        finally
        {
            fixture.Storage.Disarm();
        }

        // Pushed under the older epoch, which the blocks ignore, until the job lays its tree out again and tells the registry.
        await Registry.InjectAsync([new FaultRequest("node.slowdown", new FaultTargetRequest(Node: "rb-00005"), new Dictionary<string, double> { ["factor"] = 3 })], campaign: null);
        await driver.Job.ResumeAsync();

        var slowed = await driver.WaitForAsync(s => s.LastStep is { MaxComputeSeconds: > 2 * H100Seconds }); // was: healthy for good
        Assert.Equal("rb-00005", (await driver.Job.GetStragglersAsync(1))!.Nodes[0].Node);
        Assert.Equal(slowed.Job.Epoch, await Registry.EpochAsync());

        // A clear pushed afterwards reaches the blocks too.
        await Registry.ClearAllAsync();
        var cleared = await driver.WaitForAsync(s => s.Job.Step > slowed.Job.Step + 3 && s.LastStep is { MaxComputeSeconds: < 2 * H100Seconds });
        Assert.Equal(slowed.Job.Epoch, cleared.Job.Epoch);
        await driver.Job.StopAsync();
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
