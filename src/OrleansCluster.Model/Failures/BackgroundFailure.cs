using OrleansCluster.Model.Faults;

namespace OrleansCluster.Model.Failures;

/// <summary>
/// One failure drawn by <see cref="FailureArrivals"/>: its id (a pure function of the seed's history, so asking twice
/// gives the same id), cause, fault, target (a node or a link) and its start and repair in simulated seconds.
/// </summary>
public sealed record BackgroundFailure(
    string Id,
    string Cause,
    FaultKind Kind,
    IReadOnlyDictionary<string, double> Params,
    string? Node,
    string? Link,
    double StartSeconds,
    double RepairSeconds,
    int? Xid);
