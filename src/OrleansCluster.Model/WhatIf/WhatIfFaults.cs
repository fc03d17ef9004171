using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Model.WhatIf;

/// <summary>
/// The faults in force on the live run, carried into every variant: node slowdowns by the baseline's node id and
/// link effects by link id. A node keeps its fault in a variant that keeps it: nodes are matched by (site,
/// generation, rank among that site's nodes of that generation), which dropping other generations or sites does
/// not change, though it renumbers node ids. A link keeps its fault while the variant keeps the link (healed
/// links included: the fault comes on top of the modern figures). Crashed and flapping nodes are not carried (the API refuses
/// them); a slowed node past the barrier timeout is, and the what-if evicts it as the job does.
/// </summary>
public sealed record WhatIfFaults(IReadOnlyDictionary<string, double> NodeSlowdowns, IReadOnlyDictionary<string, LinkEffect> LinkEffects)
{
    /// <summary>No fault.</summary>
    public static WhatIfFaults None { get; } = new(new Dictionary<string, double>(), new Dictionary<string, LinkEffect>());

    /// <summary>True when nothing is carried.</summary>
    public bool IsEmpty => NodeSlowdowns.Count == 0 && LinkEffects.Count == 0;

    /// <summary>Applies the faults to <paramref name="simulator"/> of a variant of <paramref name="baseline"/>.</summary>
    public void ApplyTo(Scenario baseline, PlainLoopSimulator simulator)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(simulator);
        if (IsEmpty)
        {
            return;
        }

        var byRank = new Dictionary<(string Site, string Generation, int Rank), double>();
        if (NodeSlowdowns.Count > 0)
        {
            foreach (var (key, id) in Ranked(new ClusterLayout(baseline)))
            {
                if (NodeSlowdowns.TryGetValue(id, out var slowdown))
                {
                    byRank[key] = slowdown;
                }
            }
        }

        var ordinal = 0;
        foreach (var (key, _) in Ranked(simulator.Layout))
        {
            if (byRank.TryGetValue(key, out var slowdown))
            {
                simulator.SetSlowdown(ordinal, slowdown);
            }

            ordinal++;
        }

        var links = simulator.Layout.Scenario.Links;
        for (var j = 0; j < links.Count; j++)
        {
            if (LinkEffects.TryGetValue(links[j].Id, out var effect))
            {
                simulator.SetLinkEffect(j, effect);
            }
        }
    }

    // Every node in layout order with its (site, generation, rank) key.
    private static IEnumerable<((string, string, int) Key, string Id)> Ranked(ClusterLayout layout)
    {
        var counts = new Dictionary<(string, string), int>();
        foreach (var node in layout.Nodes)
        {
            var site = layout.Scenario.Sites[node.SiteIndex].Name;
            var rank = counts.GetValueOrDefault((site, node.Generation.Name));
            counts[(site, node.Generation.Name)] = rank + 1;
            yield return ((site, node.Generation.Name, rank), node.Id);
        }
    }
}
