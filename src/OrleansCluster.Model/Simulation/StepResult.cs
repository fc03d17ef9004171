namespace OrleansCluster.Model.Simulation;

/// <summary>Everything the barrier learns at one step (DESIGN.md section 1).</summary>
/// <param name="Partitioned">True when the links that are up no longer join every site with nodes: the
/// all-reduce cannot complete and the step fails.</param>
public sealed record StepResult(
    double StepSeconds,
    double MaxComputeSeconds,
    double MedianComputeSeconds,
    double IntraSiteSeconds,
    double InterSiteSeconds,
    double StragglerTax,
    double ClusterMfu,
    int HealthyNodes,
    long NodeStragglerCount,
    IReadOnlyList<NodeStraggler> Stragglers,
    IReadOnlyList<LinkReport> Links,
    IReadOnlyList<GroupReport> BySite,
    IReadOnlyList<GroupReport> ByGeneration,
    bool Partitioned)
{
    /// <summary>The step's time split into parts that sum to <see cref="StepSeconds"/> (DESIGN.md 7.5).</summary>
    public StepBreakdown Breakdown { get; init; } = StepBreakdown.Zero;

    /// <summary>Tokens trained per second of the step (0 in direct mode, which has no tokens).</summary>
    public double TokensPerSecond { get; init; }

    /// <summary>Model FLOPs of the GPUs at the barrier per second of the step.</summary>
    public double UsefulFlopsPerSecond { get; init; }

    /// <summary>Links that stretch the inter-site phase by more than theta.</summary>
    public int LinkStragglerCount => Links.Count(l => l.IsStraggler);
}

/// <summary>A node slower than <c>(1 + theta) * median</c>.</summary>
public sealed record NodeStraggler(string Node, string Site, string Generation, double ComputeSeconds, double Slowdown);

/// <summary>A link's figures and how much it stretches <c>T_x</c> against its nominal figures.</summary>
public sealed record LinkReport(string Link, bool Up, double LatencySeconds, double BandwidthBytesPerSecond, double PacketLossRatio, double Stretch, bool IsStraggler);

/// <summary>Per site or per generation: nodes at the barrier, stragglers among them, compute figures.</summary>
public sealed record GroupReport(string Name, int Nodes, long Stragglers, double MeanComputeSeconds, double MaxComputeSeconds, double MaxSlowdown);

/// <summary>
/// <c>T_step</c> split into parts that sum to it (DESIGN.md 7.5): <c>compute</c> = median t_i,
/// <c>straggler_wait</c> = max t_i - median t_i, <c>intra_site</c> = (1 - overlap') 2 max_s T_s, and the
/// bandwidth and latency terms of <c>T_x</c>, each times (1 - overlap'), overlap' = min(overlap, max t_i / T_comm) (AllReduceModel.ExposedShare).
/// </summary>
public sealed record StepBreakdown(double ComputeSeconds, double StragglerWaitSeconds, double IntraSiteSeconds, double InterSiteBandwidthSeconds, double InterSiteLatencySeconds)
{
    /// <summary>The part names, as exported (<c>gpusim_step_time_breakdown_seconds{part}</c>), in order.</summary>
    public static IReadOnlyList<string> Parts { get; } = ["compute", "straggler_wait", "intra_site", "inter_site_bandwidth", "inter_site_latency"];

    /// <summary>An empty step.</summary>
    public static StepBreakdown Zero { get; } = new(0, 0, 0, 0, 0);

    /// <summary>The sum of the parts: the step time.</summary>
    public double TotalSeconds => ComputeSeconds + StragglerWaitSeconds + IntraSiteSeconds + InterSiteBandwidthSeconds + InterSiteLatencySeconds;

    /// <summary>The inter-site links' share of the step.</summary>
    public double InterSiteShare => TotalSeconds > 0 ? (InterSiteBandwidthSeconds + InterSiteLatencySeconds) / TotalSeconds : 0;

    /// <summary>The parts in the order of <see cref="Parts"/>.</summary>
    public double[] Values() => [ComputeSeconds, StragglerWaitSeconds, IntraSiteSeconds, InterSiteBandwidthSeconds, InterSiteLatencySeconds];
}
