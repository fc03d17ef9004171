using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Telemetry;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Job;

/// <summary>
/// The training job: loads the scenario, lays it out over site, block, node and link grains, and runs the
/// step loop on a grain timer. Each step goes down the barrier tree (one call per site and per link), comes
/// back as small summaries, and the model turns them into the step's figures. A node that misses the barrier
/// fails the step: the job rolls back to its last checkpoint, counts the lost steps and goes on without it.
/// </summary>
public sealed partial class JobGrain(
    [PersistentState("job", SimulationStorage.Name)] IPersistentState<JobRecord> record,
    ILogger<JobGrain> logger,
    IOptions<SimulationTuning> tuning,
    SimulationMetrics metrics,
    IClusterMembershipService membership) : Grain, IJobGrain
{
    private const double MaxTimerWaitSeconds = 3600;

    private readonly SimulationTuning _tuning = tuning.Value;
    private readonly Queue<StepRecord> _history = new();

    private Scenario? _scenario;
    private ScenarioSource? _source;
    private ClusterLayout? _layout;
    private ISiteGrain[] _sites = [];
    private string[] _siteNames = [];
    private ILinkGrain[] _links = [];
    private long _epoch;
    private JobState _state = JobState.Idle;
    private PaceSettings _pace = PaceSettings.Realtime();
    private IGrainTimer? _timer;
    private bool _treeReady;
    private readonly Dictionary<string, DateTime> _leaving = new(StringComparer.Ordinal);
    private long _savedAt;

    private long _step;
    private long _lastCheckpoint;
    private long _stepsOk;
    private long _stepsFailed;
    private long _lostSteps;
    private long _grainCalls;
    private double _simulatedSeconds;
    private double _previousMaxCompute;
    private double _previousStepSeconds;
    private StepResult? _last;
    private long _lastNumber;
    private IReadOnlyList<NodeCounts>[] _siteStates = [];
    private LinkFigures[] _linkFigures = [];

    private long _runOrigin;
    private long _scheduleOrigin;
    private double _scheduledSeconds;
    private long _logTimestamp;
    private long _logStep;
    private long _progressAt;
    private string? _lastFailure;

    public async Task LoadAsync(ScenarioSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        Scenario scenario;
        try
        {
            scenario = source.Preset is { } preset ? ScenarioPresets.Load(preset)
                : source.Json is { } json ? ScenarioLoader.Parse(json)
                : throw new ArgumentException("a scenario source names a preset or carries JSON", nameof(source));
        }
        catch (Exception e) when (e is ScenarioValidationException or KeyNotFoundException)
        {
            throw new ArgumentException(e.Message, nameof(source));
        }

        _tuning.EnsureFits(scenario); // before anything is laid out: every entry (API, start, client) passes here
        Halt(JobState.Stopped);
        _scenario = scenario;
        _source = source;
        _layout = new ClusterLayout(scenario, _tuning.BlockSize);
        await ConfigureRunAsync(keepFaults: false);
        await SaveAsync();
        LogLoaded(logger, scenario.Name, scenario.NodeCount, scenario.GpuCount, _layout.Blocks.Count);
    }

    public async Task StartAsync()
    {
        switch (_state)
        {
            case JobState.Idle:
                throw new InvalidOperationException("no scenario is loaded");
            case JobState.Paused:
                await ResumeAsync();
                return;
            case JobState.Running:
                return;
        }

        if (_step > 0 || _stepsFailed > 0 || !_treeReady)
        {
            await ConfigureRunAsync(keepFaults: true); // a stopped job starts over from step 1
        }

        Run();
        await SaveAsync();
    }

    public async Task<bool> StartIfIdleAsync(ScenarioSource source, PaceSettings pace)
    {
        if (_state != JobState.Idle)
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
        _leaving[silo] = DateTime.UtcNow;
        _treeReady = false; // laid out again once the silo has gone
        LogDraining(logger, silo);
        return Task.CompletedTask;
    }

    public async Task PauseAsync()
    {
        if (_state == JobState.Running)
        {
            Halt(JobState.Paused);
            await SaveAsync();
        }
    }

    public async Task ResumeAsync()
    {
        if (_state == JobState.Paused)
        {
            Run();
            await SaveAsync();
        }
    }

    public async Task StopAsync()
    {
        if (_state is JobState.Running or JobState.Paused)
        {
            Halt(JobState.Stopped);
            await SaveAsync();
        }
    }

    public Task SetPaceAsync(PaceSettings pace)
    {
        ArgumentNullException.ThrowIfNull(pace);
        if (!(pace.Speed > 0 && pace.Speed <= 1e6))
        {
            throw new ArgumentOutOfRangeException(nameof(pace), pace.Speed, "speed must be within (0, 1e6]");
        }

        _pace = pace;
        if (_state == JobState.Running)
        {
            Run(); // re-anchors the schedule: the next step starts now
        }

        return SaveAsync();
    }

    public ValueTask<ClusterStatus> GetStatusAsync()
    {
        var scenario = _scenario;
        if (scenario is null || _layout is null)
        {
            return ValueTask.FromResult(new ClusterStatus(string.Empty, [], [], Status(), null));
        }

        var sites = scenario.Sites.Select((site, s) => new SiteStatus(
            site.Name,
            site.NodeCount,
            site.GpuCount,
            _siteStates.Length > s && _siteStates[s].Count > 0 ? _siteStates[s] : AllHealthy(site))).ToArray();
        var links = LinkStatuses(scenario);
        var last = _last is { } r
            ? new LastStepFigures(_lastNumber, r.StepSeconds, r.MaxComputeSeconds, r.MedianComputeSeconds, r.IntraSiteSeconds, r.InterSiteSeconds, r.StragglerTax, r.ClusterMfu)
            : null;
        return ValueTask.FromResult(new ClusterStatus(scenario.Name, sites, links, Status(), last));
    }

    public ValueTask<StragglerReport?> GetStragglersAsync(int top)
    {
        if (_last is not { } r)
        {
            return ValueTask.FromResult<StragglerReport?>(null);
        }

        static GroupFigures Group(GroupReport g) => new(g.Name, g.Nodes, g.Stragglers, g.MeanComputeSeconds, g.MaxComputeSeconds, g.MaxSlowdown);
        return ValueTask.FromResult<StragglerReport?>(new StragglerReport(
            _lastNumber,
            r.Stragglers.Take(Math.Max(0, top)).Select(s => new NodeStragglerFigures(s.Node, s.Site, s.Generation, s.ComputeSeconds, s.Slowdown)).ToArray(),
            r.Links.Select(l => new LinkStragglerFigures(l.Link, l.LatencySeconds, l.BandwidthBytesPerSecond, l.Stretch, l.IsStraggler)).ToArray(),
            r.BySite.Select(Group).ToArray(),
            r.ByGeneration.Select(Group).ToArray()));
    }

    public ValueTask<(ScenarioSource? Source, long Epoch)> GetScenarioSourceAsync() => ValueTask.FromResult((_source, _epoch));

    public ValueTask<IReadOnlyList<StepRecord>> GetRecentStepsAsync(int count) =>
        ValueTask.FromResult<IReadOnlyList<StepRecord>>(_history.Skip(Math.Max(0, _history.Count - count)).ToArray());

    private LinkStatus[] LinkStatuses(Scenario scenario) =>
        scenario.Links.Select((link, j) =>
        {
            var figures = _linkFigures.Length > j ? _linkFigures[j] : null;
            return new LinkStatus(
                link.Id,
                link.From,
                link.To,
                figures?.Up ?? true,
                link.NominalLatencySeconds,
                figures?.LatencySeconds ?? link.NominalLatencySeconds,
                link.BandwidthBytesPerSecond,
                figures?.BandwidthBytesPerSecond ?? link.BandwidthBytesPerSecond,
                figures?.PacketLossRatio ?? 0);
        }).ToArray();

    private void Report(Scenario scenario, bool ok, double duration, long lost) =>
        metrics.ReportStep(
            new SimulationMetrics.StepSnapshot(scenario.Name, _step, _last, _siteNames, [.. _siteStates], LinkStatuses(scenario)),
            ok,
            duration,
            lost);

    private JobStatus Status() =>
        new(_state, _pace, _step, _lastCheckpoint, _stepsOk, _stepsFailed, _lostSteps, EvictedNodes(), _simulatedSeconds, _grainCalls, _epoch, RuntimeIdentity, Progress());

    // How long the running job has gone without completing a step, against the longest a healthy job may: at
    // realtime pace three barrier timeouts of simulated time (a step can take one and fail), at any pace at least
    // Simulation:StallSeconds of wall time (a large scenario's first steps activate its grains).
    private JobProgress? Progress()
    {
        if (_state != JobState.Running || _scenario is null)
        {
            return null;
        }

        var bound = _tuning.StallSeconds;
        if (_pace.Mode == PaceMode.Realtime)
        {
            bound = Math.Max(bound, 3 * _scenario.Job.BarrierTimeoutSeconds / _pace.Speed);
        }

        return new JobProgress(Stopwatch.GetElapsedTime(_progressAt).TotalSeconds, bound, _lastFailure);
    }

    private int EvictedNodes() => _siteStates.Sum(states => states.Sum(c => c.Down));

    private static NodeCounts[] AllHealthy(SiteSpec site) =>
        site.Nodes.GroupBy(n => n.Generation.Name, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new NodeCounts(g.Key, g.Sum(n => n.Count), 0, 0))
            .ToArray();

    // A new run of the loaded scenario: a new epoch, counters at zero, the tree configured afresh.
    private async Task ConfigureRunAsync(bool keepFaults)
    {
        _step = _lastCheckpoint = _stepsOk = _stepsFailed = _lostSteps = _grainCalls = _lastNumber = 0;
        _simulatedSeconds = 0;
        _runOrigin = Stopwatch.GetTimestamp();
        _history.Clear();
        await ConfigureTreeAsync(keepFaults);
    }

    // Lays the scenario out over the coordinators, node and link grains under a new epoch (whatever they held
    // before is dropped), and has the registry push the faults to them again.
    private async Task ConfigureTreeAsync(bool keepFaults)
    {
        var scenario = _scenario!;
        var layout = _layout!;
        _epoch++;
        _previousMaxCompute = _previousStepSeconds = 0;
        _last = null;
        _siteStates = scenario.Sites.Select(_ => (IReadOnlyList<NodeCounts>)[]).ToArray();
        _linkFigures = [];

        var job = scenario.Job;
        var configs = scenario.Sites.Select((site, s) => new SiteConfig(
            _epoch,
            site.Name,
            layout.Blocks.Where(b => b.SiteIndex == s).Select(b => new BlockConfig(
                _epoch,
                b.Id,
                Enumerable.Range(b.FirstNode, b.NodeCount).Select(i =>
                {
                    var node = layout.Nodes[i];
                    return new NodeSpec(_epoch, node.Id, site.Name, b.Id, node.Generation.Name, node.GpusPerNode,
                        ComputeModel.NominalSeconds(job.FlopsPerGpuPerStep, node.Generation.PeakFlopsPerSecond, job.Mfu),
                        scenario.Seed, scenario.Noise.ComputeCv);
                }).ToArray(),
                job.BarrierTimeoutSeconds,
                scenario.Stragglers.TopK,
                scenario.Name,
                site.Name,
                job.GradientBytes)).ToArray())).ToArray();
        _sites = configs.Select(c => GrainFactory.GetGrain<ISiteGrain>(c.Site)).ToArray();
        _siteNames = configs.Select(c => c.Site).ToArray();
        _links = scenario.Links.Select(l => GrainFactory.GetGrain<ILinkGrain>(l.Id)).ToArray();
        var linkConfigs = scenario.Links.Select(l => new LinkConfig(_epoch, l.Id, l.From, l.To, l.DistanceKm, l.RouteFactor, l.EquipmentLatencySeconds, l.BandwidthBytesPerSecond, scenario.Seed, scenario.Noise.LinkJitterSeconds));

        await Task.WhenAll(
            configs.Select((c, s) => _sites[s].ConfigureAsync(c))
                .Concat(linkConfigs.Select((c, j) => _links[j].ConfigureAsync(c))));
        if (_state == JobState.Idle)
        {
            _state = JobState.Stopped;
        }

        // The registry re-applies (or, for a new scenario, clears) the faults for this run.
        await GrainFactory.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key).RunStartedAsync(_epoch, _source!, keepFaults);
        _treeReady = true;
    }

    private void Run()
    {
        _state = JobState.Running;
        _scheduleOrigin = Stopwatch.GetTimestamp();
        _progressAt = _scheduleOrigin; // a stall is counted from the last step, or from when it started running
        _scheduledSeconds = 0;
        _logTimestamp = _scheduleOrigin;
        _logStep = _stepsOk + _stepsFailed;
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
        if (_state != JobState.Idle || state != JobState.Stopped)
        {
            _state = state;
        }

        _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    // One timer tick. At max pace it steps for a short slice and yields so that control calls get in; at
    // realtime it runs one step and schedules the next at origin + (simulated time so far) / speed.
    private async Task TickAsync(CancellationToken cancellationToken)
    {
        if (_state != JobState.Running)
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
                LogTickFailed(logger, _step + 1, e.GetBaseException().Message);
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
            LogTickFailed(logger, _step + 1, e.GetBaseException().Message);
            if (_treeReady)
            {
                FailStep(_step + 1, $"grains lost with a silo: {e.GetBaseException().Message}");
                _treeReady = false; // the next tick lays the tree out again
            }

            if (_state == JobState.Running && !cancellationToken.IsCancellationRequested)
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
            if (member.Value is null || member.Value.Status == SiloStatus.Dead || DateTime.UtcNow - since > TimeSpan.FromMinutes(1))
            {
                _leaving.Remove(silo);
            }
        }

        return _leaving.Count > 0 || snapshot.Members.Values.Any(m => m.Status is SiloStatus.ShuttingDown or SiloStatus.Stopping);
    }

    // Counts a step that could not complete and rolls back to the last checkpoint (no barrier figures).
    private void FailStep(long number, string reason)
    {
        var lost = Math.Max(0, number - 1 - _lastCheckpoint);
        _stepsFailed++;
        _lostSteps += lost;
        _step = _lastCheckpoint;
        _previousMaxCompute = _previousStepSeconds = 0;
        _lastFailure = reason;
        Remember(new StepRecord(number, false, 0, 0, reason, WallSince(Stopwatch.GetTimestamp()), 0));
        if (_scenario is { } scenario)
        {
            Report(scenario, ok: false, 0, lost);
        }

        LogStepFailed(logger, number, reason, lost, _lastCheckpoint);
    }

    private async Task RunTickAsync(CancellationToken cancellationToken)
    {
        if (_pace.Mode == PaceMode.Max)
        {
            var sliceStart = Stopwatch.GetTimestamp();
            do
            {
                await RunStepAsync();
            }
            while (_state == JobState.Running && !cancellationToken.IsCancellationRequested
                   && Stopwatch.GetElapsedTime(sliceStart).TotalMilliseconds < _tuning.MaxPaceSliceMilliseconds);

            if (_state == JobState.Running)
            {
                _timer!.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan);
            }
        }
        else
        {
            if (ArmUntilDue())
            {
                return; // woken early by a wait cut into timer periods: not due yet
            }

            _scheduledSeconds += await RunStepAsync();
            if (_state == JobState.Running && !ArmUntilDue())
            {
                _timer!.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan);
            }
        }

        MaybeLogProgress();
        if (Stopwatch.GetElapsedTime(_savedAt).TotalSeconds >= 1 || _lastCheckpoint > record.State.LastCheckpoint)
        {
            await SaveAsync();
        }
    }

    // At realtime pace, sets the timer for the next step's scheduled time when it is still ahead (true), in periods
    // of at most an hour: a timer takes at most about 49 days, and a slow pace times a long step may ask for more.
    private bool ArmUntilDue()
    {
        var remaining = _scheduledSeconds / _pace.Speed - Stopwatch.GetElapsedTime(_scheduleOrigin).TotalSeconds;
        if (!(remaining > 0.001))
        {
            return false;
        }

        _timer!.Change(TimeSpan.FromSeconds(Math.Min(remaining, MaxTimerWaitSeconds)), Timeout.InfiniteTimeSpan);
        return true;
    }

    // Runs the next step down the barrier tree; returns its simulated duration.
    private async Task<double> RunStepAsync()
    {
        var scenario = _scenario!;
        var started = Stopwatch.GetTimestamp();
        var number = _step + 1;
        var every = scenario.Job.CheckpointEverySteps;
        var command = new StepCommand(_epoch, number, (number - 1) % every == 0, _previousMaxCompute, _previousStepSeconds);

        var siteTasks = new Task<BarrierSummary>[_sites.Length];
        for (var s = 0; s < _sites.Length; s++)
        {
            siteTasks[s] = _sites[s].RunStepAsync(command);
        }

        var linkTasks = new Task<LinkFigures>[_links.Length];
        for (var j = 0; j < _links.Length; j++)
        {
            linkTasks[j] = _links[j].GetFiguresAsync(number);
        }

        var summaries = await Task.WhenAll(siteTasks);
        var links = await Task.WhenAll(linkTasks);
        _grainCalls += _sites.Length + _links.Length + summaries.Sum(s => s.GrainCalls);

        var groups = new List<GroupStats>();
        var candidates = new List<StragglerCandidate>();
        var missed = 0;
        for (var s = 0; s < summaries.Length; s++)
        {
            foreach (var group in summaries[s].Groups)
            {
                var distribution = new ComputeDistribution();
                Barrier.Summaries.MergeInto(distribution, group);
                groups.Add(new GroupStats(s, scenario.Catalogue[group.Generation], distribution));
            }

            candidates.AddRange(summaries[s].Slowest.Select(n => new StragglerCandidate(n.Node, s, n.Generation, n.ComputeSeconds)));
            missed += summaries[s].Missed.Count;
            _siteStates[s] = summaries[s].States;
        }

        _linkFigures = links;
        var linkStates = links.Select(l => new LinkState(l.Link, l.Up, l.LatencySeconds, l.BandwidthBytesPerSecond, l.PacketLossRatio, l.NominalLatencySeconds, l.NominalBandwidthBytesPerSecond)).ToArray();
        var result = StepEvaluator.Evaluate(scenario, groups, linkStates, candidates);

        var timeout = scenario.Job.BarrierTimeoutSeconds;
        string? failure = missed > 0 ? $"{missed} node(s) missed the barrier"
            : result.Partitioned ? "partition: the links that are up do not join every site"
            : result.HealthyNodes == 0 ? "no node reached the barrier"
            : CollectiveWatchdog.TimesOut(result, timeout) ? $"{CollectiveWatchdog.Reason}: the all-reduce would take {AllReduceModel.CommSeconds(result.IntraSiteSeconds, result.InterSiteSeconds):G4} s, past the {timeout:G4} s barrier timeout"
            : null;
        if (failure is null)
        {
            _step = number;
            _stepsOk++;
            _simulatedSeconds += result.StepSeconds;
            if (number % every == 0)
            {
                _lastCheckpoint = number;
            }

            _last = result;
            _lastNumber = number;
            _progressAt = Stopwatch.GetTimestamp();
            _previousMaxCompute = result.MaxComputeSeconds;
            _previousStepSeconds = result.StepSeconds;
            Remember(new StepRecord(number, true, result.StepSeconds, result.HealthyNodes, null, WallSince(started), Stopwatch.GetElapsedTime(started).TotalSeconds));
            Report(scenario, ok: true, result.StepSeconds, lost: 0);
            return result.StepSeconds;
        }

        // The barrier or the collective timed out: the step is lost, and so is every step since the last checkpoint.
        var duration = timeout;
        _lastFailure = failure;
        var lost = number - 1 - _lastCheckpoint;
        _stepsFailed++;
        _lostSteps += lost;
        _simulatedSeconds += duration;
        _step = _lastCheckpoint;
        _previousMaxCompute = 0;
        _previousStepSeconds = 0;
        Remember(new StepRecord(number, false, duration, result.HealthyNodes, failure, WallSince(started), Stopwatch.GetElapsedTime(started).TotalSeconds));
        Report(scenario, ok: false, duration, lost);
        LogStepFailed(logger, number, failure, lost, _lastCheckpoint);
        return duration;
    }

    private double WallSince(long timestamp) => Stopwatch.GetElapsedTime(_runOrigin, timestamp).TotalSeconds;

    private void Remember(StepRecord record)
    {
        _history.Enqueue(record);
        while (_history.Count > _tuning.HistoryCapacity)
        {
            _history.Dequeue();
        }
    }

    private void MaybeLogProgress()
    {
        var elapsed = Stopwatch.GetElapsedTime(_logTimestamp).TotalSeconds;
        if (elapsed < _tuning.LogIntervalSeconds || _last is not { } r)
        {
            return;
        }

        var steps = _stepsOk + _stepsFailed;
        LogProgress(logger, _lastNumber, r.StepSeconds, r.StragglerTax, r.ClusterMfu, r.HealthyNodes, (steps - _logStep) / elapsed, _stepsFailed, _lostSteps);
        _logTimestamp = Stopwatch.GetTimestamp();
        _logStep = steps;
    }

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var saved = record.State;
        if (saved.Source is null)
        {
            return;
        }

        // Back after a silo's death or a graceful move: rebuild the run from the durable record.
        _source = saved.Source;
        _scenario = saved.Source.Preset is { } preset ? ScenarioPresets.Load(preset) : ScenarioLoader.Parse(saved.Source.Json!);
        _layout = new ClusterLayout(_scenario, _tuning.BlockSize);
        _epoch = saved.Epoch;
        _pace = saved.Pace;
        _step = saved.Step;
        _lastCheckpoint = saved.LastCheckpoint;
        _stepsOk = saved.StepsOk;
        _stepsFailed = saved.StepsFailed;
        _lostSteps = saved.LostSteps;
        _simulatedSeconds = saved.SimulatedSeconds;
        _runOrigin = Stopwatch.GetTimestamp();
        _state = saved.State == JobState.Idle ? JobState.Stopped : saved.State;
        if (_state is JobState.Running or JobState.Paused)
        {
            if (!saved.Clean)
            {
                FailStep(_step + 1, "the job's silo was lost: resumed from the last checkpoint");
            }

            _treeReady = false; // laid out by the first tick, once no silo is on its way out
            LogRecovered(logger, _scenario.Name, _step, saved.Clean);
            if (_state == JobState.Running)
            {
                Run();
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
        if (_source is not null && !(reason.ReasonCode == DeactivationReasonCode.ShuttingDown && SimulationStorage.IsInMemory(ServiceProvider)))
        {
            await SaveAsync(clean: true);
        }
    }

    private async Task SaveAsync(bool clean = false)
    {
        var r = record.State;
        r.Source = _source;
        r.Epoch = _epoch;
        r.State = _state;
        r.Pace = _pace;
        r.Step = _step;
        r.LastCheckpoint = _lastCheckpoint;
        r.StepsOk = _stepsOk;
        r.StepsFailed = _stepsFailed;
        r.LostSteps = _lostSteps;
        r.SimulatedSeconds = _simulatedSeconds;
        r.Clean = clean;
        await record.WriteStateAsync();
        _savedAt = Stopwatch.GetTimestamp();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "silo {Silo} is draining: stepping waits until it has left")]
    private static partial void LogDraining(ILogger logger, string silo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "job recovered on this silo: scenario {Scenario} at step {Step} (clean hand-over: {Clean})")]
    private static partial void LogRecovered(ILogger logger, string scenario, long step, bool clean);

    [LoggerMessage(Level = LogLevel.Warning, Message = "step {Step} could not run, retrying in 1 s: {Reason}")]
    private static partial void LogTickFailed(ILogger logger, long step, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "loaded scenario {Scenario}: {Nodes} nodes, {Gpus} GPUs, {Blocks} blocks")]
    private static partial void LogLoaded(ILogger logger, string scenario, int nodes, long gpus, int blocks);

    [LoggerMessage(Level = LogLevel.Information, Message = "step {Step}: T_step {StepSeconds:F3} s, straggler tax {Tax:P1}, cluster MFU {Mfu:P1}, {Healthy} nodes at the barrier; {Rate:F1} steps/s, {Failed} failed, {Lost} lost")]
    private static partial void LogProgress(ILogger logger, long step, double stepSeconds, double tax, double mfu, int healthy, double rate, long failed, long lost);

    [LoggerMessage(Level = LogLevel.Warning, Message = "step {Step} failed ({Reason}): {Lost} steps lost, rolled back to checkpoint {Checkpoint}")]
    private static partial void LogStepFailed(ILogger logger, long step, string reason, long lost, long checkpoint);
}
