using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Tests.Faults;

namespace OrleansCluster.Grains.Tests.Job;

/// <summary>
/// The realtime schedule across a wait for the barrier tree (a silo draining, a layout that failed part way): the
/// wait is not owed. Found by review: the steps after it ran back to back until they had caught up with the schedule,
/// as a paused job's re-activation once did (<see cref="ReactivatedScheduleTests"/>). The layout is held back by the
/// fault registry's write failing a few times (each try a second apart), after a drain announced by a silo that is not
/// in the cluster (so the tree is laid out again at once). As there, waits are asserted from below only.
/// </summary>
[Collection(FlakyStorageTests.Name)]
public sealed class TreeWaitScheduleTests(FlakyStorageFixture fixture)
{
    // About 1.1 s of simulated time a step (TwoSites): at x1, 1.1 s of wall time between steps.
    private static readonly PaceSettings Pace = PaceSettings.Realtime(1);

    // The layout's tries that fail, a second apart: several steps' waits, which the steps after must not catch up.
    private const int FailedLayouts = 4;

    private readonly JobDriver _driver = new(fixture.Client);

    [Fact]
    public async Task ARealtimeJobWhoseTreeWasHeldBackKeepsItsPaceAfterward()
    {
        await fixture.LoadUniformAsync("tw");
        await _driver.Job.LoadAsync(ScenarioSource.FromJson(Scenarios.TwoSites()));
        await _driver.Job.SetPaceAsync(Pace);
        await _driver.Job.StartAsync();
        await _driver.WaitForStepAsync(1);

        fixture.Storage.Arm(SimulationStorage.FaultRegistryState, FlakyStorage.Mode.Fail, FailedLayouts);
        await _driver.Job.DrainSiloAsync("127.0.0.1:1@1"); // no such silo: the tree is laid out again at the next tick
        await Eventually.WaitForAsync(() => fixture.Storage.Armed(SimulationStorage.FaultRegistryState) == 0, "the layout's failed tries");
        var from = (await _driver.Job.GetStatusAsync()).Job.Step; // no step while the tree was not ready

        await _driver.WaitForStepAsync(from + 4);
        await _driver.Job.StopAsync();
        var history = await _driver.HistoryAsync();
        Assert.Equal(0, history.Count(r => !r.Ok && r.Number > from));
        for (var number = from + 2; number <= from + 4; number++)
        {
            var (before, step) = (history.Last(r => r.Number == number - 1), history.First(r => r.Number == number));
            var scheduled = before.DurationSeconds / Pace.Speed;
            var waited = step.WallStartSeconds - before.WallStartSeconds;
            Assert.True(waited >= scheduled / 2, $"step {number} started {waited:F3} s after step {number - 1}, which scheduled it {scheduled:F3} s after (the tree held back for {FailedLayouts} tries a second apart)");
        }
    }
}
