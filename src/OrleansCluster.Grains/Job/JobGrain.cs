using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Placement;
using Orleans.Runtime;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Faults;
using OrleansCluster.Grains.Telemetry;
using OrleansCluster.Model.Failures;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Job;

/// <summary>
/// The training job: loads the scenario, lays it out over coordinator, shard, block, node and link grains, and runs
/// the step loop on a grain timer. Each step goes down the barrier tree (one call per silo and per link), comes
/// back as small summaries, and the model turns them into the step's figures. A node that misses the barrier
/// fails the step: the job rolls back to its last checkpoint, counts the lost steps and goes on without it.
/// The run's arithmetic (counters, rollback, history) is <see cref="JobRun"/>'s, over the durable
/// <see cref="JobRecord"/> that this grain writes as it is; the wall-clock cadence is <see cref="JobCadence"/>'s, the
/// tree's answers <see cref="TreeFigures"/>', the answers' shapes <see cref="JobFigures"/>', the control calls' rules
/// <see cref="JobControls"/>', the writes' bookkeeping <see cref="JobWrites"/>', the tree's readiness
/// <see cref="TreeReadiness"/>' and the evicted nodes <see cref="EvictedNodes"/>'. The grain keeps identity, the
/// lifecycle, the timer, the calls and persistence: the timer's loop is in <c>JobGrain.Loop.cs</c>, the layout in
/// <c>JobGrain.Layout.cs</c>, the record's writes in <c>JobGrain.Store.cs</c>.
/// </summary>
[Immovable] // Orleans must not move it, nor try to when a silo stops: docs/cluster.md
public sealed partial class JobGrain(
    [PersistentState("job", SimulationStorage.Name)] IPersistentState<JobRecord> record,
    ILogger<JobGrain> logger,
    IOptions<SimulationTuning> tuning,
    IOptions<FaultLimits> limits,
    SimulationMetrics metrics,
    IClusterMembershipService membership,
    IClusterManifestProvider manifests,
    TimeProvider time) : Grain, IJobGrain
{
    private readonly SimulationTuning _tuning = tuning.Value;
    private readonly LeavingSilos _leaving = new(time);
    private readonly JobCadence _cadence = new(time);
    private readonly TreeFigures _tree = new();
    private JobRun? _run;
    private JobScenario? _loaded;
    private TreeCalls? _calls;
    private IGrainTimer? _timer;
    private readonly TreeReadiness _readiness = new();
    private readonly JobWrites _writes = new(time); // who writes the record, what is owed, a change not settled
    private readonly LogGate _saveFailureLog = new(time, TimeSpan.FromSeconds(tuning.Value.LogIntervalSeconds));
    private readonly LogGate _handOverFailureLog = new(time, TimeSpan.FromSeconds(tuning.Value.LogIntervalSeconds));

    private readonly EvictedNodes _evicted = new();


    private JobRecord Job => record.State;

    private JobRun Run => _run ??= new JobRun(record.State, _tuning.HistoryCapacity, time);

    private IFaultRegistryGrain Registry => GrainFactory.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key);

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

    public Task DrainSiloAsync(string silo)
    {
        _leaving.Draining(silo);
        _readiness.Draining(); // laid out again once the silo has gone; a layout in progress is not taken as ready
        LogDraining(logger, silo);
        return Task.CompletedTask;
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

    public ValueTask<ClusterStatus> GetStatusAsync() =>
        ValueTask.FromResult(JobFigures.Cluster(_loaded?.Scenario, _tree, JobFigures.Status(Run, _tree, _loaded?.Scenario, RuntimeIdentity, _tuning.StallSeconds, _writes.Unwritten), Run.Last));

    public ValueTask<StragglerReport?> GetStragglersAsync(int top) =>
        ValueTask.FromResult(Run.Evaluated is { } e ? JobFigures.Stragglers(e.Result, e.Number, top, e.Failure) : null);

    public ValueTask<(ScenarioSource? Source, long Epoch)> GetScenarioSourceAsync() => ValueTask.FromResult((Job.Source, Job.Epoch));

    public ValueTask<IReadOnlyList<StepRecord>> GetRecentStepsAsync(int count) => ValueTask.FromResult(Run.Recent(count));

    private void Report(Scenario scenario, bool ok, double duration, long lost) =>
        metrics.ReportStep(JobFigures.Snapshot(scenario, Run, _tree), ok, duration, lost);

    // The job runs: a new schedule (a start, an activation) runs the next step at once; otherwise (a resume, a control
    // call undone) the wait held since the job stopped stepping goes on from now.
    private void StartTimer(bool newSchedule)
    {
        Job.State = JobState.Running;
        if (newSchedule)
        {
            _cadence.Start(Job.StepsOk + Job.StepsFailed);
        }
        else
        {
            _cadence.Resume(Job.StepsOk + Job.StepsFailed);
        }

        Run.Running();
        Timer.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    // The step loop's timer, armed once at a time (TickAsync arms the next).
    private IGrainTimer Timer => _timer ??= this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions
    {
        DueTime = Timeout.InfiniteTimeSpan,
        Period = Timeout.InfiniteTimeSpan,
        Interleave = false,
        KeepAlive = true,
    });

    private Task HaltAsync(JobState state) => ChangeAsync(() => Halt(state));

    private void Halt(JobState state)
    {
        _cadence.Hold(Job.Pace); // what is left of the wait for the next step, for a resume
        JobControls.Halt(Job, state);

        _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Job.Source is not { } source)
        {
            return;
        }

        // Back after a silo's death or a graceful move: rebuild the run from the durable record. A scenario stored by a
        // build with looser bounds may no longer resolve: the job forgets it (idle: load one) rather than fail every
        // call. (One that resolves but that ScenarioAdmission would now refuse resumes: it ran before.)
        if (!ScenarioResolver.TryResolve(source, out var scenario, out var errors))
        {
            LogStoredScenarioRefused(logger, ScenarioResolver.Describe(errors));
            JobControls.Forget(Job);
            Run.Restart();
            await SaveAsync(); // once: the next activation finds an idle job
            return;
        }

        _loaded = JobScenario.Of(scenario, _tuning.BlockSize);
        _evicted.Restore(Job.EvictedNodes, _loaded.Layout.Nodes);
        var clean = Job.Clean;
        JobControls.LaidOut(Job); // a record with a scenario but idle is a stopped job
        if (Job.State is JobState.Running or JobState.Paused)
        {
            if (JobControls.LostStepInFlight(Job))
            {
                FailStep("the job's silo was lost: resumed from the last checkpoint");
            }

            _readiness.LayOutAgain(); // laid out by the first tick, once no silo is on its way out
            LogRecovered(logger, _loaded.Scenario.Name, Job.Step, clean);
            if (Job.State == JobState.Running)
            {
                StartTimer(newSchedule: true);
            }
            else
            {
                // Found by probing: without the hold, the resume kept a schedule that began at this activation and
                // owed the whole pause since it (a job paused, its silo stopped, resumed 12 s later at x10 ran 33
                // steps in 3 s). The record keeps no wait: the resume runs the next step at once, then keeps the pace.
                _cadence.Hold(Job.Pace);
                await ConfigureTreeAsync(keepFaults: true);
            }
        }

        await SaveAsync();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        _timer = null;
        metrics.StepLeft(); // the silo that hosts the job next exports its figures; this one no longer has them

        // Saved for the next activation, unless the silo is shutting down with the state in memory: that state ends
        // with the process, and the save would fail (the memory store's grains are already gone) with pages of traces.
        if (Job.Source is not null && !_writes.Superseded && !(reason.ReasonCode == DeactivationReasonCode.ShuttingDown && SimulationStorage.IsInMemory(ServiceProvider)))
        {
            try
            {
                await SettledAsync();
            }
            catch (WriteUnsettledException)
            {
                return; // not over a control call's write whose outcome is not known: the next activation reads what storage holds
            }

            await SaveAsync(clean: true);
        }
    }
}
