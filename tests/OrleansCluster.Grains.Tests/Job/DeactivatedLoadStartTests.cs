using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Faults;
using OrleansCluster.Grains.Job;
using OrleansCluster.Grains.Tests.Faults;

namespace OrleansCluster.Grains.Tests.Job;

/// <summary>
/// A scenario load whose write landed but whose answer was lost (storage timed out, and could not be read back) leaves
/// its layout and the start that follows it (<c>PUT /api/scenario</c>'s) to whichever reads the record back first: the
/// job's timer, each second, or the job's deactivation (<c>OnDeactivateAsync</c> settles it, then saves). Deactivated
/// before its timer reads it back, the job runs the new scenario once reactivated, as it would have had it stayed.
/// </summary>
[Collection(FlakyStorageTests.Name)]
public sealed class DeactivatedLoadStartTests(FlakyStorageFixture fixture)
{
    private const string Record = "job";

    private readonly JobDriver _driver = new(fixture.Client);

    [Fact]
    public async Task ALoadFoundMadeOnlyAsTheJobDeactivatesRunsTheNewScenarioOnceReactivated()
    {
        await fixture.LoadUniformAsync("dl");
        await _driver.Job.SetPaceAsync(PaceSettings.Max);
        await _driver.Job.StartAsync();
        await _driver.WaitForStepAsync(3);
        await _driver.Job.PauseAsync();
        var source = ScenarioSource.FromJson(Scenarios.Uniform(nodes: 32, site: "dm"));
        try
        {
            fixture.Storage.Arm(Record, FlakyStorage.Mode.LandLate);
            fixture.Storage.FailReads(Record, fail: true);
            await Assert.ThrowsAsync<WriteUnsettledException>(() => _driver.Job.LoadAndStartAsync(source));
            Assert.Equal(JobState.Paused, (await _driver.Job.GetStatusAsync()).Job.State); // as before the load, until read back
        }
        finally
        {
            fixture.Storage.FailReads(Record, fail: false);
        }

        // Deactivated at once: the read back is the deactivation's (its timer reads back a second after its last try).
        await fixture.DeactivateAsync(_driver.Job, "job");

        var reactivated = await _driver.WaitForAsync(s => s.Job.State == JobState.Running && s.Job.Step >= 2);
        Assert.Null(reactivated.Job.Unwritten);
        Assert.Equal(source, (await _driver.Job.GetScenarioSourceAsync()).Source);
        await _driver.WaitForStepAsync(reactivated.Job.Step + 2);
        await _driver.Job.StopAsync();
    }
}
