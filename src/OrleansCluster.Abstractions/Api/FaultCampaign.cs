using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Abstractions.Api;

/// <summary>A fault campaign: a named list of faults with start offsets, replayed as one injection (the body of <c>POST /api/faults/campaign</c>).</summary>
public sealed record FaultCampaign(string? Name, string? Description, IReadOnlyList<FaultRequest>? Faults);
