using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Telemetry;
using OrleansCluster.Model.Failures;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Job;

/// <summary>The one seam between the model's step figures and the records the job answers with.</summary>
internal static class JobFigures
{
    /// <summary>What <c>/api/cluster</c> shows: the scenario's sites and links as the tree last answered, the job, its last step.</summary>
    public static ClusterStatus Cluster(Scenario? scenario, TreeFigures tree, JobStatus job, (StepResult Result, long Number)? last) =>
        scenario is null
            ? new ClusterStatus(string.Empty, [], [], job, null)
            : new ClusterStatus(
                scenario.Name,
                scenario.Sites.Select((site, s) => new SiteStatus(site.Name, site.NodeCount, site.GpuCount, tree.Site(s, site))).ToArray(),
                Links(scenario, tree.Links),
                job,
                last is { } l ? LastStep(l.Result, l.Number, job.LastStepFailed) : null);

    /// <summary>
    /// The job's state, pace, counters and host; its progress while it runs and its reliability once a scenario is
    /// loaded (<paramref name="stallSeconds"/> the wall-clock floor of the stall bound); <paramref name="unwritten"/>
    /// while its record's writes fail; <paramref name="registryOff"/> while the fault registry is not on the layout (the job
    /// waits for it).
    /// </summary>
    public static JobStatus Status(JobRun run, TreeFigures tree, Scenario? scenario, string host, double stallSeconds, UnwrittenRecord? unwritten, RegistryOffLayout? registryOff)
    {
        var job = run.Record;
        return new(job.State, job.Pace, job.Step, job.LastCheckpoint, job.StepsOk, job.StepsFailed, job.LostSteps, tree.EvictedNodes,
            job.SimulatedSeconds, tree.GrainCalls, job.Epoch, host,
            job.State == JobState.Running && scenario is not null ? run.Progress(job.Pace, scenario.Job.BarrierTimeoutSeconds, stallSeconds) : null,
            scenario is not null ? Reliability(scenario, job, run.Time) : null, tree.Wall, unwritten, run.Recent(1) is [{ Ok: false }],
            job.State is JobState.Running or JobState.Paused ? registryOff : null);
    }

    /// <summary>
    /// What the metrics read after a step, or before one (a new run, a job back on a new silo): each site's node counts
    /// as <c>/api/cluster</c> has them, before the tree's first step answered all healthy but the nodes the job knows
    /// are evicted (<see cref="TreeFigures.BeforeStep"/>; found by probing: a paused job back after its silo died
    /// exported no <c>gpusim_nodes</c> until a resume and a step).
    /// </summary>
    public static SimulationMetrics.StepSnapshot Snapshot(Scenario scenario, JobRun run, TreeFigures tree) =>
        new(scenario.Name, run.Record.Step, run.Last?.Result, scenario.Sites.Select(s => s.Name).ToArray(),
            scenario.Sites.Select((site, s) => tree.Site(s, site)).ToArray(), Links(scenario, tree.Links)) { Time = run.Time, Evaluated = run.Evaluated?.Result };

    /// <summary>
    /// ETTR, MTBF at the configured rates, Young-Daly beside the configured interval (checkpointEverySteps times the
    /// mean step still standing), the simulated seconds since the last checkpoint and the failures drawn.
    /// </summary>
    public static ReliabilityStatus Reliability(Scenario scenario, JobRecord record, TrainingTime time)
    {
        double? mtbf = scenario.Failures?.MtbfSeconds(scenario) is { } m && double.IsFinite(m) ? m : null;
        double? interval = record.Step > 0 ? scenario.Job.CheckpointEverySteps * record.ProductiveSeconds / record.Step : null;
        double? youngDaly = mtbf is { } f ? TrainingTime.YoungDalySeconds(scenario.Job.CheckpointSeconds, f) : null;
        return new ReliabilityStatus(time.Ettr, time.ProductiveSeconds, mtbf, youngDaly, interval, time.SinceCheckpointSeconds, record.Failures, record.FailuresDropped);
    }

    /// <summary>
    /// The last completed step's figures for <c>/api/cluster</c>; its rates 0 where a step has <paramref name="failedSince"/>
    /// (as the gauges read them: found by probing, a partition that failed every step read the last completed step's
    /// tokens per second, a healthy throughput for a job getting nowhere).
    /// </summary>
    public static LastStepFigures LastStep(StepResult r, long number, bool failedSince = false) =>
        new(number, r.StepSeconds, r.MaxComputeSeconds, r.MedianComputeSeconds, r.IntraSiteSeconds, r.InterSiteSeconds, r.StragglerTax,
            failedSince ? 0 : r.ClusterMfu, Breakdown(r.Breakdown), failedSince ? 0 : r.TokensPerSecond, failedSince ? 0 : r.UsefulFlopsPerSecond);

    /// <summary>
    /// The straggler report of a step: the <paramref name="top"/> slowest nodes, the links, by site and by generation;
    /// <paramref name="failure"/> why it failed, if it did.
    /// </summary>
    public static StragglerReport Stragglers(StepResult r, long number, int top, string? failure = null) =>
        new(
            number,
            r.Stragglers.Take(Math.Max(0, top)).Select(s => new NodeStragglerFigures(s.Node, s.Site, s.Generation, s.ComputeSeconds, s.Slowdown)).ToArray(),
            r.Links.Select(Link).ToArray(),
            r.BySite.Select(Group).ToArray(),
            r.ByGeneration.Select(Group).ToArray(),
            Breakdown(r.Breakdown),
            failure);

    /// <summary>Each link's nominal and current figures (the current bandwidth window-limited as the model has it).</summary>
    public static LinkStatus[] Links(Scenario scenario, IReadOnlyList<LinkState> current) =>
        scenario.Links.Select((link, j) =>
        {
            LinkState? figures = current.Count > j ? current[j] : null;
            return new LinkStatus(
                link.Id,
                link.From,
                link.To,
                figures?.Up ?? true,
                link.NominalLatencySeconds,
                figures?.LatencySeconds ?? link.NominalLatencySeconds,
                link.BandwidthBytesPerSecond,
                LinkModel.WindowLimitedBandwidth(
                    figures?.BandwidthBytesPerSecond ?? link.BandwidthBytesPerSecond,
                    figures?.LatencySeconds ?? link.NominalLatencySeconds,
                    link.MaxInFlightBytes),
                figures?.PacketLossRatio ?? 0);
        }).ToArray();

    /// <summary>A site's nodes by generation, all healthy (before its first step).</summary>
    public static NodeCounts[] AllHealthy(SiteSpec site) =>
        site.Nodes.GroupBy(n => n.Generation.Name, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new NodeCounts(g.Key, g.Sum(n => n.Count), 0, 0))
            .ToArray();

    /// <summary>A step's time split into its parts.</summary>
    public static StepBreakdownFigures Breakdown(StepBreakdown b) =>
        new(b.ComputeSeconds, b.StragglerWaitSeconds, b.IntraSiteSeconds, b.InterSiteBandwidthSeconds, b.InterSiteLatencySeconds);

    // A down link carries nothing and stretches the phase without bound (or is routed around): bandwidth 0, no stretch.
    private static LinkStragglerFigures Link(LinkReport l) => l.Up
        ? new(l.Link, l.LatencySeconds, l.BandwidthBytesPerSecond, l.Stretch, l.IsStraggler)
        : new(l.Link, l.LatencySeconds, 0, null, l.IsStraggler, Up: false);

    private static GroupFigures Group(GroupReport g) => new(g.Name, g.Nodes, g.Stragglers, g.MeanComputeSeconds, g.MaxComputeSeconds, g.MaxSlowdown);
}
