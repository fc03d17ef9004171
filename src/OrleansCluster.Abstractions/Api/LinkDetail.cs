using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Abstractions.Api;

/// <summary>One link in full (<c>GET /api/links/{id}</c>).</summary>
public sealed record LinkDetail(LinkStatus Link, IReadOnlyList<Fault> Faults);
