using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Links;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Job;

/// <summary>The barrier tree as messages: the configuration of each site's blocks and nodes for a run, and a step's summaries turned back into the model's inputs.</summary>
internal static class JobTree
{
    /// <summary>
    /// Each site's configuration for the run of <paramref name="epoch"/>: its blocks and their nodes' nominal times
    /// from the model; <paramref name="continuing"/> when the run goes on from the same step over a new layout.
    /// </summary>
    public static SiteConfig[] Sites(Scenario scenario, ClusterLayout layout, long epoch, bool continuing = false, IReadOnlySet<string>? evicted = null)
    {
        var job = scenario.Job;
        var workload = new Workload(scenario);
        var noise = scenario.Noise;
        return scenario.Sites.Select((site, s) => new SiteConfig(
            epoch,
            site.Name,
            layout.Blocks.Where(b => b.SiteIndex == s).Select(b => new BlockConfig(
                epoch,
                b.Id,
                Enumerable.Range(b.FirstNode, b.NodeCount).Select(i =>
                {
                    var node = layout.Nodes[i];
                    return new NodeSpec(epoch, node.Id, site.Name, b.Id, node.Generation.Name, node.GpusPerNode,
                        workload.NodeNominalSeconds(node),
                        scenario.Seed, noise.ComputeCv, noise.OutlierProbability, noise.OutlierFactor);
                }).ToArray(),
                job.BarrierTimeoutSeconds,
                scenario.Stragglers.TopK,
                scenario.Name,
                site.Name,
                job.GradientBytes,
                continuing,
                continuing && evicted is { Count: > 0 } ? EvictedOf(layout, b, evicted) : null)).ToArray())).ToArray();
    }

    // The nodes of block b that the job knows are evicted (null when none).
    private static string[]? EvictedOf(ClusterLayout layout, BlockInfo b, IReadOnlySet<string> evicted)
    {
        var nodes = Enumerable.Range(b.FirstNode, b.NodeCount).Select(i => layout.Nodes[i].Id).Where(evicted.Contains).ToArray();
        return nodes.Length == 0 ? null : nodes;
    }

    /// <summary>Each link's configuration for the run of <paramref name="epoch"/>.</summary>
    public static LinkConfig[] Links(Scenario scenario, long epoch) =>
        scenario.Links.Select(l => new LinkConfig(epoch, l.Id, l.From, l.To, l.DistanceKm, l.RouteFactor, l.EquipmentLatencySeconds, l.BandwidthBytesPerSecond, scenario.Seed, scenario.Noise.LinkJitterSeconds)).ToArray();

    /// <summary>The sites' summaries of a step as the evaluator's inputs, with the nodes that missed the barrier.</summary>
    public static (List<GroupStats> Groups, List<StragglerCandidate> Candidates, int Missed) Gather(Scenario scenario, BarrierSummary[] summaries)
    {
        var groups = new List<GroupStats>();
        var candidates = new List<StragglerCandidate>();
        var missed = 0;
        for (var s = 0; s < summaries.Length; s++)
        {
            foreach (var group in summaries[s].Groups)
            {
                var distribution = new ComputeDistribution();
                Barrier.Summaries.MergeInto(distribution, group);
                groups.Add(new GroupStats(s, scenario.Catalogue[group.Generation], distribution));
            }

            candidates.AddRange(summaries[s].Slowest.Select(n => new StragglerCandidate(n.Node, s, n.Generation, n.ComputeSeconds)));
            missed += summaries[s].Missed.Count;
        }

        return (groups, candidates, missed);
    }

    /// <summary>A step's answers evaluated by the model, and why the step fails (null when it completes).</summary>
    public static (StepResult Result, string? Failure) Evaluate(Scenario scenario, Workload workload, BarrierSummary[] summaries, IReadOnlyList<LinkState> links)
    {
        var (groups, candidates, missed) = Gather(scenario, summaries);
        var result = StepEvaluator.Evaluate(scenario, workload, groups, links, candidates);
        return (result, StepFailure.Reason(result, missed, scenario.Job.BarrierTimeoutSeconds));
    }
}
