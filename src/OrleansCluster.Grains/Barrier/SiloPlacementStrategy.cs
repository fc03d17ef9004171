namespace OrleansCluster.Grains.Barrier;

/// <summary>
/// Places a grain keyed by a silo's address (<see cref="SiloAddress.ToParsableString"/>) on that silo
/// (<see cref="SiloPlacementDirector"/>), so that each silo's coordinator runs beside the shards it steps.
/// </summary>
[GenerateSerializer, Immutable, Alias("SiloPlacementStrategy")]
public sealed class SiloPlacementStrategy : PlacementStrategy
{
    internal static SiloPlacementStrategy Singleton { get; } = new();
}
