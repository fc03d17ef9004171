using Orleans.Placement;

namespace OrleansCluster.Grains.Barrier;

/// <summary>Marks a grain keyed by a silo's address as placed on that silo by <see cref="SiloPlacementStrategy"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SiloPlacementAttribute() : PlacementAttribute(SiloPlacementStrategy.Singleton);
