namespace OrleansCluster.Abstractions.Api;

/// <summary>One page of nodes (<c>GET /api/nodes</c>).</summary>
public sealed record NodePage(int Page, int PageSize, int Total, IReadOnlyList<NodeSummary> Nodes);
