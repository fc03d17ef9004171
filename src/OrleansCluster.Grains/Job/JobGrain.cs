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
/// <see cref="TreeReadiness"/>', the evicted nodes <see cref="EvictedNodes"/>', whether the fault registry is on the
/// layout <see cref="RegistryEpochCheck"/>' and <see cref="RegistryRunRetry"/>', and the background failures handed to
/// it <see cref="BackgroundHandOver"/>'. The grain keeps identity, the
/// lifecycle, the timer, the calls and persistence: the control calls (load, start, pause, resume, stop, pace) are in
/// <c>JobGrain.Control.cs</c>, the timer's loop in <c>JobGrain.Loop.cs</c>, the layout (and whether the registry is on
/// it) in <c>JobGrain.Layout.cs</c>, the record's writes in <c>JobGrain.Store.cs</c>.
/// </summary>
[Immovable] // Orleans must not move it, nor try to when a silo stops: docs/cluster.md
public sealed partial class JobGrain(
    [PersistentState(SimulationStorage.JobState, SimulationStorage.Name)] IPersistentState<JobRecord> record,
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
    private readonly RegistryEpochCheck _registryEpoch = new(time); // whether the registry pushes under the layout
    private readonly RegistryRunRetry _registryRun = new(time); // a layout the registry did not take, handed over again
    private readonly JobWrites _writes = new(time); // who writes the record, what is owed, a change not settled
    private readonly LogGate _saveFailureLog = new(time, TimeSpan.FromSeconds(tuning.Value.LogIntervalSeconds));
    private readonly BackgroundHandOver _handOver = new(time, TimeSpan.FromSeconds(tuning.Value.LogIntervalSeconds)); // background failures to the registry

    private readonly EvictedNodes _evicted = new();


    private JobRecord Job => record.State;

    private JobRun Run => _run ??= new JobRun(record.State, _tuning.HistoryCapacity, time);

    private IFaultRegistryGrain Registry => GrainFactory.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key);

    public Task DrainSiloAsync(string silo)
    {
        _leaving.Draining(silo);
        _readiness.Draining(); // laid out again once the silo has gone; a layout in progress is not taken as ready
        LogDraining(logger, silo);
        if (silo == GrainContext.Address.SiloAddress?.ToString())
        {
            HandOver(); // to a silo that stays, with the record in memory: no storage on the way (JobGrain.HandOver.cs)
        }

        return Task.CompletedTask;
    }

    public ValueTask<ClusterStatus> GetStatusAsync() =>
        ValueTask.FromResult(JobFigures.Cluster(_loaded?.Scenario, _tree, JobFigures.Status(Run, _tree, _loaded?.Scenario, RuntimeIdentity, _tuning.StallSeconds, _writes.Unwritten, _registryRun.Status ?? _registryEpoch.Status), Run.Last));

    public ValueTask<StragglerReport?> GetStragglersAsync(int top) => ValueTask.FromResult(Run.Stragglers(top));

    public ValueTask<(ScenarioSource? Source, long Epoch)> GetScenarioSourceAsync() => ValueTask.FromResult((Job.Source, Job.Epoch));

    public ValueTask<IReadOnlyList<StepRecord>> GetRecentStepsAsync(int count) => ValueTask.FromResult(Run.Recent(count));

    private void Report(Scenario scenario, bool ok, double duration, long lost) =>
        metrics.ReportStep(JobFigures.Snapshot(scenario, Run, _tree), ok, duration, lost);

    private void ReportRun() => metrics.ReportRun(JobFigures.Snapshot(_loaded!.Scenario, Run, _tree));

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
        _registryEpoch.Soon(); // not asked while the job stood still: asked at its first tick
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
        if (_loaded is { } loaded)
        {
            Run.StandingStill(loaded.Scenario.Stragglers.TopK); // written with the halt: the last report outlives a failover
        }

        _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    // Another activation wrote the record: this one stops stepping and writes no more (JobWrites.Found).
    private void StepDown()
    {
        Halt(Job.State);
        DeactivateOnIdle();
    }

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (_readAgain)
        {
            await record.ReadStateAsync(cancellationToken); // handed over with a record that may not be storage's (JobGrain.HandOver.cs)
        }

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
        _tree.BeforeStep = _evicted.BySite(_loaded.Scenario, _loaded.Layout); // down from now, not from the first step: a paused job may take none
        var clean = Job.Clean;
        JobControls.LaidOut(Job); // a record with a scenario but idle is a stopped job
        ReportRun(); // this silo exports the job's figures from now, paused or stopped too (a step may be far off)
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
                if (!_handedOver)
                {
                    await ConfigureTreeAsync(keepFaults: true);
                }

                // Handed over: no grain call here (found by review: the registry, handed over beside it, could hold the
                // call at its old activation while its own migration waited behind this activation, and this one timed
                // out). The tree stays to be laid out (LayOutAgain above), by the first tick after a resume.
            }
        }

        if (_handedOver)
        {
            // Handed over: the record came in memory, and its write is owed (found by probing: the write here waited out a
            // paused Redis's timeout, and its failure failed the activation). The loop writes it, retried each second; a
            // running job's first tick lays the tree out and writes it then.
            if (Job.State != JobState.Running)
            {
                Timer.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
            }

            return;
        }

        await SaveAsync();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        _timer = null;
        metrics.StepLeft(); // the silo that hosts the job next exports its figures; this one no longer has them
        if (reason.ReasonCode == DeactivationReasonCode.Migrating)
        {
            // Handed over (DrainSiloAsync): the record goes along in memory, written here only where storage looks
            // healthy and within a short wait (JobGrain.HandOver.cs).
            if (Job.Source is not null && !_writes.Superseded)
            {
                await HandOverRecordAsync(cancellationToken);
            }

            return;
        }

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
