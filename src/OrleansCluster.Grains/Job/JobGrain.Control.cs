using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Faults;
using OrleansCluster.Model.Scenarios;

namespace OrleansCluster.Grains.Job;

/// <summary>
/// The job's control calls: a scenario load (and the load and start of <c>PUT /api/scenario</c> and of a silo's start on
/// launch), start, pause, resume, stop and pace. A part of the grain (each moves its timer and writes its record through
/// <c>JobGrain.Store.cs</c>'s <c>ChangeAsync</c>); which call each state takes, and what it changes in the record, is
/// <see cref="JobControls"/>'.
/// </summary>
public sealed partial class JobGrain
{
    public Task LoadAsync(ScenarioSource source) => LoadAsync(source, andThen: null);

    // A load, and what the call does once it is laid out (`andThen`: a start) where the load's write is found made only
    // by a later read back; otherwise the caller does it on return.
    private async Task LoadAsync(ScenarioSource source, Func<Task>? andThen)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!ScenarioResolver.TryResolve(source, out var scenario, out var errors))
        {
            throw new ArgumentException(ScenarioResolver.Describe(errors), nameof(source));
        }

        // Before anything is laid out: the API and the start make the same check first, an Orleans client only this one.
        if (ScenarioAdmission.Error(scenario, _tuning, limits.Value) is { } refused)
        {
            throw new ArgumentException(refused.ToString(), nameof(source));
        }

        // Written before anything is laid out: a load that storage refuses changes nothing (the API answers 503, "not
        // made"). Once written, the layout goes on; the record's next write carries the new run. A write whose outcome
        // is not known answers 503 "not known": once a read back finds it made, the layout and what the call does next
        // follow it (found by review: the start was the call's alone, and a load found made later stayed stopped).
        await SettledAsync();
        var loaded = JobScenario.Of(scenario, _tuning.BlockSize);
        var layOut = () => LayOutLoadedAsync(loaded);
        await ChangeAsync(
            () =>
            {
                Halt(JobState.Stopped);
                JobControls.Load(Job, source);
            },
            then: andThen is null ? layOut : async () =>
            {
                await layOut();
                await andThen();
            });
        await layOut();
    }

    // A load's run, once its record is written: laid out, clearing every fault.
    private async Task LayOutLoadedAsync(JobScenario loaded)
    {
        _loaded = loaded;
        await ConfigureRunAsync(keepFaults: false);
        await TrySaveAsync();
        LogLoaded(logger, loaded.Scenario.Name, loaded.Scenario.NodeCount, loaded.Scenario.GpuCount, loaded.Layout.Blocks.Count);
    }

    public async Task StartAsync()
    {
        await SettledAsync();
        var start = JobControls.Starts(Job, _readiness.Ready);
        if (start == JobControls.Start.Resume)
        {
            await ResumeAsync();
            return;
        }

        if (start == JobControls.Start.Nothing)
        {
            return;
        }

        if (start == JobControls.Start.RunAnew)
        {
            await ConfigureRunAsync(keepFaults: true); // a stopped job starts over from step 1
            // The new run (counters at 0, a new epoch, laid out) is memory's alone until a write lands: a start whose
            // write is not made leaves it owed, so the timer writes it rather than storage keeping the old run (found
            // by review: put back to the run, nothing was owed, and a new activation laid out the same epoch again).
            _writes.Owe();
            try
            {
                await ChangeAsync(() => StartTimer(newSchedule: true));
            }
            catch (WriteNotMadeException)
            {
                _timer?.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
                throw;
            }

            return;
        }

        await ChangeAsync(() => StartTimer(newSchedule: true));
    }

    public async Task<ClusterStatus> LoadAndStartAsync(ScenarioSource source)
    {
        await LoadAsync(source, andThen: StartAsync);
        await StartAsync();
        return await GetStatusAsync();
    }

    public async Task<bool> StartIfIdleAsync(ScenarioSource source, PaceSettings pace)
    {
        await SettledAsync();
        if (Job.State != JobState.Idle)
        {
            return false;
        }

        var paceAndStart = async () =>
        {
            await SetPaceAsync(pace);
            await StartAsync();
        };
        await LoadAsync(source, andThen: paceAndStart);
        await paceAndStart();
        return true;
    }

    public async Task<JobStatus> ControlAsync(JobControl control, PaceSettings? pace = null)
    {
        await (control switch
        {
            JobControl.Start => StartAsync(),
            JobControl.Pause => PauseAsync(),
            JobControl.Resume => ResumeAsync(),
            JobControl.Stop => StopAsync(),
            JobControl.SetPace => SetPaceAsync(pace ?? throw new ArgumentNullException(nameof(pace))),
            _ => throw new ArgumentOutOfRangeException(nameof(control), control, "not a control call"),
        });
        return (await GetStatusAsync()).Job;
    }

    public async Task PauseAsync()
    {
        await SettledAsync();
        if (JobControls.Pauses(Job.State))
        {
            await HaltAsync(JobState.Paused);
        }
    }

    public async Task ResumeAsync()
    {
        await SettledAsync();
        if (JobControls.Resumes(Job.State))
        {
            await ChangeAsync(() => StartTimer(newSchedule: false)); // what was left of the wait when paused, from now
        }
    }

    public async Task StopAsync()
    {
        await SettledAsync();
        if (JobControls.Stops(Job.State))
        {
            await HaltAsync(JobState.Stopped);
        }
    }

    public async Task SetPaceAsync(PaceSettings pace)
    {
        ArgumentNullException.ThrowIfNull(pace);
        if (PaceSettings.SpeedError(pace.Speed) is { } error)
        {
            throw new ArgumentOutOfRangeException(nameof(pace), pace.Speed, error);
        }

        await SettledAsync();
        await ChangeAsync(() =>
        {
            // Found by probing: this re-anchored the schedule, so that each pace call (the same pace included), pause
            // and resume ran the next step at once (40 calls, 40 steps in 5 s at x1). The wait left is kept, rescaled.
            _cadence.Repace(Job.Pace, pace);
            Job.Pace = pace;
            if (Job.State == JobState.Running)
            {
                Run.Running();
                Timer.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan); // the tick arms the timer for the wait at the new speed
            }
        });
    }
}
