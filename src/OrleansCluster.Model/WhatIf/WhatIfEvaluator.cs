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
            results.Add(p.Scenario is null ? VariantResult.Failed(p.Variant, p.Error!) : Run(plan.Baseline, p.Scenario, p.Variant, steps, faults, cancellationToken));
        }

        return new WhatIfReport(plan.Baseline.Name, steps, objective.Name(), results, Rank(results, objective));
    }

    /// <summary>
    /// Steps <paramref name="scenario"/> as the live job steps it and gathers its figures; <paramref name="steps"/> is the
    /// budget of steps evaluated, replays included. A step fails as the live job fails it (a node past the barrier
    /// timeout, a partition, or an all-reduce the collective watchdog aborts) and costs what the job's failed-step
    /// accounting says: the barrier timeout, with no useful work; then, as the job does (<c>JobRun.Fail</c>), the run
    /// goes back to its last checkpoint, the steps completed since it are lost (their work with them), and it goes on
    /// from the step after the checkpoint, whose noise is drawn again from the same seed, node and step, so the replay
    /// repeats the same draws. A failed step counts in the mean and p99 step times; only the steps kept count in the
    /// work and the MFU, and every completed step in the breakdown. A node that missed the barrier is evicted as the
    /// job's blocks evict it: out of the steps after, its GPUs still paid for, until the first step after a checkpoint
    /// (the step a failure goes back to) finds it back within the timeout. When a step fails again that already failed
    /// since the furthest step reached (the job's own sign of a loop), the variant is <see cref="VariantResult.Stalled"/>:
    /// the faults carried hold steady, so every replay meets the same failure, and the run never gets past it; its
    /// throughput, MFU and money are then none, whatever it did before.
    /// </summary>
    public static VariantResult Run(Scenario baseline, Scenario scenario, WhatIfVariant variant, int steps, WhatIfFaults? faults = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(variant);
        var simulator = new PlainLoopSimulator(scenario);
        var workload = simulator.Workload;
        (faults ?? WhatIfFaults.None).ApplyTo(baseline, simulator);
        var timeout = scenario.Job.BarrierTimeoutSeconds;
        var checkpointEvery = scenario.Job.CheckpointEverySteps;
        var nodes = scenario.NodeCount;
        var times = new double[steps];
        var parts = new double[StepBreakdown.Parts.Count];
        var completed = 0;
        var failed = 0;
        long lost = 0;

        // The work (in steps of all the variant's GPUs) and MFU-seconds of the steps up to the last checkpoint, and of
        // those since it, which a failure loses.
        var (keptWork, keptMfuSeconds, sinceWork, sinceMfuSeconds) = (0.0, 0.0, 0.0, 0.0);

        // The job's counters (JobRun): the last step completed (a failure sets it back to the checkpoint), the last
        // checkpoint, the furthest step completed, and the steps failed since the furthest.
        long step = 0, checkpoint = 0, furthest = 0;
        var failedSince = new HashSet<long>();
        string? stall = null;
        for (var k = 0; k < steps; k++)
        {
            if ((k & 7) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            // The job's rule (JobRun.NextCommand): blocks look at evicted nodes again on the first step after a
            // checkpoint, which is also the step a failure rolls the job back to.
            var number = step + 1;
            var result = simulator.Step(number, timeout, (number - 1) % checkpointEvery == 0, out var missed);
            if (StepFailure.Reason(result, missed, timeout) is { } reason)
            {
                failed++;
                times[k] = timeout;
                lost += number - 1 - checkpoint;
                (sinceWork, sinceMfuSeconds, step) = (0, 0, checkpoint);
                if (!failedSince.Add(number) && stall is null)
                {
                    stall = $"step {number} fails on every replay ({reason}): the faults hold steady and its noise is drawn again from the same seed, so each replay from the checkpoint at step {checkpoint} fails it again, and the run never gets past step {number - 1}";
                }

                continue;
            }

            completed++;
            times[k] = result.StepSeconds;
            sinceMfuSeconds += result.ClusterMfu * result.StepSeconds;
            sinceWork += result.HealthyNodes == nodes || workload.TotalFlopsPerStep <= 0
                ? 1
                : result.UsefulFlopsPerSecond * result.StepSeconds / workload.TotalFlopsPerStep; // evicted nodes do none
            var values = result.Breakdown.Values();
            for (var p = 0; p < parts.Length; p++)
            {
                parts[p] += values[p];
            }

            step = number;
            if (number % checkpointEvery == 0)
            {
                (checkpoint, keptWork, keptMfuSeconds, sinceWork, sinceMfuSeconds) = (number, keptWork + sinceWork, keptMfuSeconds + sinceMfuSeconds, 0, 0);
            }

            if (number > furthest)
            {
                furthest = number;
                failedSince.Clear();
            }
        }

        Array.Sort(times);
        var mean = times.Average();
        var p99 = Quantiles.NearestRank(times, 0.99);

        // A stalled run does no work in the long run, however much it did before its budget found the loop.
        var work = stall is null ? keptWork + sinceWork : 0;
        var usefulMfuSeconds = stall is null ? keptMfuSeconds + sinceMfuSeconds : 0;
        var flopsPerSecond = mean > 0 ? workload.TotalFlopsPerStep * work / steps / mean : 0;
        var tokensPerSecond = mean > 0 ? workload.TokensPerStep * work / steps / mean : 0;

        // MFU over the time the steps took (a failed step's timeout does no work, a lost step's work is undone), as the
        // useful FLOP/s are; the breakdown is that of a step that completes (the parts sum to its time), none when no step did.
        var mfu = mean > 0 ? usefulMfuSeconds / (mean * steps) : 0;
        var breakdown = completed == 0 ? StepBreakdown.Zero : new StepBreakdown(parts[0] / completed, parts[1] / completed, parts[2] / completed, parts[3] / completed, parts[4] / completed);
        var byGeneration = GpusByGeneration(scenario);
        return new VariantResult(
            variant.Name,
            variant.Change,
            null,
            scenario.NodeCount,
            scenario.GpuCount,
            byGeneration,
            failed,
            mean,
            p99,
            tokensPerSecond,
            flopsPerSecond / 1e15,
            mfu,
            breakdown,
            WhatIfMoney.Of(baseline, scenario, byGeneration, mean, flopsPerSecond, tokensPerSecond))
        {
            LostSteps = lost,
            ReachedStep = step,
            Stalled = stall is not null,
            StallReason = stall,
        };
    }

    /// <summary>GPUs by generation name, ordered by name.</summary>
    public static IReadOnlyDictionary<string, long> GpusByGeneration(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var gpus = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var group in scenario.Sites.SelectMany(s => s.Nodes))
        {
            gpus[group.Generation.Name] = gpus.GetValueOrDefault(group.Generation.Name) + ((long)group.Count * group.GpusPerNode);
        }

        return gpus;
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
