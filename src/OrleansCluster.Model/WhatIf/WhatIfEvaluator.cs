using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Model.WhatIf;

/// <summary>
/// Evaluates variants of a scenario with the plain loop (noise included, seeded by the scenario): each
/// variant's scenario is the baseline document with its patch or named change applied, validated as a file
/// would be, then stepped <c>steps</c> times. Money uses the variant's <c>economics</c> (the baseline's unless
/// the patch changes it); the lease value of what it leaves out is counted against the baseline's GPUs.
/// </summary>
public static class WhatIfEvaluator
{
    /// <summary>The options scenario documents are parsed with (comments allowed, as in the preset files).</summary>
    public static JsonDocumentOptions DocumentOptions { get; } = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>
    /// Expands <c>standard</c> (as a variant's change) into its variants, each named as <see cref="NamedChanges.StandardVariants"/>
    /// names it, after the variant's own name and a slash when it has one of its own (<c>mine</c> gives <c>mine/baseline</c>,
    /// <c>mine/drop-site:a</c>); other variants are kept.
    /// </summary>
    public static IReadOnlyList<WhatIfVariant> Expand(Scenario baseline, IEnumerable<WhatIfVariant> variants)
    {
        ArgumentNullException.ThrowIfNull(variants);
        return variants.SelectMany(v => v.Change != NamedChanges.Standard ? [v]
            : v.Name == NamedChanges.Standard ? NamedChanges.StandardVariants(baseline)
            : NamedChanges.StandardVariants(baseline).Select(s => s with { Name = $"{v.Name}/{s.Name}" })).ToArray();
    }

    /// <summary>
    /// The scenario of <paramref name="variant"/>, or null with every error that names what is wrong with it: the
    /// checks a load makes (<see cref="ScenarioLoader"/>, then <see cref="NominalStep.CompletionError"/>), each naming
    /// a field of the variant's scenario; a named change that does not apply names <c>change</c>.
    /// </summary>
    public static Scenario? Build(JsonObject baseline, WhatIfVariant variant, out IReadOnlyList<ScenarioError> errors)
    {
        ArgumentNullException.ThrowIfNull(variant);
        var scenario = Parse(baseline, variant, out errors);
        return scenario is null ? null : Complete(scenario, out errors);
    }

    // What a load refuses, a what-if does not evaluate: the plain loop would step a scenario the job never could. The
    // check may lay the scenario out node by node (persistent node factors), so it comes after every bound on size.
    private static Scenario? Complete(Scenario scenario, out IReadOnlyList<ScenarioError> errors)
    {
        if (NominalStep.CompletionError(scenario) is { } never)
        {
            errors = [never];
            return null;
        }

        errors = [];
        return scenario;
    }

    /// <summary>The scenario document of <paramref name="variant"/>, or null with the error.</summary>
    public static JsonObject? Document(JsonObject baseline, WhatIfVariant variant, out string? error)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(variant);
        error = null;
        var document = baseline;
        if (variant.Change is { } change)
        {
            document = NamedChanges.Apply(document, change, out error);
            if (error is not null)
            {
                return null;
            }
        }

        if (variant.Patch is { } patch && JsonMergePatch.Apply(document, patch) is JsonObject patched)
        {
            document = patched;
        }

        return document;
    }

    /// <summary>
    /// Parses the baseline, expands <c>standard</c> and builds every variant's scenario (or its error), without
    /// stepping anything: what a host checks against its limits before it evaluates.
    /// </summary>
    public static WhatIfPlan Plan(string baselineJson, IReadOnlyList<WhatIfVariant> variants) =>
        Plan(baselineJson, variants, static _ => null, long.MaxValue);

    /// <summary>
    /// <see cref="Plan(string, IReadOnlyList{WhatIfVariant})"/> within a host's bounds, each checked on node counts
    /// summed from the parsed scenarios, before anything is laid out node by node: the baseline and every variant
    /// must pass <paramref name="sizeError"/> (the check a load makes, so that a variant is no larger than what the
    /// host would run), and only when the variants' nodes together are at most <paramref name="maxTotalNodes"/> are
    /// they given the rest of a load's checks. Otherwise the plan is not <see cref="WhatIfPlan.Checked"/>: it tells
    /// the host what to refuse, and cannot be evaluated.
    /// </summary>
    /// <param name="sizeError">The error naming the field (<c>sites</c>) when a scenario is larger than the host takes; null when it fits.</param>
    /// <param name="maxTotalNodes">The nodes every variant together may hold for the rest of the checks to be made.</param>
    public static WhatIfPlan Plan(string baselineJson, IReadOnlyList<WhatIfVariant> variants, Func<Scenario, ScenarioError?> sizeError, long maxTotalNodes)
    {
        ArgumentNullException.ThrowIfNull(variants);
        ArgumentNullException.ThrowIfNull(sizeError);
        var baseline = ScenarioLoader.Parse(baselineJson);

        // Found by probing: the loaded scenario fits this silo's bound when loaded, but a silo of the cluster may take
        // less; a baseline past it is not expanded (standard), nor laid out (withFaults places the faults on it).
        if (sizeError(baseline) is { } tooLarge)
        {
            return new WhatIfPlan(baseline, []) { BaselineError = tooLarge, Checked = false };
        }

        var document = JsonNode.Parse(baselineJson, documentOptions: DocumentOptions)!.AsObject();
        var planned = new List<PlannedVariant>();
        var named = new Dictionary<string, int>(StringComparer.Ordinal);
        var nameErrors = new List<ScenarioError>();
        for (var i = 0; i < variants.Count; i++)
        {
            foreach (var variant in Expand(baseline, [variants[i]]))
            {
                // Found by probing: two variants named alike once 'standard' was expanded (its baseline beside a variant
                // named baseline, or 'standard' twice) were both reported, and the ranking, by name, could not tell them apart.
                if (!named.TryAdd(variant.Name, i) && nameErrors.All(e => e.Field != $"variants[{i}].name"))
                {
                    nameErrors.Add(DuplicateName(variants, variant.Name, i, named[variant.Name]));
                }

                // Found by probing: a patch of 400 sites of 99,996 nodes (40 million, ten times Simulation:MaxNodes)
                // passed every check and ran the silo out of memory laying it out; refused here, from its counts.
                var scenario = Parse(document, variant, out var errors);
                if (scenario is not null && sizeError(scenario) is { } oversized)
                {
                    (scenario, errors) = (null, [oversized]);
                }

                planned.Add(new PlannedVariant(i, variant, scenario, errors.Count == 0 ? null : Describe(errors)) { Errors = errors });
            }
        }

        // Each variant within the bound, many of them may still be more work than the host allows: then no layout is made.
        if (new WhatIfPlan(baseline, planned).Nodes > maxTotalNodes)
        {
            return new WhatIfPlan(baseline, planned) { Checked = false, NameErrors = nameErrors };
        }

        return new WhatIfPlan(baseline, planned.Select(p => p.Scenario is null ? p : Checked(p)).ToList()) { NameErrors = nameErrors };
    }

    // The error naming variants[i].name, whose variant (one of its variants, for 'standard') is named as one of variants[first]'s.
    private static ScenarioError DuplicateName(IReadOnlyList<WhatIfVariant> variants, string name, int i, int first)
    {
        static bool Standard(WhatIfVariant v) => v.Change == NamedChanges.Standard;
        var expanded = Standard(variants[i]) ? " ('standard' expands to it)" : string.Empty;
        var other = Standard(variants[first]) ? $"variants[{first}] ('standard') expands to it" : $"variants[{first}] has it";
        var remedy = Standard(variants[i]) || Standard(variants[first]) ? "; a name given with 'standard' prefixes its variants ('mine' gives 'mine/baseline')" : string.Empty;
        return new ScenarioError($"variants[{i}].name", $"duplicate variant '{name}'{expanded}: {other}; names must be unique once 'standard' is expanded{remedy}");
    }

    // A parsed variant with the rest of a load's checks made.
    private static PlannedVariant Checked(PlannedVariant planned)
    {
        var scenario = Complete(planned.Scenario!, out var errors);
        return planned with { Scenario = scenario, Error = errors.Count == 0 ? null : Describe(errors), Errors = errors };
    }

    // The variant's scenario as a load parses it (no layout), or null with its errors.
    private static Scenario? Parse(JsonObject baseline, WhatIfVariant variant, out IReadOnlyList<ScenarioError> errors)
    {
        var document = Document(baseline, variant, out var error);
        if (document is null)
        {
            errors = [new ScenarioError("change", error!)];
            return null;
        }

        return ScenarioLoader.TryParse(document.ToJsonString(), out var scenario, out errors) ? scenario : null;
    }

    // One line for a report: "field: message; ...", a named change's error as it is.
    private static string Describe(IReadOnlyList<ScenarioError> errors) =>
        string.Join("; ", errors.Select(e => e.Field == "change" ? e.Message : e.ToString()));

    /// <summary>
    /// Why <paramref name="objective"/> cannot rank <paramref name="plan"/>'s variants, naming <c>objective</c>, or null
    /// when it can: a money objective needs a price for every generation of every variant that was built (the
    /// baseline's <c>economics</c>, or its patch's), and <c>usd-per-million-tokens</c> tokens (model mode). Without
    /// them every variant's figure is null and the ranking would be the request's order, not a ranking.
    /// </summary>
    public static ScenarioError? ObjectiveError(WhatIfPlan plan, WhatIfObjective objective)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (!objective.IsMoney())
        {
            return null;
        }

        var built = plan.Variants.Where(p => p.Scenario is not null).Select(p => (p.Variant.Name, Scenario: p.Scenario!)).ToArray();
        var name = objective.Name();
        if (built.Length > 0 && built.All(b => !b.Scenario.Economics.HasPrices))
        {
            return new ScenarioError("objective", $"'{name}' ranks by money, but the scenario has no economics (economics.gpuHourPrices): load one with prices, give each variant's patch them, or rank by useful-flops");
        }

        var unpriced = built
            .Select(b => (b.Name, b.Scenario.Economics.HasPrices, Generations: WhatIfMoney.MissingPrices(plan.Baseline, b.Scenario).ToArray()))
            .Where(b => b.Generations.Length > 0)
            .Select(b => b.HasPrices ? $"'{b.Name}' has no price for {string.Join(", ", b.Generations)}" : $"'{b.Name}' has no economics")
            .ToArray();
        if (unpriced.Length > 0)
        {
            return new ScenarioError("objective", $"'{name}' ranks by money, which needs a price for every generation of every variant: {string.Join("; ", unpriced)}; give them (economics.gpuHourPrices, in the scenario or the variant's patch), or rank by useful-flops");
        }

        var direct = built.Where(b => b.Scenario.Job.Model is null).Select(b => $"'{b.Name}'").ToArray();
        if (objective == WhatIfObjective.UsdPerMillionTokens && direct.Length > 0)
        {
            return new ScenarioError("objective", $"'{name}' ranks by the cost of tokens, but {string.Join(", ", direct)} in direct mode (job.flopsPerGpuPerStep) trains none: rank by usd-per-1e21-flops");
        }

        return null;
    }

    /// <summary>Evaluates every variant for <paramref name="steps"/> steps and ranks them by <paramref name="objective"/>.</summary>
    public static WhatIfReport Evaluate(string baselineJson, IReadOnlyList<WhatIfVariant> variants, int steps, WhatIfObjective objective, CancellationToken cancellationToken = default) =>
        Evaluate(Plan(baselineJson, variants), steps, objective, cancellationToken);

    /// <summary>Evaluates a plan's variants for <paramref name="steps"/> steps and ranks them by <paramref name="objective"/>.</summary>
    public static WhatIfReport Evaluate(WhatIfPlan plan, int steps, WhatIfObjective objective, CancellationToken cancellationToken = default) =>
        Evaluate(plan, steps, objective, WhatIfFaults.None, cancellationToken);

    /// <summary>Evaluates a plan's variants under <paramref name="faults"/> (the live run's, carried into each variant).</summary>
    public static WhatIfReport Evaluate(WhatIfPlan plan, int steps, WhatIfObjective objective, WhatIfFaults faults, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(faults);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        if (!plan.Checked)
        {
            throw new ArgumentException("the plan is past its host's bounds (baseline size or nodes in all), so its variants were not all checked", nameof(plan));
        }

        if (plan.NameErrors.Count > 0)
        {
            throw new ArgumentException($"variant names must be unique (the ranking names them): {string.Join("; ", plan.NameErrors)}", nameof(plan));
        }

        if (ObjectiveError(plan, objective) is { } unranked)
        {
            throw new ArgumentException(unranked.ToString(), nameof(objective));
        }

        var results = new List<VariantResult>();
        foreach (var p in plan.Variants)
        {
            cancellationToken.ThrowIfCancellationRequested();
            results.Add(p.Scenario is null ? VariantResult.Failed(p.Variant, p.Error!) : WhatIfRun.Evaluate(plan.Baseline, p.Scenario, p.Variant, steps, faults, cancellationToken));
        }

        return new WhatIfReport(plan.Baseline.Name, steps, objective.Name(), results, Rank(results, objective));
    }

    /// <summary>Variant names best first by <paramref name="objective"/>; those without the figure last, in their order.</summary>
    public static IReadOnlyList<string> Rank(IReadOnlyList<VariantResult> results, WhatIfObjective objective)
    {
        ArgumentNullException.ThrowIfNull(results);
        (double? Value, bool Higher) Key(VariantResult r) => r.Error is not null ? (null, true) : objective switch
        {
            WhatIfObjective.UsefulFlops => (r.UsefulPflopsPerSecond, true),
            WhatIfObjective.TokensPerSecond => (r.TokensPerSecond, true),
            WhatIfObjective.UsdPer1e21Flops => (r.Money?.UsdPer1e21Flops, false),
            WhatIfObjective.NetUsdPer1e21Flops => (r.Money?.NetUsdPer1e21Flops, false),
            _ => (r.Money?.UsdPerMillionTokens, false),
        };

        var ranked = results.Select((r, i) => (r, i, Key(r))).ToArray();
        return ranked
            .OrderBy(x => x.Item3.Value is null || double.IsNaN(x.Item3.Value.Value) || double.IsInfinity(x.Item3.Value.Value) ? 1 : 0)
            .ThenBy(x => x.Item3.Value is { } v && !double.IsNaN(v) ? (x.Item3.Higher ? -v : v) : 0)
            .ThenBy(x => x.i)
            .Select(x => x.r.Name)
            .ToArray();
    }
}
