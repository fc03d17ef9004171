using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Abstractions.Api;

/// <summary>One node in full (<c>GET /api/nodes/{id}</c>).</summary>
public sealed record NodeDetail(string Id, string Site, string Generation, int Gpus, NodeHealth State, double Slowdown, bool Crashed, double NominalComputeSeconds, IReadOnlyList<Fault> Faults);
