using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Model.WhatIf;

/// <summary>Every variant's figures and the ranking by <see cref="Objective"/> (DESIGN.md 7.7).</summary>
/// <param name="Ranking">Variant names, best first; variants with an error or without the objective's figure last.</param>
public sealed record WhatIfReport(string Scenario, int Steps, string Objective, IReadOnlyList<VariantResult> Variants, IReadOnlyList<string> Ranking);

/// <summary>
/// One variant over the steps: its GPUs, step time, throughput, MFU, mean breakdown and money. A failed step (as the
/// live job fails it) lasts the barrier timeout and does no work: it counts in the step times, not in the work, the
/// MFU (useful FLOPs over peak FLOP/s times the time every step took) nor the breakdown (that of the completed steps).
/// Money is null when the scenario has no <c>economics</c>, lacks a price for a generation the variant uses, or
/// the variant did no useful work.
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
