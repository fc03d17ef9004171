namespace OrleansCluster.Abstractions.Api;

/// <summary>A preset's summary (<c>GET /api/scenarios</c>).</summary>
public sealed record PresetSummary(string Name, bool IsDefault, IReadOnlyList<string> Sites, int Nodes, long Gpus, IReadOnlyList<string> Generations, int Links);
