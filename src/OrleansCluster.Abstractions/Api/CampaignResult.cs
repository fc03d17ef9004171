using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Abstractions.Api;

/// <summary>What a campaign injection answers.</summary>
public sealed record CampaignResult(string Campaign, IReadOnlyList<Fault> Faults);
