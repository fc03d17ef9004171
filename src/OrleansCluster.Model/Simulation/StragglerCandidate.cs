namespace OrleansCluster.Model.Simulation;

/// <summary>A node's compute time at one step, kept when it is among the slowest.</summary>
public readonly record struct StragglerCandidate(string NodeId, int SiteIndex, string Generation, double ComputeSeconds);
