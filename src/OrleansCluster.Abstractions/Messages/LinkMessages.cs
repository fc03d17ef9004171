namespace OrleansCluster.Abstractions.Messages;

/// <summary>A link's static figures (SI units) and the noise it needs.</summary>
[GenerateSerializer, Immutable, Alias("LinkConfig")]
public sealed record LinkConfig(
    [property: Id(0)] long Epoch,
    [property: Id(1)] string Link,
    [property: Id(2)] string From,
    [property: Id(3)] string To,
    [property: Id(4)] double DistanceKm,
    [property: Id(5)] double RouteFactor,
    [property: Id(6)] double EquipmentLatencySeconds,
    [property: Id(7)] double BandwidthBytesPerSecond,
    [property: Id(8)] ulong Seed,
    [property: Id(9)] double JitterSeconds);

/// <summary>What the active faults do to a link.</summary>
[GenerateSerializer, Immutable, Alias("LinkFaultEffect")]
public sealed record LinkFaultEffect(
    [property: Id(0)] double ExtraLatencySeconds,
    [property: Id(1)] double ExtraJitterSeconds,
    [property: Id(2)] double BandwidthRatio,
    [property: Id(3)] double PacketLossRatio,
    [property: Id(4)] bool Up)
{
    public static LinkFaultEffect None { get; } = new(0, 0, 1, 0, true);
}

/// <summary>A link's figures at one step.</summary>
[GenerateSerializer, Immutable, Alias("LinkFigures")]
public sealed record LinkFigures(
    [property: Id(0)] string Link,
    [property: Id(1)] bool Up,
    [property: Id(2)] double LatencySeconds,
    [property: Id(3)] double BandwidthBytesPerSecond,
    [property: Id(4)] double PacketLossRatio,
    [property: Id(5)] double NominalLatencySeconds,
    [property: Id(6)] double NominalBandwidthBytesPerSecond);
