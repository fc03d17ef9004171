namespace OrleansCluster.Grains.Links;

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
