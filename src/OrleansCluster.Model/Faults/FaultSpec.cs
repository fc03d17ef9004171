namespace OrleansCluster.Model.Faults;

/// <summary>
/// A fault target: <see cref="Node"/>, <see cref="Link"/> or <see cref="Site"/> alone, or a node selector
/// (<see cref="Site"/> and/or <see cref="Generation"/>, narrowed by <see cref="Count"/> or <see cref="Fraction"/>).
/// </summary>
public sealed record FaultTarget(string? Node = null, string? Link = null, string? Site = null, string? Generation = null, int? Count = null, double? Fraction = null);

/// <summary>A fault as asked for: kind, target, parameters, and optional delayed start and duration (seconds).</summary>
public sealed record FaultSpec(string? Kind, FaultTarget? Target, IReadOnlyDictionary<string, double>? Params, double? StartInSeconds, double? DurationSeconds);

/// <summary>What a fault resolved to: the node, link and site ids it acts on.</summary>
public sealed record ResolvedTargets(IReadOnlyList<string> Nodes, IReadOnlyList<string> Links, IReadOnlyList<string> Sites)
{
    /// <summary>Nothing.</summary>
    public static ResolvedTargets None { get; } = new([], [], []);
}

/// <summary>A fault that validated against a cluster: its kind, full parameters (defaults filled) and targets.</summary>
public sealed record CheckedFault(FaultKind Kind, IReadOnlyDictionary<string, double> Params, ResolvedTargets Targets);

/// <summary>One thing wrong with a fault request; <see cref="NotFound"/> when a target names nothing that exists.</summary>
public sealed record FaultError(string Field, string Message, bool NotFound = false);
