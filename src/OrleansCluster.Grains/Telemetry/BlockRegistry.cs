namespace OrleansCluster.Grains.Telemetry;

/// <summary>
/// A silo-wide map from block id to what that block publishes for scrape time: blocks register when configured
/// and unregister when deactivated; the host's metrics endpoint reads a snapshot. Thread-safe.
/// </summary>
public abstract class BlockRegistry<TEntry>
    where TEntry : class
{
    private readonly Dictionary<string, TEntry> _blocks = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Registers (or replaces) what <paramref name="block"/> publishes.</summary>
    public void Register(string block, TEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_gate)
        {
            _blocks[block] = entry;
        }
    }

    public void Unregister(string block)
    {
        lock (_gate)
        {
            _blocks.Remove(block);
        }
    }

    /// <summary>The registered entries, ordered by block id.</summary>
    public IReadOnlyList<TEntry> Snapshot()
    {
        lock (_gate)
        {
            return _blocks.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value).ToArray();
        }
    }
}
