namespace OrleansCluster.Abstractions.Api;

/// <summary>The body of <c>PUT /api/job/pace</c>.</summary>
public sealed record PaceBody(string? Mode, double? Speed = null);
