using OrleansCluster.Model.Faults;

namespace OrleansCluster.Model.Failures;

/// <summary>What a failure rate is counted per: a GPU-hour (node causes) or a link-hour (inter-site link causes).</summary>
public enum FailureUnit
{
    /// <summary>Per GPU-hour: the target is a node, picked with a weight of its GPUs.</summary>
    GpuHour,

    /// <summary>Per link-hour: the target is an inter-site link, each equally likely.</summary>
    LinkHour,
}

/// <summary>How long a failure lasts: log-normal with median <paramref name="MedianSeconds"/> and CV <paramref name="Cv"/>; fixed when the CV is 0.</summary>
public sealed record RepairTime(double MedianSeconds, double Cv)
{
    /// <summary>The mean of the distribution: <c>median * sqrt(1 + cv^2)</c> for a log-normal.</summary>
    public double MeanSeconds => MedianSeconds * Math.Sqrt(1 + (Cv * Cv));
}

/// <summary>
/// One cause of background failures: a name (a metric label, so a fixed set), a rate per unit-hour, the fault it
/// becomes, how long until it is repaired and, in dcgm mode, the XID it shows.
/// </summary>
public sealed record FailureCause(
    string Name,
    double RatePerHour,
    FailureUnit Unit,
    FaultKind Kind,
    IReadOnlyDictionary<string, double> Params,
    RepairTime Repair,
    int? Xid)
{
    /// <summary>Whether the fault stops the job (a crash, a flap, a partition) rather than slowing it.</summary>
    public bool Interrupts => Kind is FaultKind.NodeCrash or FaultKind.NodeFlap or FaultKind.LinkPartition;
}
