using OrleansCluster.Model.Generations;

namespace OrleansCluster.Model.Simulation;

/// <summary>The compute-time distribution of one (site, generation) group of nodes at one step.</summary>
public sealed record GroupStats(int SiteIndex, GpuGeneration Generation, ComputeDistribution Distribution);
