using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
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
/// The training job: loads the scenario, lays it out over site, block, node and link grains, and runs the
/// step loop on a grain timer. Each step goes down the barrier tree (one call per site and per link), comes
/// back as small summaries, and the model turns them into the step's figures. A node that misses the barrier
/// fails the step: the job rolls back to its last checkpoint, counts the lost steps and goes on without it.
/// The run's arithmetic (counters, rollback, history, pacing) is <see cref="JobRun"/>'s, over the durable
/// <see cref="JobRecord"/> that this grain writes as it is; the grain keeps identity, timing and the calls.
/// </summary>
public sealed partial class JobGrain(
    [PersistentState("job", SimulationStorage.Name)] IPersistentState<JobRecord> record,
    ILogger<JobGrain> logger,
    IOptions<SimulationTuning> tuning,
    SimulationMetrics metrics,
    IClusterMembershipService membership,
    TimeProvider time) : Grain, IJobGrain
{
    private readonly SimulationTuning _tuning = tuning.Value;
    private readonly Dictionary<string, DateTimeOffset> _leaving = new(StringComparer.Ordinal);
    private JobRun? _run;
    private Scenario? _scenario;
    private ClusterLayout? _layout;
    private FailureArrivals? _arrivals;
    private ISiteGrain[] _sites = [];
    private string[] _siteNames = [];
    private ILinkGrain[] _links = [];
    private IGrainTimer? _timer;
    private bool _treeReady;
    private long _grainCalls;
    private IReadOnlyList<NodeCounts>[] _siteStates = [];
    private LinkFigures[] _linkFigures = [];
    private long _savedAt;
    private long _scheduleOrigin;
    private double _scheduledSeconds;
    private long _logTimestamp;
    private long _logStep;

    private JobRecord Job => record.State;

    private JobRun Run => _run ??= new JobRun(record.State, _tuning.HistoryCapacity, time);

    public async Task LoadAsync(ScenarioSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        Scenario scenario;
        try
        {
            scenario = ScenarioResolver.Resolve(source);
        }
        catch (Exception e) when (e is ScenarioValidationException or KeyNotFoundException)
        {
            throw new ArgumentException(e.Message, nameof(source));
        }

        _tuning.EnsureFits(scenario); // before anything is laid out: every entry (API, start, client) passes here
        Halt(JobState.Stopped);
        _scenario = scenario;
        Job.Source = source;
        _layout = new ClusterLayout(scenario, _tuning.BlockSize);
        _arrivals = scenario.Failures is { } failures ? new FailureArrivals(_layout, failures) : null;
        await ConfigureRunAsync(keepFaults: false);
        await SaveAsync();
        LogLoaded(logger, scenario.Name, scenario.NodeCount, scenario.GpuCount, _layout.Blocks.Count);
    }

    public async Task StartAsync()
    {
        switch (Job.State)
        {
            case JobState.Idle:
                throw new InvalidOperationException("no scenario is loaded");
            case JobState.Paused:
                await ResumeAsync();
                return;
            case JobState.Running:
                return;
        }

        if (Job.Step > 0 || Job.StepsFailed > 0 || !_treeReady)
        {
            await ConfigureRunAsync(keepFaults: true); // a stopped job starts over from step 1
        }

        StartTimer();
        await SaveAsync();
    }

    public async Task<bool> StartIfIdleAsync(ScenarioSource source, PaceSettings pace)
    {
        if (Job.State != JobState.Idle)
        {
            return false;
        }

        await LoadAsync(source);
        await SetPaceAsync(pace);
        await StartAsync();
        return true;
    }

    public Task DrainSiloAsync(string silo)
    {
        _leaving[silo] = time.GetUtcNow();
        _treeReady = false; // laid out again once the silo has gone
        LogDraining(logger, silo);
        return Task.CompletedTask;
    }

    public async Task PauseAsync()
    {
        if (Job.State == JobState.Running)
        {
            Halt(JobState.Paused);
            await SaveAsync();
        }
    }

    public async Task ResumeAsync()
    {
        if (Job.State == JobState.Paused)
        {
            StartTimer();
            await SaveAsync();
        }
    }

    public async Task StopAsync()
    {
        if (Job.State is JobState.Running or JobState.Paused)
        {
            Halt(JobState.Stopped);
            await SaveAsync();
        }
    }

    public Task SetPaceAsync(PaceSettings pace)
    {
        ArgumentNullException.ThrowIfNull(pace);
        if (PaceSettings.SpeedError(pace.Speed) is { } error)
        {
            throw new ArgumentOutOfRangeException(nameof(pace), pace.Speed, error);
        }

        Job.Pace = pace;
        if (Job.State == JobState.Running)
        {
            StartTimer(); // re-anchors the schedule: the next step starts now
        }

        return SaveAsync();
    }

    public ValueTask<ClusterStatus> GetStatusAsync()
    {
        if (_scenario is not { } scenario)
        {
            return ValueTask.FromResult(new ClusterStatus(string.Empty, [], [], Status(), null));
        }

        var sites = scenario.Sites.Select((site, s) => new SiteStatus(
            site.Name,
            site.NodeCount,
            site.GpuCount,
            _siteStates.Length > s && _siteStates[s].Count > 0 ? _siteStates[s] : JobFigures.AllHealthy(site))).ToArray();
        var last = Run.Last is { } l ? JobFigures.LastStep(l.Result, l.Number) : null;
        return ValueTask.FromResult(new ClusterStatus(scenario.Name, sites, JobFigures.Links(scenario, _linkFigures), Status(), last));
    }

    public ValueTask<StragglerReport?> GetStragglersAsync(int top) =>
        ValueTask.FromResult(Run.Last is { } l ? JobFigures.Stragglers(l.Result, l.Number, top) : null);

    public ValueTask<(ScenarioSource? Source, long Epoch)> GetScenarioSourceAsync() => ValueTask.FromResult((Job.Source, Job.Epoch));

    public ValueTask<IReadOnlyList<StepRecord>> GetRecentStepsAsync(int count) => ValueTask.FromResult(Run.Recent(count));

    private void Report(Scenario scenario, bool ok, double duration, long lost) =>
        metrics.ReportStep(
            new SimulationMetrics.StepSnapshot(scenario.Name, Job.Step, Run.Last?.Result, _siteNames, [.. _siteStates], JobFigures.Links(scenario, _linkFigures))
            {
                Time = Run.Time,
            },
            ok,
            duration,
            lost);

    private JobStatus Status() =>
        new(Job.State, Job.Pace, Job.Step, Job.LastCheckpoint, Job.StepsOk, Job.StepsFailed, Job.LostSteps, _siteStates.Sum(states => states.Sum(c => c.Down)),
            Job.SimulatedSeconds, _grainCalls, Job.Epoch, RuntimeIdentity,
            Job.State == JobState.Running && _scenario is { } s ? Run.Progress(Job.Pace, s.Job.BarrierTimeoutSeconds, _tuning.StallSeconds) : null,
            _scenario is { } loaded ? JobFigures.Reliability(loaded, Job, Run.Time) : null);

    // A new run of the loaded scenario: a new epoch, counters at zero, the tree configured afresh.
    private async Task ConfigureRunAsync(bool keepFaults)
    {
        Run.Restart();
        _grainCalls = 0;
        await ConfigureTreeAsync(keepFaults);
    }

    // Lays the scenario out over the coordinators, node and link grains under a new epoch (whatever they held
    // before is dropped), and has the registry push the faults to them again.
    private async Task ConfigureTreeAsync(bool keepFaults)
    {
        var scenario = _scenario!;
        Job.Epoch++;
        Run.ForgetLastStep();
        _siteStates = scenario.Sites.Select(_ => (IReadOnlyList<NodeCounts>)[]).ToArray();
        _linkFigures = [];

        var sites = JobTree.Sites(scenario, _layout!, Job.Epoch);
        var links = JobTree.Links(scenario, Job.Epoch);
        _sites = sites.Select(c => GrainFactory.GetGrain<ISiteGrain>(c.Site)).ToArray();
        _siteNames = sites.Select(c => c.Site).ToArray();
        _links = links.Select(l => GrainFactory.GetGrain<ILinkGrain>(l.Link)).ToArray();
        await Task.WhenAll(
            sites.Select((c, s) => _sites[s].ConfigureAsync(c))
                .Concat(links.Select((c, j) => _links[j].ConfigureAsync(c))));
        if (Job.State == JobState.Idle)
        {
            Job.State = JobState.Stopped;
        }

        // The registry re-applies (or, for a new scenario, clears) the faults for this run.
        await GrainFactory.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key).RunStartedAsync(Job.Epoch, Job.Source!, keepFaults);
        _treeReady = true;
    }

    private void StartTimer()
    {
        Job.State = JobState.Running;
        _scheduleOrigin = time.GetTimestamp();
        _scheduledSeconds = 0;
        _logTimestamp = _scheduleOrigin;
        _logStep = Job.StepsOk + Job.StepsFailed;
        Run.Running();
        _timer ??= this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions
        {
            DueTime = Timeout.InfiniteTimeSpan,
            Period = Timeout.InfiniteTimeSpan,
            Interleave = false,
            KeepAlive = true,
        });
        _timer.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    private void Halt(JobState state)
    {
        if (Job.State != JobState.Idle || state != JobState.Stopped)
        {
            Job.State = state;
        }

        _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    // One timer tick. At max pace it steps for a short slice and yields so that control calls get in; at
    // realtime it runs one step and schedules the next at origin + (simulated time so far) / speed.
    private async Task TickAsync(CancellationToken cancellationToken)
    {
        if (Job.State != JobState.Running)
        {
            return;
        }

        if (!_treeReady)
        {
            if (SilosLeaving())
            {
                _timer?.Change(TimeSpan.FromMilliseconds(500), Timeout.InfiniteTimeSpan);
                return;
            }

            try
            {
                await ConfigureTreeAsync(keepFaults: true);
                await SaveAsync();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogTickFailed(logger, Run.NextStep, e.GetBaseException().Message);
                _timer?.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
                return;
            }
        }

        try
        {
            await RunTickAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A coordinator lost with its silo: the step in flight fails, the job rolls back to its checkpoint
            // and lays the tree out again (the registry pushes the faults anew), then goes on.
            LogTickFailed(logger, Run.NextStep, e.GetBaseException().Message);
            if (_treeReady)
            {
                FailStep($"grains lost with a silo: {e.GetBaseException().Message}");
                _treeReady = false; // the next tick lays the tree out again
            }

            if (Job.State == JobState.Running && !cancellationToken.IsCancellationRequested)
            {
                _timer?.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
            }
        }
    }

    // Whether a silo is on its way out (announced by its drain, or shutting down): laying the tree out now could
    // place coordinators on it. A drained silo that has not gone within a minute is no longer waited for.
    private bool SilosLeaving()
    {
        var snapshot = membership.CurrentSnapshot;
        foreach (var (silo, since) in _leaving.ToArray())
        {
            var member = snapshot.Members.FirstOrDefault(m => m.Key.ToString() == silo);
            if (member.Value is null || member.Value.Status == SiloStatus.Dead || time.GetUtcNow() - since > TimeSpan.FromMinutes(1))
            {
                _leaving.Remove(silo);
            }
        }

        return _leaving.Count > 0 || snapshot.Members.Values.Any(m => m.Status is SiloStatus.ShuttingDown or SiloStatus.Stopping);
    }

    // Counts the next step as failed without running it (its grains were lost) and rolls back to the checkpoint.
    private void FailStep(string reason)
    {
        var number = Run.NextStep;
        var (_, lost) = Run.Fail(number, reason, durationSeconds: 0, healthyNodes: 0);
        if (_scenario is { } scenario)
        {
            Report(scenario, ok: false, 0, lost);
        }

        LogStepFailed(logger, number, reason, lost, Job.LastCheckpoint);
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
            while (Job.State == JobState.Running && !cancellationToken.IsCancellationRequested
                   && time.GetElapsedTime(sliceStart).TotalMilliseconds < _tuning.MaxPaceSliceMilliseconds);

            if (Job.State == JobState.Running)
            {
                _timer!.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan);
            }
        }
        else
        {
            if (Run.WaitBeforeNext(_scheduledSeconds, Job.Pace.Speed, _scheduleOrigin) is { } early)
            {
                _timer!.Change(early, Timeout.InfiniteTimeSpan); // woken early by a wait cut into timer periods
                return;
            }

            _scheduledSeconds += await RunStepAsync();
            if (Job.State == JobState.Running)
            {
                _timer!.Change(Run.WaitBeforeNext(_scheduledSeconds, Job.Pace.Speed, _scheduleOrigin) ?? TimeSpan.Zero, Timeout.InfiniteTimeSpan);
            }
        }

        MaybeLogProgress();
        if (time.GetElapsedTime(_savedAt).TotalSeconds >= 1 || Job.LastCheckpoint > _checkpointSaved)
        {
            await SaveAsync();
        }
    }

    // Hands the registry the background failures that started since the last step, and has it end those repaired
    // by the simulated clock now: both take effect from the next step, at any pace.
    private async Task HandOverFailuresAsync()
    {
        if (_arrivals is null)
        {
            return;
        }

        var (arrivals, due) = Run.BackgroundDue(_arrivals);
        if (due)
        {
            var messages = arrivals.Select(a => BackgroundIntake.ToMessage(a, Job.Epoch)).ToArray();
            Job.NextRepairSeconds = await GrainFactory.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key).BackgroundAsync(Job.Epoch, Job.SimulatedSeconds, messages);
        }
    }

    // Runs the next step down the barrier tree; returns the simulated time it took (with a checkpoint's or a restart's cost).
    private async Task<double> RunStepAsync()
    {
        await HandOverFailuresAsync();
        var scenario = _scenario!;
        var before = Job.SimulatedSeconds;
        var started = time.GetTimestamp();
        var command = Run.NextCommand(scenario.Job.CheckpointEverySteps);
        var siteTasks = new Task<BarrierSummary>[_sites.Length];
        for (var s = 0; s < _sites.Length; s++)
        {
            siteTasks[s] = _sites[s].RunStepAsync(command);
        }

        var linkTasks = new Task<LinkFigures>[_links.Length];
        for (var j = 0; j < _links.Length; j++)
        {
            linkTasks[j] = _links[j].GetFiguresAsync(command.Step);
        }

        var summaries = await Task.WhenAll(siteTasks);
        _linkFigures = await Task.WhenAll(linkTasks);
        _grainCalls += _sites.Length + _links.Length + summaries.Sum(s => s.GrainCalls);
        for (var s = 0; s < summaries.Length; s++)
        {
            _siteStates[s] = summaries[s].States;
        }

        var (groups, candidates, missed) = JobTree.Gather(scenario, summaries);
        var result = StepEvaluator.Evaluate(scenario, groups, _linkFigures.Select(JobFigures.State).ToArray(), candidates);
        var timeout = scenario.Job.BarrierTimeoutSeconds;
        if (JobTree.Failure(result, missed, timeout) is not { } failure)
        {
            Run.Complete(command.Step, result, scenario.Job.CheckpointEverySteps, started, scenario.Job.CheckpointSeconds);
            Report(scenario, ok: true, result.StepSeconds, lost: 0);
            return Job.SimulatedSeconds - before;
        }

        // The barrier or the collective timed out: the step is lost, and so is every step since the last checkpoint.
        var (_, lost) = Run.Fail(command.Step, failure, timeout, result.HealthyNodes, started, scenario.Job.RestartSeconds);
        Report(scenario, ok: false, timeout, lost);
        LogStepFailed(logger, command.Step, failure, lost, Job.LastCheckpoint);
        return Job.SimulatedSeconds - before;
    }

    private void MaybeLogProgress()
    {
        var elapsed = time.GetElapsedTime(_logTimestamp).TotalSeconds;
        if (elapsed < _tuning.LogIntervalSeconds || Run.Last is not { } last)
        {
            return;
        }

        var (r, b) = (last.Result, last.Result.Breakdown);
        var steps = Job.StepsOk + Job.StepsFailed;
        LogProgress(logger, last.Number, r.StepSeconds, b.ComputeSeconds, b.StragglerWaitSeconds, b.IntraSiteSeconds, b.InterSiteBandwidthSeconds, b.InterSiteLatencySeconds, r.TokensPerSecond, r.UsefulFlopsPerSecond / 1e15, r.StragglerTax, r.ClusterMfu, r.HealthyNodes, (steps - _logStep) / elapsed, Job.StepsFailed, Job.LostSteps);
        _logTimestamp = time.GetTimestamp();
        _logStep = steps;
    }

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Job.Source is not { } source)
        {
            return;
        }

        // Back after a silo's death or a graceful move: rebuild the run from the durable record.
        _scenario = ScenarioResolver.Resolve(source);
        _layout = new ClusterLayout(_scenario, _tuning.BlockSize);
        _arrivals = _scenario.Failures is { } failures ? new FailureArrivals(_layout, failures) : null;
        var clean = Job.Clean;
        if (Job.State == JobState.Idle)
        {
            Job.State = JobState.Stopped;
        }

        if (Job.State is JobState.Running or JobState.Paused)
        {
            if (!clean)
            {
                FailStep("the job's silo was lost: resumed from the last checkpoint");
            }

            _treeReady = false; // laid out by the first tick, once no silo is on its way out
            LogRecovered(logger, _scenario.Name, Job.Step, clean);
            if (Job.State == JobState.Running)
            {
                StartTimer();
            }
            else
            {
                await ConfigureTreeAsync(keepFaults: true);
            }
        }

        await SaveAsync();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        _timer = null;

        // Saved for the next activation, unless the silo is shutting down with the state in memory: that state ends
        // with the process, and the save would fail (the memory store's grains are already gone) with pages of traces.
        if (Job.Source is not null && !(reason.ReasonCode == DeactivationReasonCode.ShuttingDown && SimulationStorage.IsInMemory(ServiceProvider)))
        {
            await SaveAsync(clean: true);
        }
    }

    private long _checkpointSaved;

    // The record is the grain's state itself: written as it stands, with whether this is a clean hand-over.
    private async Task SaveAsync(bool clean = false)
    {
        Job.Clean = clean;
        await record.WriteStateAsync();
        _savedAt = time.GetTimestamp();
        _checkpointSaved = Job.LastCheckpoint;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "silo {Silo} is draining: stepping waits until it has left")]
    private static partial void LogDraining(ILogger logger, string silo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "job recovered on this silo: scenario {Scenario} at step {Step} (clean hand-over: {Clean})")]
    private static partial void LogRecovered(ILogger logger, string scenario, long step, bool clean);

    [LoggerMessage(Level = LogLevel.Warning, Message = "step {Step} could not run, retrying in 1 s: {Reason}")]
    private static partial void LogTickFailed(ILogger logger, long step, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "loaded scenario {Scenario}: {Nodes} nodes, {Gpus} GPUs, {Blocks} blocks")]
    private static partial void LogLoaded(ILogger logger, string scenario, int nodes, long gpus, int blocks);

    [LoggerMessage(Level = LogLevel.Information, Message = "step {Step}: T_step {StepSeconds:F3} s = compute {ComputeSeconds:F3} + straggler wait {StragglerWaitSeconds:F3} + intra-site {IntraSiteSeconds:F3} + inter-site bandwidth {InterSiteBandwidthSeconds:F3} + inter-site latency {InterSiteLatencySeconds:F3}; {TokensPerSecond:N0} tokens/s, {UsefulPetaflops:F1} useful PFLOP/s, straggler tax {Tax:P1}, cluster MFU {Mfu:P1}, {Healthy} nodes at the barrier; {Rate:F1} steps/s, {Failed} failed, {Lost} lost")]
    private static partial void LogProgress(ILogger logger, long step, double stepSeconds, double computeSeconds, double stragglerWaitSeconds, double intraSiteSeconds, double interSiteBandwidthSeconds, double interSiteLatencySeconds, double tokensPerSecond, double usefulPetaflops, double tax, double mfu, int healthy, double rate, long failed, long lost);

    [LoggerMessage(Level = LogLevel.Warning, Message = "step {Step} failed ({Reason}): {Lost} steps lost, rolled back to checkpoint {Checkpoint}")]
    private static partial void LogStepFailed(ILogger logger, long step, string reason, long lost, long checkpoint);
}
