using Orleans.Serialization.Activators;

namespace OrleansCluster.Abstractions.Messages;

/// <summary>A node's health as the barrier sees it.</summary>
[GenerateSerializer, Alias("NodeHealth")]
public enum NodeHealth
{
    /// <summary>No fault.</summary>
    Healthy = 0,

    /// <summary>Slowed by a fault, still stepping.</summary>
    Degraded = 1,

    /// <summary>Crashed, or evicted after missing the barrier.</summary>
    Down = 2,
}

/// <summary>What the active faults do to a node.</summary>
/// <param name="Slowdown">Product of the slowdown factors, >= 1.</param>
/// <param name="Crashed">True while crashed: the node never reaches the barrier.</param>
/// <param name="ClockRatio">The ratio its clocks are held at by thermal throttling or a power cap (1 otherwise).</param>
/// <param name="Xid">
/// While crashed, the XID one of its GPUs reports in dcgm mode (the others read healthy and idle): that of the crash in
/// force that started last, 79 ("GPU has fallen off the bus") for a crash that names none; 0 otherwise, and a crashed
/// effect with 0 reads 79 too.
/// </param>
/// <param name="PowerLimitRatio">
/// The share of its TDP each of its GPUs may draw under the power caps in force (dcgm mode's power and temperature);
/// 1, no limit, otherwise. A thermal throttle lowers <paramref name="ClockRatio"/> and leaves this at 1.
/// </param>
[GenerateSerializer, Immutable, UseActivator, Alias("NodeEffect")]
public sealed record NodeEffect([property: Id(0)] double Slowdown, [property: Id(1)] bool Crashed, [property: Id(2)] double ClockRatio = 1, [property: Id(3)] int Xid = 0, [property: Id(4)] double PowerLimitRatio = 1)
{
    public static NodeEffect None { get; } = new(1, false);

    public NodeHealth Health => Crashed ? NodeHealth.Down : Slowdown > 1 ? NodeHealth.Degraded : NodeHealth.Healthy;
}

/// <summary>
/// Makes the instance a <see cref="NodeEffect"/> is read into through its constructor, so that a field the sender
/// does not know keeps its default: Orleans otherwise starts from an uninitialised object, and an effect from a
/// build before <see cref="NodeEffect.PowerLimitRatio"/> read 0 there (a power limit of nothing, and a healed node's
/// effect that never equalled <see cref="NodeEffect.None"/>). Each call makes a new instance, which the codec fills.
/// </summary>
[RegisterActivator]
internal sealed class NodeEffectActivator : IActivator<NodeEffect>
{
    public NodeEffect Create() => new(1, false);
}

/// <summary>What the faults in force do to one node now: what the fault registry tells the node's block.</summary>
/// <param name="Node">The node.</param>
/// <param name="Effect">What the faults in force on it do to it.</param>
/// <param name="RemappedRows">
/// The HBM rows the node's GPUs have spared for double-bit ECC errors (XID 48), ever, in this scenario: dcgm mode's
/// <c>DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS</c> of the GPU that XID names. The registry's count, from its durable
/// record, so that every silo showing the node reads the same; told with the effect, as it changes only when a crash
/// begins (and again to a block laid out anew). 0 from a registry built before it was told.
/// </param>
[GenerateSerializer, Immutable, Alias("NodeEffectChange")]
public sealed record NodeEffectChange([property: Id(0)] string Node, [property: Id(1)] NodeEffect Effect, [property: Id(2)] int RemappedRows = 0);

/// <summary>
/// A block's request for a node's compute times over consecutive steps under <paramref name="Effect"/>, what the
/// faults in force do to it (the block holds it: the registry tells the block, and the block each request).
/// </summary>
[GenerateSerializer, Immutable, Alias("NodeBatchRequest")]
public sealed record NodeBatchRequest([property: Id(0)] NodeSpec Spec, [property: Id(1)] long FromStep, [property: Id(2)] int Count, [property: Id(3)] NodeEffect Effect);

/// <summary>
/// A node's compute times for steps <c>FromStep .. FromStep + Count - 1</c> under the effect asked (positive
/// infinity for a step it never reaches).
/// </summary>
[GenerateSerializer, Immutable, Alias("NodeBatch")]
public sealed record NodeBatch([property: Id(0)] double[] ComputeSeconds);

