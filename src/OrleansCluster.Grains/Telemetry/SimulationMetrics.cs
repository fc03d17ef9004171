using System.Numerics;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Telemetry;

/// <summary>
/// The simulation's series: the job reports each step here and the fault registry its counts, and the host writes
/// them from those snapshots at each scrape (<see cref="Families"/>). Every series carries <c>scenario</c>; tags are in
/// a fixed order and bounded by sites x generations x links of the scenario that runs. They are not OpenTelemetry
/// instruments: the SDK keeps a slot for every label set an instrument has ever reported (the Prometheus exporter's
/// cumulative temporality never frees one) and folds those past its limit (2,000 per instrument) into one series
/// labelled <c>otel_metric_overflow="true"</c>. Found by probing: with <c>scenario</c> in every label set,
/// <c>gpusim_nodes</c> overflowed after about 175 scenarios of different names, the fault series after 225, and one
/// scenario of 9,730 links left every later scenario's links in the overflow series (which reads 0 while a fault is in
/// force) until the silo restarted. Written from the snapshots, the page holds the running scenario's series alone.
/// </summary>
public sealed class SimulationMetrics
{
    private static readonly JobState[] JobStates = [JobState.Idle, JobState.Running, JobState.Paused, JobState.Stopped];

    private readonly Lock _stepsGate = new();
    private StepSeries? _steps; // the job's scenario on this silo: null before its first step here, and after it leaves
    private volatile StepSnapshot? _step;
    private volatile FaultSnapshot? _faults;
    private volatile NowSnapshot? _now;

    /// <summary>A series' labels (in their order) and value.</summary>
    public sealed record Sample(IReadOnlyList<KeyValuePair<string, string>> Labels, double Value);

    /// <summary>A metric family: its name as printed in the Prometheus text format, type (gauge, counter), help and series.</summary>
    public sealed record Family(string Name, string Type, string Help, IReadOnlyList<Sample> Samples);

    /// <summary>
    /// The simulation's gauges and counters as of now (the step histogram is <see cref="StepDurations"/>), each family
    /// in a fixed order, every one of them present, without series where there is nothing to show. A scenario of more
    /// than <paramref name="maxSites"/> sites has the rest folded into <c>site="other"</c> (<see cref="SiteFold"/>):
    /// <c>gpusim_nodes</c> adds their counts, and a link with a folded end is read into one link <c>other</c>, the worst
    /// of them (the highest latency and loss, the lowest bandwidth, down where any is).
    /// </summary>
    public IReadOnlyList<Family> Families(int maxSites = int.MaxValue)
    {
        var step = _step;
        var faults = _faults;
        var steps = StepDurations();
        var fold = step is null ? SiteFold.None : SiteFold.Of(step.Sites, maxSites);
        return
        [
            Counter("gpusim_steps_total", "Steps finished, by outcome (ok, failed).", steps is null ? [] : [S(steps.Ok, steps.Scenario, ("outcome", "ok")), S(steps.Failed, steps.Scenario, ("outcome", "failed"))]),
            Counter("gpusim_lost_steps_total", "Steps rolled back after failures.", steps is null ? [] : [S(steps.Lost, steps.Scenario)]),
            Gauge("gpusim_step_number", "The job's current step.", Single(step, s => s.Number)),
            Gauge("gpusim_allreduce_seconds", "max_s T_s (intra_site) and T_x (inter_site) of the last step, seconds.", ObserveAllReduce(step)),
            Gauge("gpusim_step_time_breakdown_seconds", "T_step of the last step split into parts that sum to it (compute, straggler_wait, intra_site, inter_site_bandwidth, inter_site_latency), seconds.", ObserveBreakdown(step)),
            Gauge("gpusim_tokens_per_second", "Tokens trained per second of the last step (0 in direct mode, while the job's last step failed, and while it is paused or stopped).", Single(step, s => Rate(s, s.Result?.TokensPerSecond))),
            Gauge("gpusim_useful_flops_per_second", "Model FLOPs of the GPUs at the barrier per second of the last step (0 while the job's last step failed, and while it is paused or stopped).", Single(step, s => Rate(s, s.Result?.UsefulFlopsPerSecond))),
            Gauge("gpusim_straggler_tax_ratio", "(max t - median t) / T_step of the last step.", Single(step, s => s.Result?.StragglerTax)),
            Gauge("gpusim_cluster_mfu_ratio", "Cluster model-FLOPs utilisation of the last step (0 while the job's last step failed, and while it is paused or stopped).", Single(step, s => Rate(s, s.Result?.ClusterMfu))),
            Gauge("gpusim_job_state", "1 for the job's state now (idle, running, paused, stopped), 0 for the others.", ObserveJobState(step)),
            Gauge("gpusim_stragglers", "Stragglers at the last step, by kind (node, link).", ObserveStragglers(step)),
            Gauge("gpusim_nodes", "Nodes by site, generation and state (healthy, degraded, down).", ObserveNodes(step, fold)),
            Gauge("gpusim_link_latency_seconds", "Current L_j, seconds.", ObserveLinks(step, fold, l => l.LatencySeconds, Math.Max)),
            Gauge("gpusim_link_bandwidth_bytes_per_second", "Current effective C_j, bytes per second.", ObserveLinks(step, fold, l => l.BandwidthBytesPerSecond, Math.Min)),
            Gauge("gpusim_link_packet_loss_ratio", "Packet loss on the link.", ObserveLinks(step, fold, l => l.PacketLossRatio, Math.Max)),
            Gauge("gpusim_link_up", "1 while the link is up, 0 while partitioned.", ObserveLinks(step, fold, l => l.Up ? 1 : 0, Math.Min)),
            Gauge("gpusim_faults_active", "Faults in force, by kind.", ObserveFaults(faults, c => c.Active)),
            Counter("gpusim_faults_injected_total", "Faults injected, by kind.", ObserveFaults(faults, c => c.Injected)),
            Counter("gpusim_failures_total", "Background failures (docs/failures.md), by cause: a fixed set per scenario.", ObserveFailures(faults)),
            Gauge("gpusim_ettr_ratio", "Effective training time ratio: productive over elapsed simulated time, lost steps unproductive.", Single(step, s => s.Time?.Ettr)),
            Gauge("gpusim_since_checkpoint_seconds", "Simulated seconds of work since the last checkpoint (lost if a step fails now).", Single(step, s => s.Time?.SinceCheckpointSeconds)),
        ];

        static Family Gauge(string name, string help, IEnumerable<Sample> samples) => new(name, "gauge", help, samples.ToArray());
        static Family Counter(string name, string help, IEnumerable<Sample> samples) => new(name, "counter", help, samples.ToArray());
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

        /// <summary>The last step evaluated, completed or failed (a partition's failed steps name their link): the stragglers' source.</summary>
        public StepResult? Evaluated { get; init; }

        /// <summary>
        /// Whether the job's last step failed (missed the barrier, or lost its calls) and rolled back: the rates read 0
        /// until a step completes, whatever <see cref="Result"/> (the last completed step's) says. Set from the outcome
        /// <see cref="ReportStep"/> is given.
        /// </summary>
        public bool Failed { get; init; }
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

    /// <summary>The job's state and links as last read before a scrape, or null (not read on this silo, or unreadable).</summary>
    public NowSnapshot? LastNow => _now;

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

        _step = snapshot.Failed == !ok ? snapshot : snapshot with { Failed = !ok };
    }

    /// <summary>
    /// Records a run before its next step: a new run (a load, a stopped job started over), its scenario at step 0 with
    /// no step's figures; or the job activated on this silo (a failover, a restart), at its recorded step. Found by
    /// probing: a run paused or stopped before its first step left the previous run's figures on the page (its
    /// scenario, step and tokens per second while the job was paused) and no job state at all, as only a finished step
    /// replaced them; and a paused job back on another silo after its own died had no series there until a resume and
    /// a step. Another scenario's step counts begin from 0 now, as at its first step.
    /// </summary>
    public void ReportRun(StepSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        lock (_stepsGate)
        {
            if (_steps?.Scenario != snapshot.Scenario)
            {
                _steps = new StepSeries(snapshot.Scenario);
            }
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

    /// <summary>The step counts and T_step histogram of the scenario the job runs here, as of now; null when none.</summary>
    public StepSeries? StepDurations()
    {
        lock (_stepsGate)
        {
            return _steps?.Copy();
        }
    }

    private static Sample S(double value, string scenario, params (string Name, string Value)[] labels) =>
        new([new("scenario", scenario), .. labels.Select(l => new KeyValuePair<string, string>(l.Name, l.Value))], value);

    private static IEnumerable<Sample> Single(StepSnapshot? s, Func<StepSnapshot, double?> value) =>
        s is not null && value(s) is { } v ? [S(v, s.Scenario)] : [];

    // The job's figures now, where they are of the step's scenario.
    private NowSnapshot? Now(StepSnapshot s) => _now is { } now && now.Scenario == s.Scenario ? now : null;

    // A rate of the last step while the job runs and steps; 0 while its last step failed (the work since the checkpoint
    // is lost: found by probing, a partition that failed every step went on reading the last completed step's tokens
    // per second and MFU, a healthy throughput for a job getting nowhere), and while it is paused or stopped, which
    // trains nothing (docs/telemetry.md). A failed step reads 0 even before any step completed, rather than no series,
    // and so does a paused or stopped job whose last step this silo never saw (a job back here after a failover).
    private double? Rate(StepSnapshot s, double? value) =>
        s.Failed || Now(s) is { State: not JobState.Running } ? 0 : value;

    private IEnumerable<Sample> ObserveJobState(StepSnapshot? s)
    {
        if (s is null || Now(s) is not { } now)
        {
            yield break;
        }

        foreach (var state in JobStates)
        {
            yield return S(state == now.State ? 1 : 0, s.Scenario, ("state", state.ToString().ToLowerInvariant()));
        }
    }

    private static IEnumerable<Sample> ObserveAllReduce(StepSnapshot? s)
    {
        if (s is not { Result: { } r })
        {
            yield break;
        }

        yield return S(r.IntraSiteSeconds, s.Scenario, ("phase", "intra_site"));
        yield return S(r.InterSiteSeconds, s.Scenario, ("phase", "inter_site"));
    }

    private static IEnumerable<Sample> ObserveBreakdown(StepSnapshot? s)
    {
        if (s is not { Result: { } r })
        {
            yield break;
        }

        var values = r.Breakdown.Values();
        for (var i = 0; i < values.Length; i++)
        {
            yield return S(values[i], s.Scenario, ("part", StepBreakdown.Parts[i]));
        }
    }

    private static IEnumerable<Sample> ObserveStragglers(StepSnapshot? s)
    {
        if (s is null || (s.Evaluated ?? s.Result) is not { } r)
        {
            yield break;
        }

        yield return S(r.NodeStragglerCount, s.Scenario, ("kind", "node"));
        yield return S(r.LinkStragglerCount, s.Scenario, ("kind", "link"));
    }

    // Each (site, generation)'s counts, the folded sites' added into (other, generation), in the sites' order.
    private static IEnumerable<Sample> ObserveNodes(StepSnapshot? s, SiteFold fold)
    {
        if (s is null)
        {
            yield break;
        }

        var counts = new Dictionary<(string Site, string Generation), (long Healthy, long Degraded, long Down)>();
        var order = new List<(string Site, string Generation)>();
        for (var i = 0; i < s.Sites.Count && i < s.States.Count; i++)
        {
            foreach (var c in s.States[i])
            {
                var key = (fold.Label(s.Sites[i]), c.Generation);
                if (!counts.TryGetValue(key, out var sum))
                {
                    order.Add(key);
                }

                counts[key] = (sum.Healthy + c.Healthy, sum.Degraded + c.Degraded, sum.Down + c.Down);
            }
        }

        foreach (var (site, generation) in order)
        {
            var (healthy, degraded, down) = counts[(site, generation)];
            yield return S(healthy, s.Scenario, ("site", site), ("generation", generation), ("state", "healthy"));
            yield return S(degraded, s.Scenario, ("site", site), ("generation", generation), ("state", "degraded"));
            yield return S(down, s.Scenario, ("site", site), ("generation", generation), ("state", "down"));
        }
    }

    // Every link between two sites written (a full mesh of 140 sites, none folded, writes 9,730 series per family:
    // docs/telemetry.md); the links with a folded end as one link "other", the worst of them by worst.
    private IEnumerable<Sample> ObserveLinks(StepSnapshot? s, SiteFold fold, Func<LinkStatus, double> value, Func<double, double, double> worst)
    {
        if (s is null)
        {
            yield break;
        }

        double? other = null;
        foreach (var link in Now(s)?.Links ?? s.Links)
        {
            if (!fold.Keeps(link.From) || !fold.Keeps(link.To))
            {
                other = other is { } o ? worst(o, value(link)) : value(link);
                continue;
            }

            yield return S(value(link), s.Scenario, ("link", link.Id), ("from", link.From), ("to", link.To));
        }

        if (other is { } v)
        {
            yield return S(v, s.Scenario, ("link", SiteFold.Other), ("from", SiteFold.Other), ("to", SiteFold.Other));
        }
    }

    private static IEnumerable<Sample> ObserveFaults<T>(FaultSnapshot? f, Func<FaultCounts, IReadOnlyDictionary<string, T>> counts)
        where T : INumber<T> =>
        f is null ? [] : counts(f.Counts).Select(p => S(double.CreateChecked(p.Value), f.Scenario, ("kind", p.Key)));

    private static IEnumerable<Sample> ObserveFailures(FaultSnapshot? f) =>
        f is { Counts.FailuresByCause: { } causes } ? causes.Select(p => S(p.Value, f.Scenario, ("cause", p.Key))) : [];
}
