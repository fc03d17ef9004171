namespace OrleansCluster.Grains.Barrier;

/// <summary>
/// Places shard <c>j</c> of a site on the <c>(j + h(site)) mod n</c>-th of the <c>n</c> compatible silos sorted by
/// address (<see cref="ShardPlacementDirector"/>), so a site's shards, and the blocks and nodes activated beside
/// them, spread evenly over the silos, and sites do not all start on the same one.
/// </summary>
[GenerateSerializer, Immutable, Alias("ShardPlacementStrategy")]
public sealed class ShardPlacementStrategy : PlacementStrategy
{
    internal static ShardPlacementStrategy Singleton { get; } = new();
}
