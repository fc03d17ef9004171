using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Barrier;

/// <summary>Turns the model's mergeable statistics into barrier messages and back (<see cref="SummaryMerger"/> merges summaries).</summary>
public static class Summaries
{
    /// <summary>Each generation's distribution as a message, for those that had nodes at the step (in <paramref name="generations"/>' order).</summary>
    public static GroupSummary[] From(IReadOnlyList<string> generations, IReadOnlyList<ComputeDistribution> distributions)
    {
        var filled = 0;
        for (var g = 0; g < generations.Count; g++)
        {
            filled += distributions[g].Count == 0 ? 0 : 1;
        }

        var groups = new GroupSummary[filled];
        for (int g = 0, k = 0; g < generations.Count; g++)
        {
            var d = distributions[g];
            if (d.Count == 0)
            {
                continue;
            }

            var (first, counts) = d.Sketch.Export();
            groups[k++] = new GroupSummary(generations[g], d.Count, d.GpuCount, d.SumSeconds, d.MinSeconds, d.MaxSeconds, first, counts, d.LargestNodeGpus);
        }

        return groups;
    }

    /// <summary>Adds a child's generation group to <paramref name="into"/>.</summary>
    public static void MergeInto(ComputeDistribution into, GroupSummary group)
    {
        // A summary from a build before LargestNodeGpus (no field 8) reads 0 there: the group's mean node, as that build
        // took it, rather than none (a site of 0-GPU nodes would pay no bytes in its ring).
        var largest = group.LargestNodeGpus > 0 || group.Count == 0 ? group.LargestNodeGpus : (int)Math.Ceiling((double)group.Gpus / group.Count);
        into.Merge(group.Count, group.Gpus, largest, group.SumSeconds, group.MinSeconds, group.MaxSeconds);
        into.Sketch.Merge(group.SketchFirstBucket, group.SketchCounts);
    }
}
