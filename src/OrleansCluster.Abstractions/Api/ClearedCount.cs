namespace OrleansCluster.Abstractions.Api;

/// <summary>What clearing every fault answers.</summary>
public sealed record ClearedCount(int Cleared);
