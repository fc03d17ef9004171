using OrleansCluster.Model.Generations;

namespace OrleansCluster.Model.Scenarios;

/// <summary>
/// A validated scenario in SI units. Built only by <see cref="ScenarioLoader"/>, which converts the
/// file's units (Gbps, km, microseconds) once and checks every field.
/// </summary>
public sealed record Scenario(
    string Name,
    ulong Seed,
    JobSpec Job,
    IReadOnlyList<SiteSpec> Sites,
    IReadOnlyList<LinkSpec> Links,
    NoiseSpec Noise,
    StragglerSpec Stragglers,
    GpuCatalogue Catalogue)
{
    /// <summary>What the GPUs cost and what sites would earn leased; <see cref="EconomicsSpec.None"/> when not given.</summary>
    public EconomicsSpec Economics { get; init; } = EconomicsSpec.None;

    /// <summary>Background failures (DESIGN.md section 7.6); null when off, the default.</summary>
    public Failures.FailureSpec? Failures { get; init; }

    /// <summary>Total nodes over every site.</summary>
    public int NodeCount => Sites.Sum(s => s.NodeCount);

    /// <summary>Total GPUs over every site.</summary>
    public long GpuCount => Sites.Sum(s => s.GpuCount);

    /// <summary>The index of the site called <paramref name="name"/>, or -1.</summary>
    public int SiteIndex(string name)
    {
        for (var i = 0; i < Sites.Count; i++)
        {
            if (string.Equals(Sites[i].Name, name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}

/// <summary>The training job: work per step, gradient size and the failure policy.</summary>
/// <param name="FlopsPerGpuPerStep">W: FLOPs each GPU computes per step.</param>
/// <param name="GradientBytes">G: gradient bytes each node all-reduces per step.</param>
/// <param name="Mfu">u: model-FLOPs utilisation (0, 1].</param>
/// <param name="CommOverlap">Fraction of communication hidden behind compute [0, 1].</param>
/// <param name="BarrierTimeoutSeconds">A node later than this fails the step.</param>
/// <param name="CheckpointEverySteps">Checkpoint interval; a failed step rolls back to the last one.</param>
public sealed record JobSpec(
    double FlopsPerGpuPerStep,
    double GradientBytes,
    double Mfu,
    double CommOverlap,
    double BarrierTimeoutSeconds,
    int CheckpointEverySteps)
{
    /// <summary>The model shape (DESIGN.md section 7.1); null in direct mode, where W and G are given.</summary>
    public ModelShape? Model { get; init; }

    /// <summary>Tensor and pipeline degrees: every GPU holds <c>1 / (TP * PP)</c> of the parameters.</summary>
    public Parallelism Parallelism { get; init; } = Parallelism.None;

    /// <summary>Gradient bucket size in bytes (<c>comm.bucketMegabytes</c>): one inter-site collective per bucket.</summary>
    public double BucketBytes { get; init; } = 25e6;

    /// <summary>H: the inter-site all-reduce runs every H steps, its cost amortised over them (<c>comm.interSiteEverySteps</c>).</summary>
    public int InterSiteEverySteps { get; init; } = 1;

    /// <summary>How the step's work is split among GPUs of different generations.</summary>
    public WorkBalance Balance { get; init; } = WorkBalance.Equal;

    /// <summary>Simulated seconds a failed step costs on top of its own duration: the job's restart (<c>job.restartSeconds</c>).</summary>
    public double RestartSeconds { get; init; }

    /// <summary>Simulated seconds each checkpoint takes, unproductive (<c>job.checkpointSeconds</c>).</summary>
    public double CheckpointSeconds { get; init; }
}

/// <summary>A campus: its fabric and its nodes, grouped by generation.</summary>
public sealed record SiteSpec(
    string Name,
    FabricSpec Fabric,
    int GpusPerNode,
    IReadOnlyList<NodeGroupSpec> Nodes)
{
    /// <summary>Nodes of every generation at the site.</summary>
    public int NodeCount => Nodes.Sum(n => n.Count);

    /// <summary>GPUs of every node at the site.</summary>
    public long GpuCount => Nodes.Sum(n => (long)n.Count * n.GpusPerNode);
}

/// <summary>Per-node intra-site fabric: bandwidth B_s and per-hop latency a_s.</summary>
public sealed record FabricSpec(double BandwidthBytesPerSecond, double HopLatencySeconds);

/// <summary><paramref name="Count"/> nodes of one generation, each with <paramref name="GpusPerNode"/> GPUs.</summary>
public sealed record NodeGroupSpec(GpuGeneration Generation, int Count, int GpusPerNode);

/// <summary>
/// An inter-site link with its nominal figures. <see cref="NominalLatencySeconds"/> is
/// <c>distanceKm * 5 us/km * routeFactor + equipmentLatency</c>, before faults and jitter.
/// </summary>
public sealed record LinkSpec(
    string Id,
    string From,
    string To,
    double DistanceKm,
    double RouteFactor,
    double EquipmentLatencySeconds,
    double BandwidthBytesPerSecond)
{
    /// <summary>Bytes the link may have in flight (<c>maxInFlightMegabytes</c>); +infinity when unlimited (DESIGN.md 7.2).</summary>
    public double MaxInFlightBytes { get; init; } = double.PositiveInfinity;

    /// <summary>Propagation delay in fibre: about 5 microseconds per kilometre.</summary>
    public const double FibreSecondsPerKm = 5e-6;

    /// <summary>Latency with no fault and no jitter.</summary>
    public double NominalLatencySeconds => (DistanceKm * FibreSecondsPerKm * RouteFactor) + EquipmentLatencySeconds;
}

/// <summary>Noise: compute-time coefficient of variation, link jitter scale and persistent node noise (DESIGN.md 7.3).</summary>
/// <param name="ComputeCv">CV of the per-step log-normal factor e_ik.</param>
/// <param name="LinkJitterSeconds">Scale of a link's half-normal jitter.</param>
/// <param name="NodeCv">CV of the per-node log-normal factor v_i, fixed by (seed, node).</param>
/// <param name="OutlierProbability">Chance, per node and step, that the node is an outlier.</param>
/// <param name="OutlierFactor">o_ik: an outlier's compute-time factor.</param>
public sealed record NoiseSpec(double ComputeCv, double LinkJitterSeconds, double NodeCv = 0, double OutlierProbability = 0, double OutlierFactor = 1.5);

/// <summary>Straggler policy: threshold theta and how many stragglers to report.</summary>
public sealed record StragglerSpec(double Threshold, int TopK);
