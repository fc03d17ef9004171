using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Model.Faults;

/// <summary>
/// Faults applied to a plain loop all at once, as they stand when every one of them is in force (a campaign's
/// last stage): the reference figures of a fault scenario. Crashes and flaps are left out, because the plain
/// loop has no evicted nodes.
/// </summary>
public static class FaultsInForce
{
    /// <summary>
    /// Checks every fault against the loop's layout and applies it; throws <see cref="ArgumentException"/> naming
    /// the first fault that does not check. Returns how many faults were applied.
    /// </summary>
    /// <param name="simulator">The loop the faults act on.</param>
    /// <param name="faults">The faults, as a campaign lists them.</param>
    /// <param name="noiseFree">Leaves out the faults' extra link jitter (for noise-free figures).</param>
    public static int Apply(PlainLoopSimulator simulator, IEnumerable<FaultSpec> faults, bool noiseFree = false)
    {
        ArgumentNullException.ThrowIfNull(simulator);
        ArgumentNullException.ThrowIfNull(faults);
        var layout = simulator.Layout;
        var nodeFaults = new Dictionary<int, List<ActiveFault>>();
        var linkFaults = new Dictionary<string, List<ActiveFault>>(StringComparer.Ordinal);
        var applied = 0;
        var index = 0;
        foreach (var spec in faults)
        {
            var (fault, errors) = FaultValidator.Check(spec, layout);
            if (fault is null)
            {
                throw new ArgumentException($"faults[{index}]: {string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}"))}", nameof(faults));
            }

            index++;
            if (fault.Kind is FaultKind.NodeCrash or FaultKind.NodeFlap)
            {
                continue;
            }

            var active = new ActiveFault(fault.Kind, fault.Params);
            foreach (var node in fault.Targets.Nodes)
            {
                Add(nodeFaults, layout.OrdinalOf(node), active);
            }

            foreach (var link in fault.Targets.Links)
            {
                Add(linkFaults, link, active);
            }

            applied++;
        }

        foreach (var (ordinal, list) in nodeFaults)
        {
            simulator.SetSlowdown(ordinal, FaultEffects.ForNode(list).Slowdown);
        }

        var links = layout.Scenario.Links;
        for (var j = 0; j < links.Count; j++)
        {
            if (linkFaults.TryGetValue(links[j].Id, out var list))
            {
                var effect = FaultEffects.ForLink(list);
                simulator.SetLinkEffect(j, noiseFree ? effect with { ExtraJitterSeconds = 0 } : effect);
            }
        }

        return applied;
    }

    private static void Add<TKey>(Dictionary<TKey, List<ActiveFault>> into, TKey key, ActiveFault fault)
        where TKey : notnull
    {
        if (!into.TryGetValue(key, out var list))
        {
            into[key] = list = [];
        }

        list.Add(fault);
    }
}
