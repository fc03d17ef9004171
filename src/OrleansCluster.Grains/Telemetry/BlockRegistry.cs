namespace OrleansCluster.Grains.Telemetry;

/// <summary>
/// A silo-wide map from block id to what that block publishes for scrape time: blocks register when configured
/// and unregister when deactivated; the host's metrics endpoint reads a snapshot. A block configured for another
/// run (a layout: its scenario and epoch) drops the blocks of the others: those the new layout does not reuse would
/// otherwise stay until Orleans collects them as idle, publishing their last figures under the old scenario's name
/// (before 2026-11-28 only a new scenario name dropped them, so a scenario loaded again under its name with fewer
/// sites kept the dropped sites' nodes on the page). Thread-safe.
/// </summary>
public abstract class BlockRegistry<TEntry>(Func<TEntry, (string Scenario, long Epoch)> runOf)
    where TEntry : class
{
    private readonly Dictionary<string, TEntry> _blocks = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private (string Scenario, long Epoch)? _run;

    /// <summary>Registers (or replaces) what <paramref name="block"/> publishes.</summary>
    public void Register(string block, TEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var run = runOf(entry);
        lock (_gate)
        {
            // Epochs only grow (every layout and load takes the next): a registration of an older layout (a configure
            // call that arrived late, after the layout was made again) is kept beside the newer blocks, never drops them
            // (found by review). An epoch below the current one after the job's record was lost keeps the older blocks too,
            // until Orleans collects them, as before 2026-11-28.
            if (_run is not { } current || run.Epoch > current.Epoch || (run.Epoch == current.Epoch && run.Scenario != current.Scenario))
            {
                foreach (var other in _blocks.Where(p => runOf(p.Value) != run).Select(p => p.Key).ToArray())
                {
                    _blocks.Remove(other);
                }

                _run = run;
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
