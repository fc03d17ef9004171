using Orleans.Placement;

namespace OrleansCluster.Grains.Barrier;

/// <summary>Marks a grain keyed <c>{site}/shard-{j}</c> as placed by <see cref="ShardPlacementStrategy"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ShardPlacementAttribute() : PlacementAttribute(ShardPlacementStrategy.Singleton);
