namespace OrleansCluster.Grains.Barrier;

/// <summary>
/// Places a shard or a block on the silo of the coordinator that configures it, wherever the activation is made
/// (<see cref="BesideCoordinatorPlacementDirector"/>): the silo named in the call's request context, else the silo
/// placing it.
/// </summary>
[GenerateSerializer, Immutable, Alias("BesideCoordinatorPlacementStrategy")]
public sealed class BesideCoordinatorPlacementStrategy : PlacementStrategy
{
    internal static BesideCoordinatorPlacementStrategy Singleton { get; } = new();
}
