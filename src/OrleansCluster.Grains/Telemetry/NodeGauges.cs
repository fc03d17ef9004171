namespace OrleansCluster.Grains.Telemetry;

/// <summary>
/// The opt-in per-node series (<c>Telemetry:PerNode</c>): each block registers its nodes and the array it
/// writes their latest compute times into; the host's metrics endpoint reads them at scrape time.
/// </summary>
public sealed class NodeGauges() : BlockRegistry<NodeGauges.Entry>(static e => (e.Scenario, e.Epoch))
{
    /// <summary>A block's nodes; NaN in <see cref="Latest"/> for a node with no figure (evicted, or before the first step).</summary>
    public sealed record Entry(string Scenario, long Epoch, string Site, IReadOnlyList<string> Nodes, IReadOnlyList<string> Generations, double[] Latest);
}
