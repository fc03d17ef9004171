using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Grains.Telemetry;

/// <summary>
/// What the dcgm-compatible series (<c>Telemetry:Dcgm</c>) are drawn from: each block registers its nodes and
/// the arrays it keeps current (busy fraction of the last step, fault effect, eviction); the host's metrics
/// endpoint turns them into per-GPU readings at scrape time.
/// </summary>
public sealed class DcgmNodes
{
    private readonly Dictionary<string, Entry> _blocks = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public void Register(Entry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_gate)
        {
            _blocks[entry.Block] = entry;
        }
    }

    public void Unregister(string block)
    {
        lock (_gate)
        {
            _blocks.Remove(block);
        }
    }

    public IReadOnlyList<Entry> Snapshot()
    {
        lock (_gate)
        {
            return _blocks.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value).ToArray();
        }
    }

    /// <summary>A block's nodes and the arrays its grain writes each step (NaN busy: no figure yet).</summary>
    public sealed record Entry(string Block, string Scenario, IReadOnlyList<string> Nodes, double[] Busy, NodeEffect[] Effects, bool[] Evicted);
}
