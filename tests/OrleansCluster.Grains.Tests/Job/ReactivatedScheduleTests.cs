using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Tests.Job;

/// <summary>
/// The realtime schedule across a new activation of the job grain (its silo stopped, or the grain deactivated): the
/// time the job spent paused, or without an activation, is not owed. Found by probing: a job paused at x10 whose
/// silo was stopped, resumed 12 s later on the other silo, ran 33 steps in 3 s where one was due. As in
/// <see cref="RealtimeScheduleTests"/>, waits are asserted from below only: a burst shows as a step that started
/// within a fraction of the wait the step before it scheduled.
/// </summary>
[Collection(JobTests.Name)]
public sealed class ReactivatedScheduleTests(ClusterFixture fixture)
{
    // About 1.1 s of simulated time a step (TwoSites): at x1, 1.1 s of wall time between steps.
    private static readonly PaceSettings Pace = PaceSettings.Realtime(1);

    // How long the job stays paused on its new activation: several steps' waits, which the resume must not run early.
    private static readonly TimeSpan PausedFor = TimeSpan.FromSeconds(5);

    private readonly JobDriver _driver = new(fixture.Client);

    [Fact]
    public async Task APausedJobReactivatedThenResumedRunsItsStepsAtThePace()
    {
        await _driver.Job.LoadAsync(ScenarioSource.FromJson(Scenarios.TwoSites()));
        await _driver.Job.SetPaceAsync(Pace);
        await _driver.Job.StartAsync();
        await _driver.WaitForStepAsync(1);
        await _driver.Job.PauseAsync();

        await fixture.DeactivateAsync(_driver.Job, "job");
        var paused = await _driver.Job.GetStatusAsync(); // a new activation, from the record
        Assert.Equal(JobState.Paused, paused.Job.State);
        await Task.Delay(PausedFor, TestContext.Current.CancellationToken); // the pause itself, as the probe held it: the scenario, not a wait for a condition
        await _driver.Job.ResumeAsync();

        var from = paused.Job.Step;
        await _driver.WaitForStepAsync(from + 3);
        await _driver.Job.StopAsync();
        var history = await _driver.HistoryAsync();
        for (var number = from + 2; number <= from + 3; number++)
        {
            var (before, step) = (history.Last(r => r.Number == number - 1), history.First(r => r.Number == number));
            var scheduled = before.DurationSeconds / Pace.Speed;
            var waited = step.WallStartSeconds - before.WallStartSeconds;
            Assert.True(waited >= scheduled / 2, $"step {number} started {waited:F3} s after step {number - 1}, which scheduled it {scheduled:F3} s after (paused for {PausedFor.TotalSeconds} s on a new activation)");
        }
    }
}
