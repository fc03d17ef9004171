using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Barrier;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Tests.Barrier;

/// <summary>
/// Messages from a build before a field was added read as that build meant them. A node effect from a build before <see cref="NodeEffect.PowerLimitRatio"/> (fields 0 to 3 on the wire, no field 4)
/// reads with no power limit, 1: Orleans started the record from an uninitialised object, which left the field 0, so
/// that a healed node's effect never equalled <see cref="NodeEffect.None"/> and the node left its block's draws for
/// good (found by review; the block had patched it at its intake). A generation's summary from a build before
/// <see cref="GroupSummary.LargestNodeGpus"/> (fields 0 to 7) reads 0 there; merged, it counts as its mean node, as that
/// build took it, rather than a node of no GPUs, whose ring would carry no bytes (found by review).
/// </summary>
public sealed class OlderWireShapeTests
{
    private readonly ServiceProvider _services = new ServiceCollection()
        .AddSerializer(s => s.AddAssembly(typeof(NodeEffect).Assembly).AddAssembly(typeof(OlderWireShapeTests).Assembly))
        .BuildServiceProvider();

    [Fact]
    public void AnEffectWithoutPowerLimitRatioReadsAsNoLimitAndAHealedOneAsNone()
    {
        var serializer = _services.GetRequiredService<Serializer>();

        var healed = serializer.Deserialize<NodeEffect>(serializer.SerializeToArray(new NodeEffectBeforePowerLimit(1, false, 1, 0)));
        var throttled = serializer.Deserialize<NodeEffect>(serializer.SerializeToArray(new NodeEffectBeforePowerLimit(1.5, false, 0.6, 0)));

        Assert.NotNull(healed);
        Assert.Equal(1, healed.PowerLimitRatio);
        Assert.Equal(NodeEffect.None, healed);
        Assert.Equal(new NodeEffect(1.5, false, 0.6, 0, 1), throttled);
    }

    [Fact]
    public void AnEffectOfThisBuildRoundTripsWithItsPowerLimitAndEachReadIsANewInstance()
    {
        var serializer = _services.GetRequiredService<Serializer>();
        var capped = new NodeEffect(1.2, false, 0.8, 0, 0.7);
        var crashed = new NodeEffect(1, true, 1, 48);

        Assert.Equal(capped, serializer.Deserialize<NodeEffect>(serializer.SerializeToArray(capped)));
        Assert.Equal(crashed, serializer.Deserialize<NodeEffect>(serializer.SerializeToArray(crashed)));
        Assert.NotSame(NodeEffect.None, serializer.Deserialize<NodeEffect>(serializer.SerializeToArray(NodeEffect.None)));
    }

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

/// <summary><see cref="NodeEffect"/> as a build before <see cref="NodeEffect.PowerLimitRatio"/> wrote it: fields 0 to 3.</summary>
[GenerateSerializer, Immutable]
public sealed record NodeEffectBeforePowerLimit([property: Id(0)] double Slowdown, [property: Id(1)] bool Crashed, [property: Id(2)] double ClockRatio, [property: Id(3)] int Xid);

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
