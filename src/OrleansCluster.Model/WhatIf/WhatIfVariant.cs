using OrleansCluster.Model.Scenarios;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace OrleansCluster.Model.WhatIf;

/// <summary>
/// One configuration to evaluate: the loaded scenario with a JSON merge patch (RFC 7396) or a named change
/// (<see cref="NamedChanges"/>) applied; neither means the baseline.
/// </summary>
public sealed record WhatIfVariant(string Name, JsonObject? Patch = null, string? Change = null)
{
    /// <summary>The baseline: the scenario as loaded.</summary>
    public static WhatIfVariant Baseline { get; } = new("baseline");
}

/// <summary>What the ranking orders the variants by.</summary>
public enum WhatIfObjective
{
    /// <summary>Most useful FLOP/s first.</summary>
    UsefulFlops,

    /// <summary>Most tokens per second first.</summary>
    TokensPerSecond,

    /// <summary>Least USD per 1e21 useful FLOPs first.</summary>
    UsdPer1e21Flops,

    /// <summary>Least USD per 1e21 useful FLOPs net of the lease value of what the variant leaves out first.</summary>
    NetUsdPer1e21Flops,

    /// <summary>Least USD per million tokens first.</summary>
    UsdPerMillionTokens,
}

/// <summary>The objectives' wire names.</summary>
public static class WhatIfObjectives
{
    /// <summary>The wire names, in the enum's order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["useful-flops", "tokens-per-second", "usd-per-1e21-flops", "net-usd-per-1e21-flops", "usd-per-million-tokens"];

    /// <summary>Parses a wire name.</summary>
    public static bool TryParse(string? name, out WhatIfObjective objective)
    {
        var index = name is null ? -1 : Names.ToList().IndexOf(name);
        objective = index < 0 ? WhatIfObjective.UsefulFlops : (WhatIfObjective)index;
        return index >= 0;
    }

    /// <summary>The wire name of <paramref name="objective"/>.</summary>
    public static string Name(this WhatIfObjective objective) => Names[(int)objective];

    /// <summary>Whether <paramref name="objective"/> ranks by money, which needs the GPUs' prices (<c>economics</c>).</summary>
    public static bool IsMoney(this WhatIfObjective objective) =>
        objective is WhatIfObjective.UsdPer1e21Flops or WhatIfObjective.NetUsdPer1e21Flops or WhatIfObjective.UsdPerMillionTokens;
}

/// <summary>
/// The baseline and every variant's scenario, built and validated, before any step. A variant whose lease
/// (<c>economics.leaseRevenuePerMonth</c>) names a site that neither it nor the baseline has is refused here, where
/// both are known (<see cref="ScenarioLoader.UnknownVariantLeaseSite"/>): its <see cref="PlannedVariant.Scenario"/>
/// is null and its error names the lease.
/// </summary>
public sealed record WhatIfPlan(Scenario Baseline, IReadOnlyList<PlannedVariant> Variants)
{
    /// <summary>Every variant of the request (several for <c>standard</c>), in its order, with its scenario or errors.</summary>
    public IReadOnlyList<PlannedVariant> Variants { get; init; } = WithLeasesChecked(Baseline, Variants);

    /// <summary>Nodes over every valid variant: times the steps, the work of the evaluation.</summary>
    public long Nodes => Variants.Sum(v => v.Scenario is null ? 0L : ScenarioLoader.CountNodes(v.Scenario));

    /// <summary>
    /// Each variant of the request whose name (one of its names, for <c>standard</c>) an earlier one already has, naming
    /// <c>variants[i].name</c>: the ranking names the variants, so a plan with any cannot be evaluated.
    /// </summary>
    public IReadOnlyList<ScenarioError> NameErrors { get; init; } = [];

    /// <summary>Why the baseline itself is larger than the host takes (then no variant is planned); null when it fits.</summary>
    public ScenarioError? BaselineError { get; init; }

    /// <summary>
    /// Whether every variant was given all of a load's checks. A plan past a bound of its host (the baseline too large,
    /// or its variants' nodes together too many) is not: it says what to refuse, and cannot be evaluated.
    /// </summary>
    public bool Checked { get; init; } = true;

    // Found by probing: a variant's lease of a site that exists nowhere ('mars') parsed, since a variant may keep the lease
    // of a site it drops, and was then left out of its money without a word. A load refuses it as a typo, and so does a plan.
    private static PlannedVariant[] WithLeasesChecked(Scenario baseline, IReadOnlyList<PlannedVariant> variants)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(variants);
        return variants.Select(p => p.Scenario is { } scenario && ScenarioLoader.UnknownVariantLeaseSite(scenario, baseline) is { } unknown
            ? p with { Scenario = null, Error = unknown.ToString(), Errors = [unknown] }
            : p).ToArray();
    }
}

/// <summary>A variant of the request at <paramref name="RequestIndex"/> (several for <c>standard</c>), with its scenario or error.</summary>
public sealed partial record PlannedVariant(int RequestIndex, WhatIfVariant Variant, Scenario? Scenario, string? Error)
{
    /// <summary>What <see cref="Error"/> says, one error a field of the variant's scenario (<c>change</c> for a named change).</summary>
    public IReadOnlyList<ScenarioError> Errors { get; init; } = [];

    /// <summary>
    /// <see cref="Errors"/> named as fields of the request the client sent: a field the variant's patch sets, removes or
    /// replaces, at its place in the patch (<c>variants[0].patch.job.barrierTimeoutSeconds</c>, <c>variants[0].patch.name</c>
    /// for <c>"name": null</c>); a named change that does not apply, <c>variants[0].change</c>. A field of the variant's
    /// scenario that the patch does not hold (the baseline's, made wrong by the change or by what the patch set beside it)
    /// names what the request gave, <c>variants[0].change</c> or <c>variants[0].patch</c> (<c>variants[0]</c> when it gave
    /// both, or neither), and says which field of the scenario in its message. A position in the patched document
    /// (<c>(line 1, byte 1234)</c>, from <see cref="JsonReadErrors"/>) is left out: the client never saw that document.
    /// </summary>
    public IEnumerable<ScenarioError> RequestErrors() => Errors.Select(RequestError);

    private ScenarioError RequestError(ScenarioError error)
    {
        var variant = $"variants[{RequestIndex}]";
        if (error.Field == "change")
        {
            return error with { Field = $"{variant}.change" };
        }

        var message = PatchedDocumentPosition().Replace(error.Message, string.Empty);
        if (Variant.Patch is { } patch && JsonMergePatch.Locate(patch, error.Field) is { } inPatch)
        {
            return new ScenarioError($"{variant}.patch{(inPatch[0] == '[' ? string.Empty : ".")}{inPatch}", message);
        }

        var given = (Variant.Patch, Variant.Change) switch
        {
            (null, not null) => ".change",
            (not null, null) => ".patch",
            _ => string.Empty,
        };
        return new ScenarioError(variant + given, error.Field.Length == 0 ? message : $"{error.Field} (of the variant's scenario): {message}");
    }

    [GeneratedRegex(@" \(line \d+, byte \d+\)")]
    private static partial Regex PatchedDocumentPosition();
}
