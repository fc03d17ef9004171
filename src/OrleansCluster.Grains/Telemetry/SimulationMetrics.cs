using System.Diagnostics;
using System.Diagnostics.Metrics;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Telemetry;

/// <summary>
/// The simulation's instruments (meter <see cref="MeterName"/>), created once. The job grain reports each
/// step here and the fault registry its counts; the gauges read those snapshots when scraped. Every series
/// carries <c>scenario</c>; tags are in a fixed order and bounded by sites x generations x links. The top-K straggler
/// series (one per node, K = <c>stragglers.topK</c>) are not an instrument: the SDK keeps a slot for every node that has
/// ever been among them and folds those past its cardinality limit (2,000) into an overflow series, so after a while
/// the current top-K went missing; the host writes them from <see cref="LastStep"/> instead.
/// </summary>
public sealed class SimulationMetrics : IDisposable
{
    public const string MeterName = "OrleansCluster.Simulation";

    private static readonly JobState[] JobStates = [JobState.Idle, JobState.Running, JobState.Paused, JobState.Stopped];

    private readonly Meter _meter;
    private readonly Lock _stepsGate = new();
    private StepSeries? _steps; // the job's scenario on this silo: null before its first step here, and after it leaves
    private volatile StepSnapshot? _step;
    private volatile FaultSnapshot? _faults;
    private volatile NowSnapshot? _now;

    public SimulationMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _meter = meters.Create(MeterName);
        // Observed, not added to: the SDK exports a counter's series for every label set it has seen, one per scenario
        // name ever run; observed, only the scenario that runs. gpusim_step_duration_seconds, a histogram (which .NET
        // cannot observe), is written by the host from StepDurations.
        _meter.CreateObservableCounter("gpusim_steps_total", ObserveSteps, description: "Steps finished, by outcome (ok, failed).");
        _meter.CreateObservableCounter("gpusim_lost_steps_total", () => ObserveStepSeries(s => s.Lost), description: "Steps rolled back after failures.");

        _meter.CreateObservableGauge("gpusim_step_number", () => Single(_step, s => s.Number), description: "The job's current step.");
        _meter.CreateObservableGauge("gpusim_allreduce_seconds", ObserveAllReduce, description: "max_s T_s (intra_site) and T_x (inter_site) of the last step, seconds.");
        _meter.CreateObservableGauge("gpusim_step_time_breakdown_seconds", ObserveBreakdown, description: "T_step of the last step split into parts that sum to it (compute, straggler_wait, intra_site, inter_site_bandwidth, inter_site_latency), seconds.");
        _meter.CreateObservableGauge("gpusim_tokens_per_second", () => Single(_step, s => Rate(s, s.Result?.TokensPerSecond)), description: "Tokens trained per second of the last step (0 in direct mode, and while the job is paused or stopped).");
        _meter.CreateObservableGauge("gpusim_useful_flops_per_second", () => Single(_step, s => Rate(s, s.Result?.UsefulFlopsPerSecond)), description: "Model FLOPs of the GPUs at the barrier per second of the last step (0 while the job is paused or stopped).");
        _meter.CreateObservableGauge("gpusim_straggler_tax_ratio", () => Single(_step, s => s.Result?.StragglerTax), description: "(max t - median t) / T_step of the last step.");
        _meter.CreateObservableGauge("gpusim_cluster_mfu_ratio", () => Single(_step, s => Rate(s, s.Result?.ClusterMfu)), description: "Cluster model-FLOPs utilisation of the last step (0 while the job is paused or stopped).");
        _meter.CreateObservableGauge("gpusim_job_state", ObserveJobState, description: "1 for the job's state now (idle, running, paused, stopped), 0 for the others.");
        _meter.CreateObservableGauge("gpusim_stragglers", ObserveStragglers, description: "Stragglers at the last step, by kind (node, link).");
        _meter.CreateObservableGauge("gpusim_nodes", ObserveNodes, description: "Nodes by site, generation and state (healthy, degraded, down).");
        _meter.CreateObservableGauge("gpusim_link_latency_seconds", () => ObserveLinks(l => l.LatencySeconds), description: "Current L_j, seconds.");
        _meter.CreateObservableGauge("gpusim_link_bandwidth_bytes_per_second", () => ObserveLinks(l => l.BandwidthBytesPerSecond), description: "Current effective C_j, bytes per second.");
        _meter.CreateObservableGauge("gpusim_link_packet_loss_ratio", () => ObserveLinks(l => l.PacketLossRatio), description: "Packet loss on the link.");
        _meter.CreateObservableGauge("gpusim_link_up", () => ObserveLinks(l => l.Up ? 1 : 0), description: "1 while the link is up, 0 while partitioned.");
        _meter.CreateObservableGauge("gpusim_faults_active", () => ObserveFaults(f => f.Active), description: "Faults in force, by kind.");
        _meter.CreateObservableCounter("gpusim_faults_injected_total", () => ObserveFaults(f => f.Injected), description: "Faults injected, by kind.");
        _meter.CreateObservableCounter("gpusim_failures_total", ObserveFailures, description: "Background failures (DESIGN.md 7.6), by cause: a fixed set per scenario.");
        _meter.CreateObservableGauge("gpusim_ettr_ratio", () => Single(_step, s => s.Time?.Ettr), description: "Effective training time ratio: productive over elapsed simulated time, lost steps unproductive.");
        _meter.CreateObservableGauge("gpusim_since_checkpoint_seconds", () => Single(_step, s => s.Time?.SinceCheckpointSeconds), description: "Simulated seconds of work since the last checkpoint (lost if a step fails now).");
    }

    /// <summary>What the job knows after a step: its figures, node counts, links.</summary>
    public sealed record StepSnapshot(
        string Scenario,
        long Number,
        StepResult? Result,
        IReadOnlyList<string> Sites,
        IReadOnlyList<IReadOnlyList<NodeCounts>> States,
        IReadOnlyList<LinkStatus> Links)
    {
        /// <summary>Where the run's simulated time went, for ETTR and the time since the last checkpoint.</summary>
        public Model.Failures.TrainingTime? Time { get; init; }
    }

    /// <summary>What the job reported after its last step on this silo, or null (no step yet, or the job is elsewhere).</summary>
    public StepSnapshot? LastStep => _step;

    /// <summary>
    /// What the job is now, between its steps: its state, and its links under the faults in force now (the host reads
    /// both before a scrape, as the job reports only at a step, which a paused or stopped job never takes).
    /// </summary>
    public sealed record NowSnapshot(string Scenario, JobState State, IReadOnlyList<LinkStatus> Links);

    /// <summary>Records the job's state and links now; null when they could not be read (the last step's figures stand).</summary>
    public void ReportNow(NowSnapshot? snapshot) => _now = snapshot;

    /// <summary>The registry's counts.</summary>
    public sealed record FaultSnapshot(string Scenario, FaultCounts Counts);

    /// <summary>Records a finished step (ok or failed) and what the gauges show until the next.</summary>
    public void ReportStep(StepSnapshot snapshot, bool ok, double durationSeconds, long lostSteps)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        lock (_stepsGate)
        {
            // Both outcomes and the lost-step counter exist from the first step, so rates and alerts over them read 0
            // rather than no data. Another scenario begins its series from 0 (a counter reset to Prometheus).
            if (_steps?.Scenario != snapshot.Scenario)
            {
                _steps = new StepSeries(snapshot.Scenario);
            }

            _steps.Add(ok, durationSeconds, lostSteps);
        }

        _step = snapshot;
    }

    /// <summary>Updates the fault gauges.</summary>
    public void ReportFaults(FaultSnapshot snapshot) => _faults = snapshot;

    /// <summary>The fault gauges' last snapshot: null until the registry reports on this silo, and after it leaves.</summary>
    public FaultSnapshot? LastFaults => _faults;

    /// <summary>
    /// Takes the job's figures off this silo's page, as the job leaves it: found by probing, a silo the job (or the
    /// registry, <see cref="FaultsLeft"/>) had left went on exporting its last figures, and the dashboards' max across
    /// silos showed five faults in force where one was.
    /// </summary>
    public void StepLeft()
    {
        _step = null;
        _now = null;
        lock (_stepsGate)
        {
            _steps = null;
        }

    }

    /// <summary>Takes the fault gauges off this silo's page, as the registry leaves it.</summary>
    public void FaultsLeft() => _faults = null;

    public void Dispose() => _meter.Dispose();

    /// <summary>The step counts and T_step histogram of the scenario the job runs here, as of now; null when none.</summary>
    public StepSeries? StepDurations()
    {
        lock (_stepsGate)
        {
            return _steps?.Copy();
        }
    }

    private IEnumerable<Measurement<long>> ObserveSteps()
    {
        if (StepDurations() is not { } s)
        {
            yield break;
        }

        yield return new(s.Ok, new KeyValuePair<string, object?>("scenario", s.Scenario), new KeyValuePair<string, object?>("outcome", "ok"));
        yield return new(s.Failed, new KeyValuePair<string, object?>("scenario", s.Scenario), new KeyValuePair<string, object?>("outcome", "failed"));
    }

    private IEnumerable<Measurement<long>> ObserveStepSeries(Func<StepSeries, long> value)
    {
        if (StepDurations() is { } s)
        {
            yield return new(value(s), new KeyValuePair<string, object?>("scenario", s.Scenario));
        }
    }

    private static Measurement<double>[] Single(StepSnapshot? s, Func<StepSnapshot, double?> value) =>
        s is not null && value(s) is { } v ? [new Measurement<double>(v, new KeyValuePair<string, object?>("scenario", s.Scenario))] : [];

    // The job's figures now, where they are of the step's scenario.
    private NowSnapshot? Now(StepSnapshot s) => _now is { } now && now.Scenario == s.Scenario ? now : null;

    // A rate of the last step while the job runs; 0 while it is paused or stopped, which trains nothing (docs/telemetry.md).
    private double? Rate(StepSnapshot s, double? value) => value is not null && Now(s) is { State: not JobState.Running } ? 0 : value;

    private IEnumerable<Measurement<long>> ObserveJobState()
    {
        if (_step is not { } s || Now(s) is not { } now)
        {
            yield break;
        }

        foreach (var state in JobStates)
        {
            yield return new(state == now.State ? 1 : 0, new TagList { { "scenario", s.Scenario }, { "state", state.ToString().ToLowerInvariant() } });
        }
    }

    private IEnumerable<Measurement<double>> ObserveAllReduce()
    {
        if (_step is not { Result: { } r } s)
        {
            yield break;
        }

        yield return new(r.IntraSiteSeconds, new TagList { { "scenario", s.Scenario }, { "phase", "intra_site" } });
        yield return new(r.InterSiteSeconds, new TagList { { "scenario", s.Scenario }, { "phase", "inter_site" } });
    }

    private IEnumerable<Measurement<double>> ObserveBreakdown()
    {
        if (_step is not { Result: { } r } s)
        {
            yield break;
        }

        var values = r.Breakdown.Values();
        for (var i = 0; i < values.Length; i++)
        {
            yield return new(values[i], new TagList { { "scenario", s.Scenario }, { "part", StepBreakdown.Parts[i] } });
        }
    }

    private IEnumerable<Measurement<long>> ObserveStragglers()
    {
        if (_step is not { Result: { } r } s)
        {
            yield break;
        }

        yield return new(r.NodeStragglerCount, new TagList { { "scenario", s.Scenario }, { "kind", "node" } });
        yield return new(r.LinkStragglerCount, new TagList { { "scenario", s.Scenario }, { "kind", "link" } });
    }

    private IEnumerable<Measurement<long>> ObserveNodes()
    {
        if (_step is not { } s)
        {
            yield break;
        }

        for (var i = 0; i < s.Sites.Count && i < s.States.Count; i++)
        {
            foreach (var counts in s.States[i])
            {
                yield return new(counts.Healthy, new TagList { { "scenario", s.Scenario }, { "site", s.Sites[i] }, { "generation", counts.Generation }, { "state", "healthy" } });
                yield return new(counts.Degraded, new TagList { { "scenario", s.Scenario }, { "site", s.Sites[i] }, { "generation", counts.Generation }, { "state", "degraded" } });
                yield return new(counts.Down, new TagList { { "scenario", s.Scenario }, { "site", s.Sites[i] }, { "generation", counts.Generation }, { "state", "down" } });
            }
        }
    }

    private IEnumerable<Measurement<double>> ObserveLinks(Func<LinkStatus, double> value)
    {
        if (_step is not { } s)
        {
            yield break;
        }

        foreach (var link in Now(s)?.Links ?? s.Links)
        {
            yield return new(value(link), new TagList { { "scenario", s.Scenario }, { "link", link.Id }, { "from", link.From }, { "to", link.To } });
        }
    }

    private IEnumerable<Measurement<long>> ObserveFaults(Func<FaultCounts, IEnumerable<KeyValuePair<string, long>>> counts)
    {
        if (_faults is not { } f)
        {
            yield break;
        }

        foreach (var (kind, value) in counts(f.Counts))
        {
            yield return new(value, new TagList { { "scenario", f.Scenario }, { "kind", kind } });
        }
    }

    private IEnumerable<Measurement<long>> ObserveFailures()
    {
        if (_faults is not { Counts.FailuresByCause: { } causes } f)
        {
            yield break;
        }

        foreach (var (cause, value) in causes)
        {
            yield return new(value, new TagList { { "scenario", f.Scenario }, { "cause", cause } });
        }
    }

    private IEnumerable<Measurement<long>> ObserveFaults(Func<FaultCounts, IReadOnlyDictionary<string, int>> counts) =>
        ObserveFaults(c => counts(c).Select(p => new KeyValuePair<string, long>(p.Key, p.Value)));
}
