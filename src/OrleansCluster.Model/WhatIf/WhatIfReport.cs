using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Model.WhatIf;

/// <summary>Every variant's figures and the ranking by <see cref="Objective"/> (DESIGN.md 7.7).</summary>
/// <param name="Ranking">Variant names, best first; variants with an error or without the objective's figure last.</param>
public sealed record WhatIfReport(string Scenario, int Steps, string Objective, IReadOnlyList<VariantResult> Variants, IReadOnlyList<string> Ranking);

/// <summary>
/// One variant over the steps: its GPUs, step time, throughput, MFU, mean breakdown and money. The steps are those
/// evaluated, replays included, as the live job runs them: a failed step lasts the barrier timeout and does no work,
/// and the run goes back to its last checkpoint, losing the work of the steps since (<see cref="LostSteps"/>). A
/// failed step counts in the step times, not in the work, the MFU (useful FLOPs of the steps kept over peak FLOP/s
/// times the time every step took) nor the breakdown (that of the completed steps). Money is null when the scenario
/// has no <c>economics</c>, lacks a price for a generation the variant uses, or the variant did no useful work
/// (a <see cref="Stalled"/> one included).
/// </summary>
public sealed record VariantResult(
    string Name,
    string? Change,
    string? Error,
    int Nodes,
    long Gpus,
    IReadOnlyDictionary<string, long> GpusByGeneration,
    int FailedSteps,
    double MeanStepSeconds,
    double P99StepSeconds,
    double TokensPerSecond,
    double UsefulPflopsPerSecond,
    double ClusterMfu,
    StepBreakdown Breakdown,
    VariantMoney? Money)
{
    /// <summary>Steps completed and then rolled back to the last checkpoint by a failed step (the job's <c>lostSteps</c>).</summary>
    public long LostSteps { get; init; }

    /// <summary>The step the run stands at after its steps (the job's <c>step</c>): the last completed and not rolled back.</summary>
    public long ReachedStep { get; init; }

    /// <summary>
    /// True when a step fails on every replay (it failed again after a rollback, before the run got past it): the live
    /// job would never progress, so the throughput, MFU and money are none. <see cref="StallReason"/> says which step and why.
    /// </summary>
    public bool Stalled { get; init; }

    /// <summary>Which step fails on every replay and why, when <see cref="Stalled"/>; null otherwise.</summary>
    public string? StallReason { get; init; }

    /// <summary>A variant that could not be built (its patch or change gives no valid scenario).</summary>
    public static VariantResult Failed(WhatIfVariant variant, string error) =>
        new(variant.Name, variant.Change, error, 0, 0, new Dictionary<string, long>(), 0, 0, 0, 0, 0, 0, StepBreakdown.Zero, null);
}

/// <summary>
/// A variant's money: what its GPUs cost per step and per unit of work, and what the GPUs of the baseline it
/// leaves out would earn leased (docs/economics.md says how each is computed).
/// </summary>
public sealed record VariantMoney(
    double UsdPerHour,
    double UsdPerStep,
    double UsdPer1e21Flops,
    double? UsdPerMillionTokens,
    double LeftOutLeaseUsdPerMonth,
    double NetUsdPer1e21Flops);
