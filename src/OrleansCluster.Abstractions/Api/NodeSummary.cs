using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Abstractions.Api;

/// <summary>A node in a listing; <c>state</c> is what its faults make it.</summary>
public sealed record NodeSummary(string Id, string Site, string Generation, int Gpus, NodeHealth State);
