using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Job;

/// <summary>
/// The nodes the barrier has evicted in this run, from the steps' summaries (a node that missed is added, one that
/// rejoined removed): a new layout of the run hands each block its own, so a block activated afresh (its silo left)
/// keeps them evicted; the record holds them by their ordinals in the layout, so an activation that takes the job over
/// does too, and counts them down before the tree's first step answers. No grain: the job tells it each step's summaries and asks it for what to lay out and to write.
/// </summary>
public sealed class EvictedNodes
{
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private int[]? _ordinals; // _ids as the record holds them, until _ids changes

    /// <summary>The evicted nodes' ids.</summary>
    public IReadOnlySet<string> Ids => _ids;

    /// <summary>A new run: none evicted.</summary>
    public void Clear()
    {
        _ids.Clear();
        _ordinals = null;
    }

    /// <summary>
    /// Adds the nodes a stored record held by their <paramref name="ordinals"/> in <paramref name="nodes"/> (found by
    /// probing: a graceful move lost them); an ordinal outside the layout is skipped.
    /// </summary>
    public void Restore(IEnumerable<int> ordinals, IReadOnlyList<NodeInfo> nodes)
    {
        ArgumentNullException.ThrowIfNull(ordinals);
        ArgumentNullException.ThrowIfNull(nodes);
        _ids.UnionWith(ordinals.Where(i => i >= 0 && i < nodes.Count).Select(i => nodes[i].Id));
        _ordinals = null;
    }

    /// <summary>A step's summaries: the nodes that missed the barrier are evicted, those that rejoined no longer.</summary>
    public void Took(IEnumerable<BarrierSummary> summaries)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        foreach (var summary in summaries)
        {
            if (summary.Missed.Count > 0)
            {
                _ids.UnionWith(summary.Missed);
                _ordinals = null;
            }

            if (summary.Rejoined is { Count: > 0 } back)
            {
                _ids.ExceptWith(back);
                _ordinals = null;
            }
        }
    }

    /// <summary>
    /// Each site of <paramref name="scenario"/>, laid out as <paramref name="layout"/>, by generation: the evicted nodes
    /// down, the rest healthy (empty when none is evicted: all healthy). What the job knows of its nodes' states before
    /// the tree's first step on a new layout answers (<see cref="TreeFigures.BeforeStep"/>).
    /// </summary>
    public IReadOnlyList<NodeCounts>[] BySite(Scenario scenario, ClusterLayout layout)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(layout);
        if (_ids.Count == 0)
        {
            return [];
        }

        var down = new Dictionary<(int Site, string Generation), int>();
        foreach (var ordinal in _ids.Select(layout.OrdinalOf).Where(i => i >= 0))
        {
            var node = layout.Nodes[ordinal];
            var key = (node.SiteIndex, node.Generation.Name);
            down[key] = down.GetValueOrDefault(key) + 1;
        }

        return scenario.Sites.Select((site, s) => (IReadOnlyList<NodeCounts>)JobFigures.AllHealthy(site)
            .Select(c => down.TryGetValue((s, c.Generation), out var d) ? c with { Healthy = c.Healthy - d, Down = d } : c).ToArray()).ToArray();
    }

    /// <summary>
    /// What <paramref name="record"/> is written with: the evicted nodes' <see cref="Ordinals"/> in the
    /// <paramref name="layout"/> the record's scenario runs on, none while that scenario's run is not laid out yet
    /// (<see cref="JobRecord.ClearFaultsOwed"/>). Found by review: a load's write carried the last run's (the record already
    /// names the new scenario), and a job activated from that record (a failover) showed those positions down on a
    /// scenario that never ran.
    /// </summary>
    public int[] ToWrite(JobRecord record, ClusterLayout? layout)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.ClearFaultsOwed ? [] : Ordinals(layout);
    }

    /// <summary>
    /// The evicted nodes' ordinals in <paramref name="layout"/>, sorted, for the record (none without a layout). Built
    /// again only when the evictions changed (found by review: a site's crash at a million nodes made it a sort of
    /// 125,000 ids at every write, once a second).
    /// </summary>
    public int[] Ordinals(ClusterLayout? layout) =>
        _ordinals ??= layout is not null && _ids.Count > 0
            ? [.. _ids.Select(layout.OrdinalOf).Where(i => i >= 0).Order()]
            : [];
}
