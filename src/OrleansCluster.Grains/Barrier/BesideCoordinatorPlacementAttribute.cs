using Orleans.Placement;

namespace OrleansCluster.Grains.Barrier;

/// <summary>Marks a grain of the barrier tree as placed beside its silo's coordinator by <see cref="BesideCoordinatorPlacementStrategy"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class BesideCoordinatorPlacementAttribute() : PlacementAttribute(BesideCoordinatorPlacementStrategy.Singleton);
