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
    /// <summary>Links that stretch the inter-site phase by more than theta.</summary>
    public int LinkStragglerCount => Links.Count(l => l.IsStraggler);
}

/// <summary>A node slower than <c>(1 + theta) * median</c>.</summary>
public sealed record NodeStraggler(string Node, string Site, string Generation, double ComputeSeconds, double Slowdown);

/// <summary>A link's figures and how much it stretches <c>T_x</c> against its nominal figures.</summary>
public sealed record LinkReport(string Link, bool Up, double LatencySeconds, double BandwidthBytesPerSecond, double PacketLossRatio, double Stretch, bool IsStraggler);

/// <summary>Per site or per generation: nodes at the barrier, stragglers among them, compute figures.</summary>
public sealed record GroupReport(string Name, int Nodes, long Stragglers, double MeanComputeSeconds, double MaxComputeSeconds, double MaxSlowdown);
