using System.Text.Json.Nodes;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Tests.Job;

/// <summary>
/// The realtime schedule on a real silo: control calls keep the wait for the next step, and the stall bound counts
/// the waits the job scheduled itself. The waits are asserted from below only (a loaded machine delays a step, never
/// runs it early): a skipped wait shows as a second step that started within a fraction of it.
/// </summary>
[Collection(JobTests.Name)]
public sealed class RealtimeScheduleTests(ClusterFixture fixture)
{
    // About 1.1 s of simulated time a step (TwoSites): at 0.4 of real time, 2.8 s of wall time between steps.
    private static readonly PaceSettings Slow = PaceSettings.Realtime(0.4);
    private readonly JobDriver _driver = new(fixture.Client);

    [Fact]
    public async Task APaceCallAtTheSameSpeedKeepsTheNextStepWhereItWasDue()
    {
        // Found by probing: 40 pace calls at an unchanged x1, 0.1 s apart, ran 40 steps in 5.1 s (T_step about 4 s).
        await StartAsync(Scenarios.TwoSites(), Slow);
        await _driver.WaitForStepAsync(1);
        for (var i = 0; i < 10; i++)
        {
            await _driver.Job.SetPaceAsync(Slow);
        }

        await AssertSecondStepWaitedAsync();
    }

    [Fact]
    public async Task AResumeAfterAPauseWaitsWhatWasLeftOfTheWait()
    {
        await StartAsync(Scenarios.TwoSites(), Slow);
        await _driver.WaitForStepAsync(1);
        for (var i = 0; i < 5; i++)
        {
            await _driver.Job.PauseAsync();
            await _driver.Job.ResumeAsync();
        }

        await AssertSecondStepWaitedAsync();
    }

    [Fact]
    public async Task AtRealtimeACheckpointsOrARestartsWaitIsWithinTheStallBound()
    {
        // Found by probing: at x1 /healthz read 503 "no progress" two minutes into a 900 s checkpoint, and into a 600 s
        // restart: a liveness probe would restart a healthy silo after every checkpoint and every failure.
        await StartAsync(WithJob(Scenarios.TwoSites(checkpointEvery: 1), "checkpointSeconds", 900), PaceSettings.Realtime(1));
        var checkpointed = await _driver.WaitForStepAsync(1);
        Assert.Equal(1, checkpointed.Job.LastCheckpoint);
        Assert.Equal(120 + 900, checkpointed.Job.Progress!.StallBoundSeconds); // the floor (three timeouts are 90 s), and the checkpoint's wait
        await _driver.Job.StopAsync();

        await StartAsync(WithJob(Scenarios.TwoSites(), "restartSeconds", 600), PaceSettings.Realtime(1));
        var running = await _driver.WaitForStepAsync(1);
        Assert.Equal(120, running.Job.Progress!.StallBoundSeconds);
        await _driver.SetNodeEffectAsync("a-00003", running.Job.Epoch, new NodeEffect(1, Crashed: true));
        var restarting = await _driver.WaitForAsync(s => s.Job.StepsFailed >= 1);
        await _driver.Job.StopAsync();
        Assert.Equal(120 + 600, restarting.Job.Progress!.StallBoundSeconds);
        Assert.False(restarting.Job.Progress.Stalled);
    }

    private async Task StartAsync(string json, PaceSettings pace)
    {
        await _driver.Job.LoadAsync(ScenarioSource.FromJson(json));
        await _driver.Job.SetPaceAsync(pace);
        await _driver.Job.StartAsync();
    }

    // Step 2 started at least half the wall time step 1 scheduled after it: the wait was kept, not skipped.
    private async Task AssertSecondStepWaitedAsync()
    {
        await _driver.WaitForStepAsync(2);
        await _driver.Job.StopAsync();
        var history = await _driver.HistoryAsync();
        var (first, second) = (history.Single(r => r.Number == 1), history.First(r => r.Number == 2));
        var scheduled = first.DurationSeconds / Slow.Speed;
        var waited = second.WallStartSeconds - first.WallStartSeconds;
        Assert.True(waited >= scheduled / 2, $"step 2 started {waited:F3} s after step 1, which scheduled it {scheduled:F3} s after");
    }

    private static string WithJob(string json, string field, double value)
    {
        var scenario = JsonNode.Parse(json)!;
        scenario["job"]![field] = value;
        return scenario.ToJsonString();
    }
}
