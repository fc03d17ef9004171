using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Grains.Telemetry;

/// <summary>
/// What the dcgm-compatible series (<c>Telemetry:Dcgm</c>) are drawn from: each block registers its nodes and
/// the arrays it keeps current (busy fraction of the last step, fault effect, eviction); the host's metrics
/// endpoint turns them into per-GPU readings at scrape time.
/// </summary>
public sealed class DcgmNodes() : BlockRegistry<DcgmNodes.Entry>(static e => (e.Scenario, e.Epoch))
{
    /// <summary>A block's nodes and the arrays its grain writes each step (NaN busy: no figure yet).</summary>
    public sealed record Entry(string Scenario, long Epoch, IReadOnlyList<string> Nodes, double[] Busy, NodeEffect[] Effects, bool[] Evicted);
}
