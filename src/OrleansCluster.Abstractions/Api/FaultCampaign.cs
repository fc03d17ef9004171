using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Abstractions.Api;

/// <summary>A fault campaign: a named list of faults with start offsets, replayed as one injection (the body of <c>POST /api/faults/campaign</c>).</summary>
/// <remarks>The description is optional: its default makes the OpenAPI document say so (it listed it as required).</remarks>
public sealed record FaultCampaign(string? Name, IReadOnlyList<FaultRequest>? Faults, string? Description = null);
