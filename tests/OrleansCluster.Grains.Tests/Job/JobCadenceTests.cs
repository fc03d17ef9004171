using Microsoft.Extensions.Time.Testing;
using Orleans.Runtime;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Job;
using OrleansCluster.Model.Scenarios;

namespace OrleansCluster.Grains.Tests.Job;

/// <summary>The job's wall-clock cadence, the silos it waits for and the tree's last answers, without a silo.</summary>
public sealed class JobCadenceTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void AFailedWriteMakesTheNextDueASecondLaterEvenWithACheckpointWaiting()
    {
        // A write that fails (storage down) is tried again a second later, not at every step of a max-pace slice,
        // which would wait out storage's timeout at each.
        var cadence = new JobCadence(_time);
        cadence.Saved(lastCheckpoint: 0);
        Assert.True(cadence.SaveDue(lastCheckpoint: 10)); // a new checkpoint: due at once
        cadence.SaveFailed();
        Assert.False(cadence.SaveDue(lastCheckpoint: 10));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(cadence.SaveDue(lastCheckpoint: 10));
        cadence.Saved(lastCheckpoint: 10);
        Assert.True(cadence.SaveDue(lastCheckpoint: 20)); // written: the next checkpoint is due at once again
    }

    [Fact]
    public void ARecordRestoredFromItsCopyHasEveryFieldBack()
    {
        // A control call whose write fails is undone field by field (the run's arithmetic holds the instance): a field
        // added later and not put back would leave the failed change in memory.
        var record = new JobRecord();
        var properties = typeof(JobRecord).GetProperties();
        foreach (var property in properties)
        {
            property.SetValue(record, Distinct(property.PropertyType, 1));
        }

        var copy = record.Copy();
        foreach (var property in properties)
        {
            property.SetValue(record, Distinct(property.PropertyType, 2));
        }

        record.Restore(copy);
        Assert.All(properties, p => Assert.Equal(Distinct(p.PropertyType, 1), p.GetValue(record)));

        static object? Distinct(Type type, int n) => type switch
        {
            _ when type == typeof(long) => (long)n,
            _ when type == typeof(double) => (double)n,
            _ when type == typeof(double?) => (double?)n,
            _ when type == typeof(bool) => n == 1,
            _ when type == typeof(Guid) => new Guid(n, 0, 0, new byte[8]),
            _ when type == typeof(JobState) => (JobState)n,
            _ when type == typeof(PaceSettings) => PaceSettings.Realtime(n),
            _ when type == typeof(ScenarioSource) => new ScenarioSource($"preset-{n}", null),
            _ when type == typeof(int[]) => new[] { n },
            // Empty lists are one instance each (Array.Empty), so that two reports of one step compare equal.
            _ when type == typeof(StragglerReport) => new StragglerReport(n, Array.Empty<NodeStragglerFigures>(), Array.Empty<LinkStragglerFigures>(), Array.Empty<GroupFigures>(), Array.Empty<GroupFigures>()),
            _ => throw new InvalidOperationException($"JobRecord has a field of type {type}: give it values here"),
        };
    }

    [Fact]
    public void ARealtimeWaitIsTheScheduleAheadCutIntoPeriodsOfAnHourAtMost()
    {
        var cadence = new JobCadence(_time);
        cadence.Start(stepsDone: 0);
        _time.Advance(TimeSpan.FromSeconds(1));

        cadence.Ran(2);
        Assert.Null(cadence.WaitBeforeNext(speed: 2)); // due at 1 s: now
        cadence.Ran(6);
        Assert.Equal(TimeSpan.FromSeconds(3), cadence.WaitBeforeNext(speed: 2)); // due at 4 s
        Assert.Equal(JobCadence.MaxTimerWait, cadence.WaitBeforeNext(speed: 1e-9)); // 253 years
        cadence.Start(stepsDone: 10);
        Assert.Null(cadence.WaitBeforeNext(speed: 2)); // a new anchor: the next step is due now
    }

    [Fact]
    public void APaceChangeKeepsTheWaitLeftRescaledToTheNewSpeed()
    {
        // Found by probing: each pace call re-anchored the schedule, so that 40 calls at an unchanged x1 ran 40 steps
        // (170 simulated seconds) in 5 wall seconds.
        var (x1, x2) = (PaceSettings.Realtime(1), PaceSettings.Realtime(2));
        var cadence = new JobCadence(_time);
        cadence.Start(stepsDone: 0);
        cadence.Ran(8);
        _time.Advance(TimeSpan.FromSeconds(2));

        cadence.Repace(x1, x1);
        Assert.Equal(TimeSpan.FromSeconds(6), cadence.WaitBeforeNext(speed: 1)); // the same pace: the same due time
        cadence.Repace(x1, x2);
        Assert.Equal(TimeSpan.FromSeconds(3), cadence.WaitBeforeNext(speed: 2)); // 6 simulated seconds left, at x2
        _time.Advance(TimeSpan.FromSeconds(1));
        cadence.Repace(x2, x1);
        Assert.Equal(TimeSpan.FromSeconds(4), cadence.WaitBeforeNext(speed: 1));

        // Late, a step stays as late (caught up, not drifting); from max pace the schedule starts over, due at once.
        _time.Advance(TimeSpan.FromSeconds(6));
        cadence.Repace(x1, x1);
        cadence.Ran(1);
        Assert.Null(cadence.WaitBeforeNext(speed: 1)); // due 1 s ago
        cadence.Repace(x1, PaceSettings.Max);
        cadence.Repace(PaceSettings.Max, x1);
        Assert.Null(cadence.WaitBeforeNext(speed: 1));
        cadence.Ran(5);
        Assert.Equal(TimeSpan.FromSeconds(5), cadence.WaitBeforeNext(speed: 1));
    }

    [Fact]
    public void AnotherSpeedOwesNothingFromBeforeIt()
    {
        // Found by review: a job 600 simulated seconds behind at x1000 kept them at x1, and stepped flat out until paid.
        var (fast, x1) = (PaceSettings.Realtime(1000), PaceSettings.Realtime(1));
        var cadence = new JobCadence(_time);
        cadence.Start(stepsDone: 0);
        cadence.Ran(400);
        _time.Advance(TimeSpan.FromSeconds(1)); // 1,000 simulated seconds at x1000: 600 behind

        cadence.Repace(fast, x1);
        Assert.Null(cadence.WaitBeforeNext(speed: 1)); // the next step at once, as before
        cadence.Ran(5);
        Assert.Equal(TimeSpan.FromSeconds(5), cadence.WaitBeforeNext(speed: 1)); // and then on schedule, not 595 s of catching up
    }

    [Fact]
    public void APauseHoldsTheWaitLeftForTheResumeAtThePaceThen()
    {
        var (x1, x2) = (PaceSettings.Realtime(1), PaceSettings.Realtime(2));
        var cadence = new JobCadence(_time);
        cadence.Start(stepsDone: 0);
        cadence.Ran(900); // a step and a 15-minute checkpoint at x1
        _time.Advance(TimeSpan.FromSeconds(300));

        cadence.Hold(x1);
        _time.Advance(TimeSpan.FromHours(2)); // paused: the wait does not run on
        cadence.Hold(x1); // a second hold (a stop after the pause) changes nothing
        cadence.Resume(stepsDone: 1);
        Assert.Equal(TimeSpan.FromSeconds(600), cadence.WaitBeforeNext(speed: 1));

        _time.Advance(TimeSpan.FromSeconds(200));
        cadence.Hold(x1);
        cadence.Repace(x1, x2); // paced while paused: the 400 simulated seconds left go at x2
        _time.Advance(TimeSpan.FromSeconds(50));
        cadence.Resume(stepsDone: 1);
        Assert.Equal(TimeSpan.FromSeconds(200), cadence.WaitBeforeNext(speed: 2));

        // Late when paused, the job owes no time: the next step is due at once on resuming, the one after a step later.
        _time.Advance(TimeSpan.FromSeconds(210));
        cadence.Hold(x2);
        cadence.Resume(stepsDone: 1);
        Assert.Null(cadence.WaitBeforeNext(speed: 2));
        cadence.Ran(4);
        Assert.Equal(TimeSpan.FromSeconds(2), cadence.WaitBeforeNext(speed: 2));
    }

    [Fact]
    public void AProgressLineIsDueEachIntervalWithTheStepRateSinceTheLast()
    {
        var cadence = new JobCadence(_time);
        cadence.Start(stepsDone: 100);
        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.Null(cadence.ProgressRate(stepsDone: 120, intervalSeconds: 5));

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(30.0 / 5, cadence.ProgressRate(stepsDone: 130, intervalSeconds: 5));
        Assert.Null(cadence.ProgressRate(stepsDone: 131, intervalSeconds: 5)); // the next interval starts at the line
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(20.0 / 10, cadence.ProgressRate(stepsDone: 150, intervalSeconds: 5));
    }

    [Fact]
    public void TheRecordIsDueAWriteEachSecondAndAtOnceAfterANewCheckpoint()
    {
        var cadence = new JobCadence(_time);
        Assert.True(cadence.SaveDue(lastCheckpoint: 0)); // never written

        cadence.Saved(lastCheckpoint: 0);
        _time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.False(cadence.SaveDue(lastCheckpoint: 0));
        Assert.True(cadence.SaveDue(lastCheckpoint: 100));
        _time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.True(cadence.SaveDue(lastCheckpoint: 0));
    }

    [Fact]
    public void ADrainedSiloIsWaitedForUntilItHasGoneOrForAMinuteAtMost()
    {
        var leaving = new LeavingSilos(_time);
        var members = new Dictionary<string, SiloStatus> { ["a"] = SiloStatus.Active, ["b"] = SiloStatus.Active };
        Assert.False(leaving.Any(members));

        leaving.Draining("b");
        Assert.True(leaving.Any(members));
        members["b"] = SiloStatus.Dead;
        Assert.False(leaving.Any(members)); // gone
        Assert.False(leaving.IsDraining("b")); // and forgotten

        leaving.Draining("a");
        _time.Advance(LeavingSilos.Patience + TimeSpan.FromSeconds(1));
        Assert.False(leaving.Any(members)); // past patience

        members["a"] = SiloStatus.ShuttingDown;
        Assert.True(leaving.Any(members)); // seen shutting down, drained or not
    }

    // Found by probing: with Redis paused the membership table cannot be written, so a drained silo reads active until
    // long after its process has gone. The job waited a minute for it, then took it for a silo that stays and laid
    // its tree out over it again; the layout now goes over the silos not leaving once patience is out, and never
    // over the drained silo until the membership shows it gone.
    [Fact]
    public void ADrainedSiloStillShownActiveIsWaitedForSecondsAndThenLaidOutWithoutUntilItHasGone()
    {
        var leaving = new LeavingSilos(_time);
        var members = new Dictionary<string, SiloStatus> { ["a"] = SiloStatus.Active, ["b"] = SiloStatus.Active };
        leaving.Draining("b");
        Assert.True(LeavingSilos.Patience <= TimeSpan.FromSeconds(15), $"a drained silo is waited for {LeavingSilos.Patience}");

        _time.Advance(LeavingSilos.Patience + TimeSpan.FromSeconds(1));
        Assert.False(leaving.Any(members)); // the layout goes on
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.False(leaving.Any(members));
        Assert.True(leaving.IsDraining("b")); // still shown active: not laid out over
        Assert.False(leaving.IsDraining("a"));

        leaving.Draining("b"); // a second notice does not start the wait again
        Assert.False(leaving.Any(members));

        members.Remove("b");
        Assert.False(leaving.Any(members));
        Assert.False(leaving.IsDraining("b")); // gone from the membership: forgotten
    }

    [Fact]
    public void TheTreesFiguresAreAllHealthyUntilASiteAnswersAndCountTheCalls()
    {
        var scenario = ScenarioLoader.Parse(Scenarios.TwoSites());
        var tree = new TreeFigures();
        tree.LaidOut([.. scenario.Sites.Select(s => s.Name)], []);
        var site = scenario.Sites[0];
        Assert.Equal(site.NodeCount, tree.Site(0, site).Sum(c => c.Healthy));

        var states = new NodeCounts[] { new(site.Nodes[0].Generation.Name, site.NodeCount - 2, 1, 1) };
        var summaries = scenario.Sites.Select((_, s) => new BarrierSummary([], [], [], s == 0 ? states : [], GrainCalls: 5)).ToArray();
        tree.Took(summaries, [], calls: 3);

        Assert.Same(states, tree.Site(0, site));
        Assert.Equal(1, tree.EvictedNodes);
        Assert.Equal(3 + (5 * scenario.Sites.Count), tree.GrainCalls);
        tree.LaidOut(tree.SiteNames, []);
        Assert.Equal(0, tree.EvictedNodes);
        tree.Restart();
        Assert.Equal(0, tree.GrainCalls);
    }
}
