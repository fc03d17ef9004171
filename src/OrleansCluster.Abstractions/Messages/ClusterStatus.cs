using System.Text.Json.Serialization;

namespace OrleansCluster.Abstractions.Messages;

/// <summary>What <c>GET /api/cluster</c> shows: scenario, sites, links, the job and its last step.</summary>
/// <param name="Scenario">The job's scenario's name; empty before any is loaded.</param>
/// <param name="Sites">Each site with its node counts by generation and state.</param>
/// <param name="Links">Each link with its nominal and current figures: now, or the last step's (<c>linksFromLastStep</c>).</param>
/// <param name="Job">The job: state, pace, position and counters.</param>
/// <param name="LastStep">The last completed step's figures; null before one.</param>
/// <param name="LinksFromLastStep">
/// True where the links are the last step's figures, not the faults in force now: the route could not read the fault
/// registry (it failed or did not answer within 2 s), or had no scenario to read them on (none loaded, or a load between
/// its reads); false where they were read now. Found by review: the route fell back silently, and a partition just begun
/// on a paused or stopped job could not be told from stale figures. True unless a route read them now (the job's own
/// status, the answer of <c>PUT /api/scenario</c> among them, holds the tree's last figures).
/// </param>
[GenerateSerializer, Immutable, Alias("ClusterStatus")]
public sealed record ClusterStatus(
    [property: Id(0)] string Scenario,
    [property: Id(1)] IReadOnlyList<SiteStatus> Sites,
    [property: Id(2)] IReadOnlyList<LinkStatus> Links,
    [property: Id(3)] JobStatus Job,
    [property: Id(4)] LastStepFigures? LastStep,
    [property: Id(5)] bool LinksFromLastStep = true);

/// <summary>A site and its node counts by generation and state.</summary>
[GenerateSerializer, Immutable, Alias("SiteStatus")]
public sealed record SiteStatus(
    [property: Id(0)] string Name,
    [property: Id(1)] int Nodes,
    [property: Id(2)] long Gpus,
    [property: Id(3)] IReadOnlyList<NodeCounts> Generations);

/// <summary>Nodes of one generation at a site, by state.</summary>
[GenerateSerializer, Immutable, Alias("NodeCounts")]
public sealed record NodeCounts(
    [property: Id(0)] string Generation,
    [property: Id(1)] int Healthy,
    [property: Id(2)] int Degraded,
    [property: Id(3)] int Down);

/// <summary>A link: nominal and current figures.</summary>
[GenerateSerializer, Immutable, Alias("LinkStatus")]
public sealed record LinkStatus(
    [property: Id(0)] string Id,
    [property: Id(1)] string From,
    [property: Id(2)] string To,
    [property: Id(3)] bool Up,
    [property: Id(4)] double NominalLatencySeconds,
    [property: Id(5)] double LatencySeconds,
    [property: Id(6)] double NominalBandwidthBytesPerSecond,
    [property: Id(7)] double BandwidthBytesPerSecond,
    [property: Id(8)] double PacketLossRatio);

/// <summary>
/// The job: state, pace, position and counters. <c>LastStepFailed</c>: whether the last step the job ran failed (missed
/// the barrier, or lost its calls) and rolled back to the checkpoint; while it did, <see cref="ClusterStatus.LastStep"/>'s
/// rates read 0 (its other figures stay the last completed step's). False before any step, and once a step completes.
/// <c>RegistryOff</c>: while the fault registry is not on the job's layout, and the job waits for it rather than step without its faults.
/// </summary>
[GenerateSerializer, Immutable, Alias("JobStatus")]
public sealed record JobStatus(
    [property: Id(0)] JobState State,
    [property: Id(1)] PaceSettings Pace,
    [property: Id(2)] long Step,
    [property: Id(3)] long LastCheckpoint,
    [property: Id(4)] long StepsOk,
    [property: Id(5)] long StepsFailed,
    [property: Id(6)] long LostSteps,
    [property: Id(7)] int EvictedNodes,
    [property: Id(8)] double SimulatedSeconds,
    [property: Id(9)] long GrainCalls,
    [property: Id(10)] long Epoch,
    [property: Id(11)] string? Host = null,
    [property: Id(12)] JobProgress? Progress = null,
    [property: Id(13)] ReliabilityStatus? Reliability = null,
    [property: Id(14)] StepWallStatus? Wall = null,
    [property: Id(15)] UnwrittenRecord? Unwritten = null,
    [property: Id(16)] bool LastStepFailed = false,
    [property: Id(17)] RegistryOffLayout? RegistryOff = null);

/// <summary>
/// The fault registry is not on the job's layout, and the job does not step until it is: the registry's effects (injections,
/// clears, expiries) do not reach the barrier tree, and no background failure is handed over, until it is. Since
/// <see cref="Seconds"/> of wall time, <see cref="Reason"/> saying why and what the job does about it;
/// <see cref="RegistryEpoch"/> the epoch the registry answered, where known. Either the registry did not take the
/// layout (its storage out of reach: handed over again with a backoff), or it is ahead of the layout while the job's own
/// record cannot be written (another activation of the job may be laying it out: docs/cluster.md).
/// </summary>
[GenerateSerializer, Immutable, Alias("RegistryOffLayout")]
public sealed record RegistryOffLayout(
    [property: Id(0)] double Seconds,
    [property: Id(1)] string Reason,
    [property: Id(2)] long? RegistryEpoch = null);

/// <summary>
/// A record that storage does not hold as memory has it (storage out of reach): <see cref="Seconds"/> of wall time
/// since the first write that failed after the last that landed, and why the last one failed. Writes go on being
/// tried; a silo lost meanwhile loses what memory held since.
/// </summary>
[GenerateSerializer, Immutable, Alias("UnwrittenRecord")]
public sealed record UnwrittenRecord(
    [property: Id(0)] double Seconds,
    [property: Id(1)] string LastError);

/// <summary>
/// Where the wall-clock time of the run's steps went, summed over the <see cref="Steps"/> steps the tree has run
/// since it was last laid out (the run's start, a silo joining or leaving; a scale-out's diagnosis:
/// docs/performance.md): <see cref="StepSeconds"/> each step in the
/// job, from its start to its figures recorded; <see cref="TreeSeconds"/> from the job's calls down the tree to the
/// last silo's answer; <see cref="SlowestSiloSeconds"/> and <see cref="MeanSiloSeconds"/> the slowest silo's and the
/// silos' mean time from a step's arrival to their answer. So per step, TreeSeconds - SlowestSiloSeconds is the
/// calls' way between silos (messages, serialization, queues), SlowestSiloSeconds - MeanSiloSeconds what the silos
/// wait for the slowest (time in which blocks draw their next step's batches ahead: a silo's own time leaves out the
/// draws done before the step arrived), and StepSeconds - TreeSeconds the job's own work (merges, evaluation,
/// metrics, and any wait for the links' figures after the last silo's answer).
/// <see cref="PerSilo"/> holds each silo's own sum and the steps it was the slowest in.
/// </summary>
[GenerateSerializer, Immutable, Alias("StepWallStatus")]
public sealed record StepWallStatus(
    [property: Id(0)] long Steps,
    [property: Id(1)] int Silos,
    [property: Id(2)] double StepSeconds,
    [property: Id(3)] double TreeSeconds,
    [property: Id(4)] double SlowestSiloSeconds,
    [property: Id(5)] double MeanSiloSeconds,
    [property: Id(6)] IReadOnlyList<SiloWallStatus> PerSilo);

/// <summary>A silo's part of <see cref="StepWallStatus"/>: its coordinator's key (the silo's address), its own seconds summed, the steps it was the slowest in.</summary>
[GenerateSerializer, Immutable, Alias("SiloWallStatus")]
public sealed record SiloWallStatus(
    [property: Id(0)] string Silo,
    [property: Id(1)] double Seconds,
    [property: Id(2)] long SlowestSteps);

/// <summary>
/// Where the run's simulated time went (DESIGN.md section 7.6): ETTR (productive over elapsed simulated time, lost
/// steps unproductive), the mean time between interruptions at the configured failure rates (null when failures are
/// off), the Young-Daly checkpoint interval <c>sqrt(2 * checkpointSeconds * MTBF)</c> beside the configured one
/// (checkpointEverySteps times the mean completed step), and the simulated seconds since the last checkpoint.
/// </summary>
[GenerateSerializer, Immutable, Alias("ReliabilityStatus")]
public sealed record ReliabilityStatus(
    [property: Id(0)] double Ettr,
    [property: Id(1)] double ProductiveSeconds,
    [property: Id(2)] double? MtbfSeconds,
    [property: Id(3)] double? YoungDalySeconds,
    [property: Id(4)] double? CheckpointIntervalSeconds,
    [property: Id(5)] double SinceCheckpointSeconds,
    [property: Id(6)] long Failures,
    [property: Id(7)] long FailuresDropped = 0);

/// <summary>
/// A running job's progress: wall seconds since it last progressed (a step past the furthest it had completed, or a
/// step replayed on the way back to a failure, until a step fails again that already failed since; or since it
/// started running), the bound past which it counts as stalled, and the reason its last step failed, if one did.
/// </summary>
[GenerateSerializer, Immutable, Alias("JobProgress")]
public sealed record JobProgress(
    [property: Id(0)] double SecondsSinceStep,
    [property: Id(1)] double StallBoundSeconds,
    [property: Id(2)] string? LastFailure)
{
    /// <summary>True when the job has gone longer than its bound without progress.</summary>
    public bool Stalled => SecondsSinceStep > StallBoundSeconds;
}

/// <summary>
/// The last completed step's figures (DESIGN.md section 4); its rates (<see cref="ClusterMfu"/>,
/// <see cref="TokensPerSecond"/>, <see cref="UsefulFlopsPerSecond"/>) 0 while the job's last step failed
/// (<see cref="JobStatus.LastStepFailed"/>): a step that rolls back trains nothing.
/// </summary>
[GenerateSerializer, Immutable, Alias("LastStepFigures")]
public sealed record LastStepFigures(
    [property: Id(0)] long Number,
    [property: Id(1)] double DurationSeconds,
    [property: Id(2)] double MaxComputeSeconds,
    [property: Id(3)] double MedianComputeSeconds,
    [property: Id(4)] double AllreduceIntraSiteSeconds,
    [property: Id(5)] double AllreduceInterSiteSeconds,
    [property: Id(6)] double StragglerTax,
    [property: Id(7)] double ClusterMfu,
    [property: Id(8)] StepBreakdownFigures? Breakdown = null,
    [property: Id(9)] double TokensPerSecond = 0,
    [property: Id(10)] double UsefulFlopsPerSecond = 0);

/// <summary>A step's time split into parts that sum to it (DESIGN.md section 7.5).</summary>
[GenerateSerializer, Immutable, Alias("StepBreakdownFigures")]
public sealed record StepBreakdownFigures(
    [property: Id(0)] double ComputeSeconds,
    [property: Id(1)] double StragglerWaitSeconds,
    [property: Id(2)] double IntraSiteSeconds,
    [property: Id(3)] double InterSiteBandwidthSeconds,
    [property: Id(4)] double InterSiteLatencySeconds);

/// <summary>
/// The last step's straggler report (<c>GET /api/stragglers</c>): the last step evaluated, completed or failed
/// (<paramref name="Failure"/>: why). A live report lists every link, site and generation. One a job kept in its record
/// while it stood still (answered by an activation that took it over) keeps at most the scenario's top-K of each, the
/// worst, and counts those it left out in <paramref name="LinksLeftOut"/>, <paramref name="SitesLeftOut"/> and
/// <paramref name="GenerationsLeftOut"/> (0 in a live report).
/// </summary>
[GenerateSerializer, Immutable, Alias("StragglerReport")]
public sealed record StragglerReport(
    [property: Id(0)] long Step,
    [property: Id(1)] IReadOnlyList<NodeStragglerFigures> Nodes,
    [property: Id(2)] IReadOnlyList<LinkStragglerFigures> Links,
    [property: Id(3)] IReadOnlyList<GroupFigures> BySite,
    [property: Id(4)] IReadOnlyList<GroupFigures> ByGeneration,
    [property: Id(5)] StepBreakdownFigures? Breakdown = null,
    [property: Id(6)] string? Failure = null,
    [property: Id(7)] int LinksLeftOut = 0,
    [property: Id(8)] int SitesLeftOut = 0,
    [property: Id(9)] int GenerationsLeftOut = 0);

/// <summary>A straggling node.</summary>
[GenerateSerializer, Immutable, Alias("NodeStragglerFigures")]
public sealed record NodeStragglerFigures(
    [property: Id(0)] string Node,
    [property: Id(1)] string Site,
    [property: Id(2)] string Generation,
    [property: Id(3)] double ComputeSeconds,
    [property: Id(4)] double Slowdown);

/// <summary>
/// A link and how much it stretches the inter-site phase. A down link (<see cref="Up"/> false: partitioned) carries
/// nothing, so its bandwidth is 0, and has no stretch (null): the ring routes around it or, where no route is left,
/// no step completes. Found by probing: a partitioned link read 300 GB/s and stretch 0, with no word that it was down.
/// </summary>
/// <param name="Link">The link's id.</param>
/// <param name="LatencySeconds">Its one-way latency at the step, faults and jitter included.</param>
/// <param name="BandwidthBytesPerSecond">Its effective bandwidth at the step (window-limited); 0 while it is down.</param>
/// <param name="Stretch">The inter-site phase with this link at its figures and every other nominal, over the nominal phase; null while it is down.</param>
/// <param name="Straggler">Whether it stretches the phase by more than the straggler threshold, or is down.</param>
/// <param name="Up">False while the link is down (partitioned).</param>
[GenerateSerializer, Immutable, Alias("LinkStragglerFigures")]
public sealed record LinkStragglerFigures(
    [property: Id(0)] string Link,
    [property: Id(1)] double LatencySeconds,
    [property: Id(2)] double BandwidthBytesPerSecond,
    [property: Id(3), JsonIgnore(Condition = JsonIgnoreCondition.Never)] double? Stretch, // null written out: the field is always there
    [property: Id(4)] bool Straggler,
    [property: Id(5)] bool Up = true);

/// <summary>Per site or generation: nodes at the barrier and stragglers among them.</summary>
[GenerateSerializer, Immutable, Alias("GroupFigures")]
public sealed record GroupFigures(
    [property: Id(0)] string Name,
    [property: Id(1)] int Nodes,
    [property: Id(2)] long Stragglers,
    [property: Id(3)] double MeanComputeSeconds,
    [property: Id(4)] double MaxComputeSeconds,
    [property: Id(5)] double MaxSlowdown);
