using Microsoft.Extensions.Time.Testing;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Job;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Tests.Job;

/// <summary>The run's arithmetic without a silo: checkpoints, rollback, history, stall bound and realtime waits.</summary>
public sealed class JobRunTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly JobRecord _record = new() { Epoch = 3 };

    private static StepResult Step(double seconds) =>
        new(seconds, seconds * 0.9, seconds * 0.8, 0.01, 0.02, 0.1, 0.4, 10, 0, [], [], [], [], false);

    [Fact]
    public void AFailedStepRollsBackToTheLastCheckpointAndCountsTheStepsSinceAsLost()
    {
        var run = new JobRun(_record, historyCapacity: 100, _time);
        for (var k = 1; k <= 7; k++)
        {
            run.Complete(run.NextStep, Step(2), checkpointEverySteps: 5, _time.GetTimestamp());
        }

        Assert.Equal((7, 5), (_record.Step, _record.LastCheckpoint));
        var command = run.NextCommand(checkpointEverySteps: 5);
        Assert.Equal((8, false, 1.8, 2.0), (command.Step, command.RejoinCheck, command.PreviousMaxComputeSeconds, command.PreviousStepSeconds));

        var (failed, lost) = run.Fail(8, "1 node(s) missed the barrier", durationSeconds: 30, healthyNodes: 9);

        Assert.Equal(2, lost); // steps 6 and 7
        Assert.Equal((5, 7, 1, 2), (_record.Step, _record.StepsOk, _record.StepsFailed, _record.LostSteps));
        Assert.Equal((7 * 2) + 30, _record.SimulatedSeconds, 9);
        Assert.False(failed.Ok);
        Assert.Equal(30, failed.DurationSeconds);
        var next = run.NextCommand(checkpointEverySteps: 5); // the first step after a checkpoint: evicted nodes may rejoin
        Assert.Equal((6, true, 0.0, 30.0), (next.Step, next.RejoinCheck, next.PreviousMaxComputeSeconds, next.PreviousStepSeconds)); // the failed step lasted its 30 s: the dcgm busy share divides by it
        Assert.Equal(7, run.Last!.Value.Number); // the last completed step's figures stay readable
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], run.Recent(100).Select(r => r.Number));
    }

    [Fact]
    public void TheHistoryKeepsTheLastStepsUpToItsCapacityAndARestartBeginsAgain()
    {
        var run = new JobRun(_record, historyCapacity: 3, _time);
        for (var k = 1; k <= 5; k++)
        {
            run.Complete(run.NextStep, Step(1), checkpointEverySteps: 100, _time.GetTimestamp());
        }

        Assert.Equal([3, 4, 5], run.Recent(10).Select(r => r.Number));
        Assert.Equal([4, 5], run.Recent(2).Select(r => r.Number));

        run.Restart();

        Assert.Equal((0, 0, 0, 0.0), (_record.Step, _record.StepsOk, _record.StepsFailed, _record.SimulatedSeconds));
        Assert.Empty(run.Recent(10));
        Assert.Null(run.Last);
    }

    [Fact]
    public void TheStallBoundIsThreeBarrierTimeoutsAtRealtimeAndTheWallFloorOtherwise()
    {
        var run = new JobRun(_record, historyCapacity: 10, _time);
        run.Running();
        _time.Advance(TimeSpan.FromSeconds(200));

        var realtime = run.Progress(PaceSettings.Realtime(0.5), barrierTimeoutSeconds: 60, stallSeconds: 120);
        var max = run.Progress(PaceSettings.Max, barrierTimeoutSeconds: 60, stallSeconds: 120);

        Assert.Equal((200.0, 360.0, false), (realtime.SecondsSinceStep, realtime.StallBoundSeconds, realtime.Stalled));
        Assert.Equal((120.0, true), (max.StallBoundSeconds, max.Stalled));
        run.Fail(1, "partition", 60, 0);
        Assert.Equal("partition", run.Progress(PaceSettings.Max, 60, 120).LastFailure);
        run.Complete(1, Step(1), 100, _time.GetTimestamp());
        Assert.Equal(0, run.Progress(PaceSettings.Max, 60, 120).SecondsSinceStep);
    }

    [Fact]
    public void AtRealtimeTheStallBoundIncludesTheCheckpointAndRestartWaitsTheJobScheduledButNotALoopsRestarts()
    {
        // Found by probing: at x1 a 900 s checkpoint read "no progress for 217 s (stall bound 120 s)", and a 600 s
        // restart the same after 123 s; the job was only waiting for the step it had scheduled that far ahead.
        var x1 = PaceSettings.Realtime(1);
        var run = new JobRun(_record, historyCapacity: 10, _time);
        run.Running();
        run.Complete(1, Step(4), checkpointEverySteps: 2, _time.GetTimestamp(), checkpointSeconds: 900);
        run.Complete(2, Step(4), checkpointEverySteps: 2, _time.GetTimestamp(), checkpointSeconds: 900); // a checkpoint
        _time.Advance(TimeSpan.FromSeconds(217));
        var waiting = run.Progress(x1, barrierTimeoutSeconds: 30, stallSeconds: 120);
        Assert.Equal((217.0, 120.0 + 900, false), (waiting.SecondsSinceStep, waiting.StallBoundSeconds, waiting.Stalled));
        Assert.Equal(120.0 + 450, run.Progress(PaceSettings.Realtime(2), 30, 120).StallBoundSeconds); // the wait over the speed
        Assert.Equal(120.0, run.Progress(PaceSettings.Max, 30, 120).StallBoundSeconds); // max pace waits for nothing
        _time.Advance(TimeSpan.FromSeconds(804));
        Assert.True(run.Progress(x1, 30, 120).Stalled, "late against its own schedule: still a stall");

        run.Complete(3, Step(4), checkpointEverySteps: 2, _time.GetTimestamp(), checkpointSeconds: 900);
        Assert.Equal(120.0, run.Progress(x1, 30, 120).StallBoundSeconds); // no checkpoint since the progress
        run.Fail(4, "1 node(s) missed the barrier", 30, 9, restartSeconds: 600);
        _time.Advance(TimeSpan.FromSeconds(123));
        var restarting = run.Progress(x1, 30, 120);
        Assert.Equal((123.0, 120.0 + 600, false), (restarting.SecondsSinceStep, restarting.StallBoundSeconds, restarting.Stalled));

        // Step 3 replayed (progress), step 4 fails again: the replays repeat, and the restart they wait for is the
        // loop's own, not a healthy job's schedule.
        run.Complete(run.NextStep, Step(4), checkpointEverySteps: 2, _time.GetTimestamp(), checkpointSeconds: 900);
        run.Fail(4, "1 node(s) missed the barrier", 30, 9, restartSeconds: 600);
        _time.Advance(TimeSpan.FromSeconds(121));
        var loop = run.Progress(x1, 30, 120);
        Assert.Equal((120.0, true), (loop.StallBoundSeconds, loop.Stalled));

        run.Restart();
        run.Running();
        Assert.Equal(120.0, run.Progress(x1, 30, 120).StallBoundSeconds);
    }

    [Fact]
    public void TheReplayAfterAFirstFailureIsProgressTheReplayAfterTheSameFailureAgainIsNot()
    {
        var run = new JobRun(_record, historyCapacity: 10, _time);
        run.Running();
        run.Complete(1, Step(1), checkpointEverySteps: 100, _time.GetTimestamp());
        Assert.True(run.Advanced);
        _time.Advance(TimeSpan.FromSeconds(50));
        run.Fail(2, "1 node(s) missed the barrier", 30, 9);

        // Recovering: at realtime pace the way back to the failed step can take minutes, none of them a stall.
        run.Complete(run.NextStep, Step(1), 100, _time.GetTimestamp()); // step 1 again
        Assert.False(run.Advanced);
        Assert.Equal(0, run.Progress(PaceSettings.Max, 30, 120).SecondsSinceStep);

        // The same step fails again: the replays repeat themselves (noise is drawn by step) and are no progress.
        _time.Advance(TimeSpan.FromSeconds(50));
        run.Fail(2, "1 node(s) missed the barrier", 30, 9);
        run.Complete(run.NextStep, Step(1), 100, _time.GetTimestamp());
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(60, run.Progress(PaceSettings.Max, 30, 120).SecondsSinceStep);

        run.Complete(run.NextStep, Step(1), 100, _time.GetTimestamp()); // step 2, for the first time
        Assert.True(run.Advanced);
        Assert.Equal(0, run.Progress(PaceSettings.Max, 30, 120).SecondsSinceStep);

        // Past it, a failure further on is a first failure again, and so is another step's failure during the
        // replay (a second fault landing): bad luck, not a loop.
        run.Fail(3, "partition", 30, 0);
        _time.Advance(TimeSpan.FromSeconds(20));
        run.Complete(run.NextStep, Step(1), 100, _time.GetTimestamp());
        Assert.Equal(0, run.Progress(PaceSettings.Max, 30, 120).SecondsSinceStep);
        run.Fail(run.NextStep, "1 node(s) missed the barrier", 30, 9); // step 2 this time
        _time.Advance(TimeSpan.FromSeconds(20));
        run.Complete(run.NextStep, Step(1), 100, _time.GetTimestamp());
        Assert.Equal(0, run.Progress(PaceSettings.Max, 30, 120).SecondsSinceStep);

        run.Restart(); // a new run: its step 1 is new ground
        run.Complete(run.NextStep, Step(1), 100, _time.GetTimestamp());
        Assert.True(run.Advanced);
    }

    [Fact]
    public void ASettledStepCompletesOrFailsAfterTheBarrierTimeoutWithTheRestartCost()
    {
        var run = new JobRun(_record, historyCapacity: 10, _time);
        var job = new OrleansCluster.Model.Scenarios.JobSpec(1e15, 1e9, 0.4, 0, 30, 2) { CheckpointSeconds = 5, RestartSeconds = 40 };

        var ok = run.Settle(1, Step(2), failure: null, job, _time.GetTimestamp());
        var checkpointed = run.Settle(2, Step(2), failure: null, job, _time.GetTimestamp());
        var failed = run.Settle(3, Step(2), "1 node(s) missed the barrier", job, _time.GetTimestamp());

        Assert.Equal((true, 2.0, 0L), ok);
        Assert.Equal((true, 2.0, 0L), checkpointed);
        Assert.Equal((false, 30.0, 0L), failed); // step 3 was the first after the checkpoint at 2: nothing lost
        Assert.Equal(2 + 2 + 5 + 30 + 40, _record.SimulatedSeconds, 9);
        Assert.Equal((2, 2, 1), (_record.Step, _record.StepsOk, _record.StepsFailed));
    }

    [Fact]
    public void TheRecordKeepsTheLastStragglerReportUntilAStepIsEvaluatedAndNoneAfter()
    {
        // Found by review (fix-failover): a paused job back on another silo answered /api/stragglers 503 until resumed.
        NodeStraggler[] slowest = [new("a-00001", "a", "H100", 3.0, 1.5), new("a-00002", "a", "H100", 2.8, 1.4), new("b-00001", "b", "B200", 2.4, 1.2)];
        var run = new JobRun(_record, historyCapacity: 10, _time);
        run.Complete(run.NextStep, Step(2) with { Stragglers = slowest }, checkpointEverySteps: 100, _time.GetTimestamp());

        run.StandingStill(topK: 2); // paused or stopped: written with the halt
        var kept = Assert.IsType<StragglerReport>(_record.Stragglers);
        Assert.Equal(1, kept.Step);
        Assert.Equal(["a-00001", "a-00002"], kept.Nodes.Select(n => n.Node));

        // An activation that takes the record over has evaluated no step: it answers the kept report, cut to `top`.
        var next = new JobRun(_record, historyCapacity: 10, _time);
        next.ForgetLastStep(); // its tree laid out
        Assert.Equal(["a-00001"], next.Stragglers(top: 1)!.Nodes.Select(n => n.Node));
        Assert.Equal(1, next.Stragglers(top: 20)!.Step);
        next.StandingStill(topK: 2); // a stop of the paused job: no step evaluated here, the kept report stays
        Assert.Same(kept, _record.Stragglers);

        // Resumed, the kept report stays until a step is evaluated here (found by review: a resume dropped it, and a
        // pause before any step answered 503); once one is, that step's is the report and the record keeps none.
        next.Running();
        next.StandingStill(topK: 2);
        Assert.Same(kept, _record.Stragglers);
        next.Running();
        next.Complete(next.NextStep, Step(2) with { Stragglers = slowest }, checkpointEverySteps: 100, _time.GetTimestamp());
        Assert.Null(_record.Stragglers);
        Assert.Equal(2, next.Stragglers(top: 20)!.Step);

        run.StandingStill(topK: 2);
        run.Restart(); // a new run: no report
        Assert.Null(_record.Stragglers);
    }

    [Fact]
    public void TheKeptReportHoldsAtMostTopKOfEachListWhateverTheScenariosSize()
    {
        // Found by review: only the nodes were cut to top-K; a scenario with many links, sites or generations kept them
        // all, and the record of a paused job grew with them.
        var links = Enumerable.Range(0, 200).Select(i => new LinkReport($"l{i:000}", Up: true, 1e-3, 50e9, 0, 1 + (i * 1e-4), IsStraggler: false)).ToArray();
        links[150] = links[150] with { Stretch = 3.0, IsStraggler = true };
        var sites = Enumerable.Range(0, 120).Select(i => new GroupReport($"s{i:000}", 16, i == 7 ? 5 : 0, 1.0, 1.0, 1.0)).ToArray();
        var generations = Enumerable.Range(0, 30).Select(i => new GroupReport($"g{i:00}", 16, 0, 1.0, 1.0 + (i * 0.01), 1.0)).ToArray();
        var run = new JobRun(_record, historyCapacity: 10, _time);
        run.Complete(run.NextStep, Step(2) with { Links = links, BySite = sites, ByGeneration = generations }, checkpointEverySteps: 100, _time.GetTimestamp());

        Assert.Equal(200, run.Stragglers(top: 20)!.Links.Count); // live: every link
        run.StandingStill(topK: 20);

        var kept = _record.Stragglers!;
        Assert.Equal((20, 180), (kept.Links.Count, kept.LinksLeftOut));
        Assert.Contains(kept.Links, l => l.Link == "l150"); // the straggler
        Assert.Equal((20, 100), (kept.BySite.Count, kept.SitesLeftOut));
        Assert.Contains(kept.BySite, s => s.Name == "s007");
        Assert.Equal((20, 10), (kept.ByGeneration.Count, kept.GenerationsLeftOut));
        Assert.Equal("g10", kept.ByGeneration[0].Name); // the 20 slowest, in the live order

        // An activation that takes the record over answers the kept report as it is.
        var next = new JobRun(_record, historyCapacity: 10, _time);
        var answer = next.Stragglers(top: 1000)!;
        Assert.Equal((20, 180, 20, 100), (answer.Links.Count, answer.LinksLeftOut, answer.BySite.Count, answer.SitesLeftOut));
    }
}
