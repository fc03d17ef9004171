using System.Diagnostics;
using Microsoft.Extensions.Logging;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Faults;

namespace OrleansCluster.Grains.Job;

/// <summary>
/// The job's step loop on its grain timer: the pace, one step down the tree, and the failover when the tree's grains
/// are lost with a silo. A part of the grain (it drives the grain's timer and makes its calls); the arithmetic it
/// asks is <see cref="JobRun"/>'s and <see cref="JobCadence"/>'s, the background failures' hand-over
/// <see cref="BackgroundHandOver"/>'s.
/// </summary>
public sealed partial class JobGrain
{
    private FailedStepLog? _failedSteps;
    private bool _heldForRegistry; // the schedule held while the registry is off the layout

    // The failed steps' lines, held to one per log interval while failures go on.
    private FailedStepLog FailedSteps => _failedSteps ??= new FailedStepLog(time, _tuning.LogIntervalSeconds);

    // One timer tick. At max pace it steps for a short slice and yields so that control calls get in; at
    // realtime it runs one step and schedules the next at origin + (simulated time so far) / speed.
    private async Task TickAsync(CancellationToken cancellationToken)
    {
        if (_writes.Unsettled is not null)
        {
            try
            {
                await SettledAsync(); // a control call's write whose outcome is not known: read back each second
            }
            catch (WriteUnsettledException)
            {
                _timer?.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
                return;
            }
        }

        if (Job.State != JobState.Running)
        {
            // A paused or stopped job writes nothing on its own: a write it owes (one of its own that failed, or a load's
            // layout's) is tried each second until one succeeds; otherwise it watches its record (WatchRecordAsync).
            if (_writes.SaveOwed)
            {
                if (!await TrySaveAsync())
                {
                    _timer?.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
                }

                return;
            }

            await WatchRecordAsync();
            return;
        }

        if (_readiness.Ready && Joined() is { } joined)
        {
            LogJoined(logger, joined);
            _readiness.LayOutAgain(); // laid out again just below, over the silos there now, from the same step
        }

        if (_readiness.Ready)
        {
            RetryRegistryRun(); // a layout the registry did not take: handed over again once its backoff has passed
        }

        if (_readiness.Ready && await RegistryOffAsync())
        {
            _readiness.LayOutAgain(); // laid out again just below: the registry is told the layout, and pushes under it again
        }

        if (!_readiness.Ready)
        {
            // Found by review: the wait for the tree (a silo draining, a layout that failed part way) was owed at realtime
            // pace, and the steps after it ran back to back until they had caught up. The schedule is held meanwhile, as a
            // pause holds it, and goes on once the tree is ready.
            _cadence.Hold(Job.Pace);
            if (_leaving.Any(membership.CurrentSnapshot.Members.ToDictionary(m => m.Key.ToString(), m => m.Value.Status)))
            {
                _timer?.Change(TimeSpan.FromMilliseconds(500), Timeout.InfiniteTimeSpan);
                return;
            }

            try
            {
                await ConfigureTreeAsync(keepFaults: true);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && !_writes.Superseded)
            {
                LogTickFailed(logger, Run.NextStep, e.GetBaseException().Message);
                _timer?.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
                return;
            }

            if (!_readiness.Ready)
            {
                _timer?.Change(TimeSpan.FromMilliseconds(500), Timeout.InfiniteTimeSpan); // a silo announced its drain meanwhile
                return;
            }

            _cadence.Resume(Job.StepsOk + Job.StepsFailed); // the wait held for the tree goes on from now
            await TrySaveAsync(); // the new epoch; stepping need not wait for storage
        }

        if (_readiness.Ready && (_registryRun.Owed || _registryEpoch.AheadUnconfirmed))
        {
            // Found by review: the job stepped on while the registry was off its layout, and a tree laid out anew holds no
            // fault until the registry pushes them under its epoch, so those steps ran on a healthy cluster (no crash, no
            // partition, no cap) while the fault list and gpusim_faults_active said otherwise, and an alert scored
            // against them missed faults that had no symptom. The job waits instead, its schedule held as for a tree
            // not ready, the tree kept laid out; the registry's call or the record's write is tried again meanwhile.
            // The record's write is what settles a registry ahead (RegistryOffAsync), and the steps that would have tried
            // it each second do not run: it is tried here.
            _cadence.Hold(Job.Pace);
            _heldForRegistry = true;
            if (_writes.SaveOwed)
            {
                await TrySaveAsync();
            }

            _timer?.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan); // the retries' own waits are a second or more
            return;
        }

        if (_heldForRegistry)
        {
            _heldForRegistry = false;
            _cadence.Resume(Job.StepsOk + Job.StepsFailed); // the wait held for the registry goes on from now
        }

        try
        {
            await RunTickAsync(cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && !_writes.Superseded)
        {
            // (Any exception but the timer's own cancellation: the timer is armed once at a time, so one that escaped
            // here, a cancellation thrown by a call included, would leave a running job that never steps again. Only a
            // write that found another activation's record escapes: this activation stands down, counting no step.)
            // A coordinator lost with its silo, or any call of the step that failed: the step in flight fails, the
            // job rolls back to its checkpoint and lays the tree out again (the registry pushes the faults anew),
            // then goes on. The reason names what failed, not a guess at why.
            var cause = e.GetBaseException();
            LogTickFailed(logger, Run.NextStep, cause.Message);
            if (_readiness.Ready)
            {
                FailStep($"the step's calls failed ({cause.GetType().Name}: {cause.Message})");
                _readiness.LayOutAgain(); // the next tick lays the tree out again
            }

            if (Job.State == JobState.Running && !cancellationToken.IsCancellationRequested)
            {
                _timer?.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
            }
        }
    }

    // Counts the next step as failed without running it (its grains were lost) and rolls back to the checkpoint.
    private void FailStep(string reason)
    {
        var number = Run.NextStep;
        var (_, lost) = Run.Fail(number, reason, durationSeconds: 0, healthyNodes: 0);
        if (_loaded is { } loaded)
        {
            Report(loaded.Scenario, ok: false, 0, lost);
        }

        LogStepFailed(logger, number, reason, lost, Job.LastCheckpoint, FailedSteps.Written());
    }

    private async Task RunTickAsync(CancellationToken cancellationToken)
    {
        if (Job.Pace.Mode == PaceMode.Max)
        {
            var sliceStart = time.GetTimestamp();
            do
            {
                await RunStepAsync();
            }
            while (Job.State == JobState.Running && _readiness.Ready && !cancellationToken.IsCancellationRequested
                   && time.GetElapsedTime(sliceStart).TotalMilliseconds < _tuning.MaxPaceSliceMilliseconds);

            if (Job.State == JobState.Running)
            {
                _timer!.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan);
            }
        }
        else
        {
            if (_cadence.WaitBeforeNext(Job.Pace.Speed) is { } early)
            {
                _timer!.Change(RegistryEpochCheck.Wake(early), Timeout.InfiniteTimeSpan); // woken early (the registry's check, a long wait cut up)
                return;
            }

            _cadence.Ran(await RunStepAsync());
            if (Job.State == JobState.Running)
            {
                _timer!.Change(RegistryEpochCheck.Wake(_cadence.WaitBeforeNext(Job.Pace.Speed) ?? TimeSpan.Zero), Timeout.InfiniteTimeSpan);
            }
        }

        LogProgress();
        if (_cadence.SaveDue(Job.LastCheckpoint))
        {
            await TrySaveAsync(); // found by review: a failed save here failed a training step and rolled the run back
        }
    }

    // Hands the registry the background failures that started since the last step, and has it end those repaired by
    // the simulated clock now: both take effect from the next step, at any pace. A registry that cannot take them (its
    // storage out of reach) does not fail the step: when they go again is BackgroundHandOver's.
    private async Task HandOverFailuresAsync()
    {
        if (_handOver.Due(Run, _loaded?.Arrivals, onLayout: !_registryRun.Owed && !_registryEpoch.AheadUnconfirmed) is not { } faults)
        {
            return;
        }

        BackgroundHandover handover;
        try
        {
            handover = await Registry.BackgroundAsync(Job.Epoch, Job.SimulatedSeconds, faults);
        }
        catch (Exception e)
        {
            _registryEpoch.Soon(); // a registry behind the layout refuses them (EpochMismatchException): asked at once
            if (_handOver.Failed())
            {
                LogHandOverFailed(logger, Run.NextStep, e.GetBaseException().GetType().Name, e.GetBaseException().Message);
            }

            return;
        }

        _handOver.Taken();
        Run.BackgroundHandedOver(faults.Length, handover.NextRepairSeconds, handover.Dropped);
    }

    // Runs the next step down the barrier tree; returns the simulated time it took (with a checkpoint's or a restart's cost).
    private async Task<double> RunStepAsync()
    {
        await HandOverFailuresAsync();
        var wallStart = Stopwatch.GetTimestamp(); // the step's wall time, from its calls down the tree to its figures recorded
        var scenario = _loaded!.Scenario;
        var before = Job.SimulatedSeconds;
        var started = time.GetTimestamp();
        var command = Run.NextCommand(scenario.Job.CheckpointEverySteps);
        var (summaries, links, calls, wall) = await _calls!.StepAsync(command);
        _tree.Took(summaries, links, calls);
        _evicted.Took(summaries);

        var (result, failure) = JobTree.Evaluate(scenario, _loaded.Workload, summaries, links);

        // A barrier or collective that timed out loses the step, and every step since the last checkpoint.
        var (ok, duration, lost) = Run.Settle(command.Step, result, failure, scenario.Job, started);
        Report(scenario, ok, duration, lost);
        if (!ok && FailedSteps.Admit(out var held))
        {
            LogStepFailed(logger, command.Step, failure!, lost, Job.LastCheckpoint, held);
        }

        _tree.Timed(Stopwatch.GetElapsedTime(wallStart).TotalSeconds, wall);
        return Job.SimulatedSeconds - before;
    }
}
