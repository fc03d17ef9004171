using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Barrier;

/// <summary>Turns the model's mergeable statistics into barrier messages and back, and merges summaries.</summary>
internal static class Summaries
{
    public static GroupSummary[] From(IReadOnlyList<string> generations, IReadOnlyList<ComputeDistribution> distributions)
    {
        var groups = new List<GroupSummary>(generations.Count);
        for (var g = 0; g < generations.Count; g++)
        {
            var d = distributions[g];
            if (d.Count == 0)
            {
                continue;
            }

            var (first, counts) = d.Sketch.Export();
            groups.Add(new GroupSummary(generations[g], d.Count, d.GpuCount, d.SumSeconds, d.MinSeconds, d.MaxSeconds, first, counts));
        }

        return [.. groups];
    }

    public static void MergeInto(ComputeDistribution into, GroupSummary group)
    {
        into.Merge(group.Count, group.Gpus, group.SumSeconds, group.MinSeconds, group.MaxSeconds);
        into.Sketch.Merge(group.SketchFirstBucket, group.SketchCounts);
    }

    /// <summary>Merges children's summaries: distributions by generation, the K slowest, missed nodes, state counts.</summary>
    public static BarrierSummary Merge(IReadOnlyList<BarrierSummary> children, int topK, long ownCalls)
    {
        var byGeneration = new Dictionary<string, ComputeDistribution>(StringComparer.Ordinal);
        var states = new Dictionary<string, (int Healthy, int Degraded, int Down)>(StringComparer.Ordinal);
        var slowest = new TopKSlowest(topK);
        var missed = new List<string>();
        List<string>? rejoined = null;
        var calls = ownCalls;
        foreach (var child in children)
        {
            foreach (var group in child.Groups)
            {
                if (!byGeneration.TryGetValue(group.Generation, out var distribution))
                {
                    byGeneration[group.Generation] = distribution = new ComputeDistribution();
                }

                MergeInto(distribution, group);
            }

            foreach (var node in child.Slowest)
            {
                slowest.Offer(new StragglerCandidate(node.Node, 0, node.Generation, node.ComputeSeconds));
            }

            foreach (var count in child.States)
            {
                var c = states.GetValueOrDefault(count.Generation);
                states[count.Generation] = (c.Healthy + count.Healthy, c.Degraded + count.Degraded, c.Down + count.Down);
            }

            missed.AddRange(child.Missed);
            if (child.Rejoined is { Count: > 0 } back)
            {
                (rejoined ??= []).AddRange(back);
            }

            calls += child.GrainCalls;
        }

        var generations = byGeneration.Keys.Order(StringComparer.Ordinal).ToArray();
        return new BarrierSummary(
            From(generations, generations.Select(g => byGeneration[g]).ToArray()),
            slowest.ToArraySlowestFirst().Select(c => new SlowNode(c.NodeId, c.Generation, c.ComputeSeconds)).ToArray(),
            missed,
            states.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new NodeCounts(p.Key, p.Value.Healthy, p.Value.Degraded, p.Value.Down)).ToArray(),
            calls,
            rejoined);
    }

}
