using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Barrier;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Tests.Barrier;

/// <summary>
/// A generation's summary from a build before <see cref="GroupSummary.LargestNodeGpus"/> (fields 0 to 7, no field 8)
/// reads 0 there; merged, it counts as its mean node, as that build took it, rather than a node of no GPUs, whose ring
/// would carry no bytes (found by review).
/// </summary>
public sealed class GroupSummarySerializationTests
{
    private readonly ServiceProvider _services = new ServiceCollection()
        .AddSerializer(s => s.AddAssembly(typeof(GroupSummary).Assembly).AddAssembly(typeof(GroupSummarySerializationTests).Assembly))
        .BuildServiceProvider();

    [Fact]
    public void ASummaryWithoutItsLargestNodeMergesAsItsMeanNode()
    {
        var serializer = _services.GetRequiredService<Serializer>();
        var old = serializer.Deserialize<GroupSummary>(serializer.SerializeToArray(new GroupSummaryBeforeLargestNode("H100", 3, 20, 3.0, 1.0, 1.0, 0, [3])))!;
        var current = new GroupSummary("H100", 3, 20, 3.0, 1.0, 1.0, 0, [3], 8);

        var fromOld = new ComputeDistribution();
        Summaries.MergeInto(fromOld, old);
        var fromCurrent = new ComputeDistribution();
        Summaries.MergeInto(fromCurrent, serializer.Deserialize<GroupSummary>(serializer.SerializeToArray(current))!);

        Assert.Equal(0, old.LargestNodeGpus);
        Assert.Equal((3, 20L, 7), (fromOld.Count, fromOld.GpuCount, fromOld.LargestNodeGpus));
        Assert.Equal(8, fromCurrent.LargestNodeGpus);
    }
}

/// <summary><see cref="GroupSummary"/> as a build before <see cref="GroupSummary.LargestNodeGpus"/> wrote it: fields 0 to 7.</summary>
[GenerateSerializer, Immutable]
public sealed record GroupSummaryBeforeLargestNode(
    [property: Id(0)] string Generation,
    [property: Id(1)] int Count,
    [property: Id(2)] long Gpus,
    [property: Id(3)] double SumSeconds,
    [property: Id(4)] double MinSeconds,
    [property: Id(5)] double MaxSeconds,
    [property: Id(6)] int SketchFirstBucket,
    [property: Id(7)] int[] SketchCounts);
