using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Grains.Telemetry;

/// <summary>
/// What the dcgm-compatible series (<c>Telemetry:Dcgm</c>) are drawn from: each block registers its nodes and
/// the arrays it keeps current (busy fraction of the last step, fault effect, eviction); the host's metrics
/// endpoint turns them into per-GPU readings at scrape time.
/// </summary>
public sealed class DcgmNodes() : BlockRegistry<DcgmNodes.Entry>(static e => (e.Scenario, e.Epoch))
{
    /// <summary>
    /// A block's nodes and the arrays its grain writes each step (NaN busy: no figure yet), and those the fault registry
    /// tells it: each node's effect and the HBM rows its GPUs have spared (the registry's durable count: the same on
    /// every silo that shows the node; 0 until the registry has told a block laid out anew).
    /// </summary>
    public sealed record Entry(string Scenario, long Epoch, IReadOnlyList<string> Nodes, double[] Busy, NodeEffect[] Effects, bool[] Evicted, int[] RemappedRows);
}
