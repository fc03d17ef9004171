namespace OrleansCluster.Grains.Telemetry;

/// <summary>
/// A silo-wide map from block id to what that block publishes for scrape time: blocks register when configured
/// and unregister when deactivated; the host's metrics endpoint reads a snapshot. A block configured for another
/// scenario drops the blocks of the others: those the new scenario does not reuse would otherwise stay until Orleans
/// collects them as idle, publishing their last figures under the old scenario's name. Thread-safe.
/// </summary>
public abstract class BlockRegistry<TEntry>(Func<TEntry, string> scenarioOf)
    where TEntry : class
{
    private readonly Dictionary<string, TEntry> _blocks = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private string? _scenario;

    /// <summary>Registers (or replaces) what <paramref name="block"/> publishes.</summary>
    public void Register(string block, TEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var scenario = scenarioOf(entry);
        lock (_gate)
        {
            if (!string.Equals(scenario, _scenario, StringComparison.Ordinal))
            {
                foreach (var other in _blocks.Where(p => !string.Equals(scenarioOf(p.Value), scenario, StringComparison.Ordinal)).Select(p => p.Key).ToArray())
                {
                    _blocks.Remove(other);
                }

                _scenario = scenario;
            }

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
