namespace OrleansCluster.Grains.Telemetry;

/// <summary>
/// The opt-in per-node series (<c>Telemetry:PerNode</c>): each block registers its nodes and the array it
/// writes their latest compute times into; the host's metrics endpoint reads them at scrape time.
/// </summary>
public sealed class NodeGauges
{
    private readonly Dictionary<string, Entry> _blocks = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Registers (or replaces) a block's nodes; <paramref name="latest"/> is written by the block each step.</summary>
    public void Register(string block, string scenario, string site, IReadOnlyList<string> nodes, IReadOnlyList<string> generations, double[] latest)
    {
        lock (_gate)
        {
            _blocks[block] = new Entry(scenario, site, nodes, generations, latest);
        }
    }

    public void Unregister(string block)
    {
        lock (_gate)
        {
            _blocks.Remove(block);
        }
    }

    /// <summary>The registered blocks, ordered by id.</summary>
    public IReadOnlyList<Entry> Snapshot()
    {
        lock (_gate)
        {
            return _blocks.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value).ToArray();
        }
    }

    /// <summary>A block's nodes; NaN in <see cref="Latest"/> for a node with no figure (evicted, or before the first step).</summary>
    public sealed record Entry(string Scenario, string Site, IReadOnlyList<string> Nodes, IReadOnlyList<string> Generations, double[] Latest);
}
