namespace OrleansCluster.Abstractions.Messages;

/// <summary>A fault's target as asked for: a node, a link or a site alone, or a node selector.</summary>
[GenerateSerializer, Immutable, Alias("FaultTargetRequest")]
public sealed record FaultTargetRequest(
    [property: Id(0)] string? Node = null,
    [property: Id(1)] string? Link = null,
    [property: Id(2)] string? Site = null,
    [property: Id(3)] string? Generation = null,
    [property: Id(4)] int? Count = null,
    [property: Id(5)] double? Fraction = null);

/// <summary>A fault to inject (DESIGN.md section 4).</summary>
[GenerateSerializer, Immutable, Alias("FaultRequest")]
public sealed record FaultRequest(
    [property: Id(0)] string? Kind,
    [property: Id(1)] FaultTargetRequest? Target,
    [property: Id(2)] IReadOnlyDictionary<string, double>? Params = null,
    [property: Id(3)] double? StartInSeconds = null,
    [property: Id(4)] double? DurationSeconds = null);

/// <summary>Where a fault is in its life.</summary>
[GenerateSerializer, Alias("FaultState")]
public enum FaultState
{
    /// <summary>Waiting for its delayed start.</summary>
    Pending = 0,

    /// <summary>In force.</summary>
    Active = 1,

    /// <summary>Ran its duration.</summary>
    Expired = 2,

    /// <summary>Cleared by an operator, or by a new scenario.</summary>
    Cleared = 3,
}

/// <summary>
/// What a fault resolved to. In a list of faults the API cuts a long <see cref="Nodes"/> to its first ones and gives
/// their number in <see cref="NodeCount"/> (null when <see cref="Nodes"/> holds them all).
/// </summary>
[GenerateSerializer, Immutable, Alias("FaultTargets")]
public sealed record FaultTargets(
    [property: Id(0)] IReadOnlyList<string> Nodes,
    [property: Id(1)] IReadOnlyList<string> Links,
    [property: Id(2)] IReadOnlyList<string> Sites,
    [property: Id(3)] int? NodeCount = null)
{
    /// <summary>These targets with at most <paramref name="nodes"/> node ids listed, and the count when there are more.</summary>
    public FaultTargets Listing(int nodes) =>
        Nodes.Count <= nodes ? this : this with { Nodes = Nodes.Take(nodes).ToArray(), NodeCount = Nodes.Count };
}

/// <summary>An injected fault: server-generated id, what was asked, what it resolved to, and when.</summary>
[GenerateSerializer, Immutable, Alias("Fault")]
public sealed record Fault(
    [property: Id(0)] string Id,
    [property: Id(1)] FaultKind Kind,
    [property: Id(2)] FaultTargetRequest Target,
    [property: Id(3)] IReadOnlyDictionary<string, double> Params,
    [property: Id(4)] double? StartInSeconds,
    [property: Id(5)] double? DurationSeconds,
    [property: Id(6)] FaultState State,
    [property: Id(7)] DateTimeOffset CreatedAt,
    [property: Id(8)] DateTimeOffset StartsAt,
    [property: Id(9)] DateTimeOffset? EndsAt,
    [property: Id(10)] FaultTargets Targets,
    [property: Id(11)] string? Campaign,
    [property: Id(12)] string? Source = null,
    [property: Id(13)] string? Cause = null,
    [property: Id(14)] double? SimulatedStartSeconds = null,
    [property: Id(15)] double? SimulatedRepairSeconds = null,
    [property: Id(16)] int? Xid = null);

/// <summary>
/// A background failure the job hands the registry (DESIGN.md section 7.6): drawn by the model for a window of
/// simulated time, it starts at <see cref="StartSeconds"/> and is repaired <see cref="RepairSeconds"/> later, both on
/// the job's simulated clock. <see cref="Id"/> is a pure function of the seed's history.
/// </summary>
[GenerateSerializer, Immutable, Alias("BackgroundFault")]
public sealed record BackgroundFault(
    [property: Id(0)] string Id,
    [property: Id(1)] string Cause,
    [property: Id(2)] FaultKind Kind,
    [property: Id(3)] FaultTargetRequest Target,
    [property: Id(4)] IReadOnlyDictionary<string, double> Params,
    [property: Id(5)] double StartSeconds,
    [property: Id(6)] double RepairSeconds,
    [property: Id(7)] int? Xid);

/// <summary>
/// What the registry made of a step's background failures: the simulated time of the next repair it awaits, if any,
/// and how many arrivals it dropped because the faults in force were at <c>Admin:MaxLiveFaults</c>.
/// </summary>
[GenerateSerializer, Immutable, Alias("BackgroundHandover")]
public sealed record BackgroundHandover([property: Id(0)] double? NextRepairSeconds, [property: Id(1)] int Dropped);

/// <summary>One field of a request and what is wrong with it.</summary>
[GenerateSerializer, Immutable, Alias("FieldError")]
public sealed record FieldError([property: Id(0)] string Field, [property: Id(1)] string Message);

/// <summary>
/// The outcome of an injection: the faults made, or the errors (nothing is injected when there is one).
/// <see cref="NotFound"/> is true when every error is a target that names nothing; <see cref="Refusal"/> says
/// when a valid request was refused for the registry's state rather than for what it asks;
/// <see cref="Replayed"/> is true when an idempotency key answered the faults an earlier call made.
/// </summary>
[GenerateSerializer, Immutable, Alias("InjectionResult")]
public sealed record InjectionResult(
    [property: Id(0)] IReadOnlyList<Fault> Faults,
    [property: Id(1)] IReadOnlyList<FieldError> Errors,
    [property: Id(2)] bool NotFound,
    [property: Id(3)] InjectionRefusal Refusal = InjectionRefusal.None,
    [property: Id(4)] bool Replayed = false);

/// <summary>Why a well-formed injection was refused.</summary>
[GenerateSerializer, Alias("InjectionRefusal")]
public enum InjectionRefusal
{
    /// <summary>Not refused, or refused for what it asks (see the errors).</summary>
    None = 0,

    /// <summary>It would take the faults pending or in force past <c>Admin:MaxLiveFaults</c>.</summary>
    LiveFaultLimit = 1,

    /// <summary>Its idempotency key was used before with a different request.</summary>
    IdempotencyKeyReused = 2,

    /// <summary>No scenario is loaded, so there is nothing to inject into (the API answers 409, as its other routes do).</summary>
    NoScenario = 3,
}

/// <summary>The fault registry's history of ended faults, as every reader of it counts on.</summary>
public static class FaultHistory
{
    /// <summary>How many ended faults the registry keeps (expired or cleared), the oldest dropped first.</summary>
    public const int Kept = 1000;
}

/// <summary>Faults by kind: in force now, and injected since the scenario was loaded; background failures by cause since then.</summary>
[GenerateSerializer, Immutable, Alias("FaultCounts")]
public sealed record FaultCounts(
    [property: Id(0)] IReadOnlyDictionary<string, int> Active,
    [property: Id(1)] IReadOnlyDictionary<string, long> Injected,
    [property: Id(2)] IReadOnlyDictionary<string, long>? FailuresByCause = null);

/// <summary>
/// For <c>/healthz</c>: the faults pending or in force, and what the registry holds that storage does not, while a
/// write of it has failed since the last that landed (an expiry or the history, tried again each second).
/// </summary>
[GenerateSerializer, Immutable, Alias("FaultRegistryHealth")]
public sealed record FaultRegistryHealth(
    [property: Id(0)] int InForce,
    [property: Id(1)] UnwrittenRecord? Unwritten);
