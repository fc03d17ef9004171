using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains;
using OrleansCluster.Grains.Faults;
using OrleansCluster.Model.Faults;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;
using OrleansCluster.Model.WhatIf;
using OrleansCluster.Silo.Simulation;

namespace OrleansCluster.Silo.Api;

/// <summary>
/// <c>POST /api/whatif</c> (DESIGN.md 7.7, docs/economics.md): variants of the loaded scenario, each a JSON merge
/// patch or a named change, evaluated with the plain loop on <see cref="WhatIfWorker"/>, with money and a ranking.
/// </summary>
public static class WhatIfApi
{
    /// <summary>The steps evaluated per variant when the request gives none.</summary>
    public const int DefaultSteps = 20;

    // The defaults below are what the body reads as when a field is left out (null, as without them): they make the
    // OpenAPI document list only variants as required. Without them it required every field, which a client generated
    // from it would then always send (found by a newcomer); Check says what the server requires.

    /// <summary>One variant: a name and a merge patch, a named change, or neither (the baseline); the name defaults to the change's.</summary>
    public sealed record VariantRequest(string? Name = null, JsonObject? Patch = null, string? Change = null);

    /// <summary>The body of <c>POST /api/whatif</c>: the variants, and optionally the steps (<see cref="DefaultSteps"/>), faults and objective.</summary>
    public sealed record WhatIfRequest(IReadOnlyList<VariantRequest?>? Variants, int? Steps = null, bool? WithFaults = null, string? Objective = null);

    public static RouteGroupBuilder MapWhatIfApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);

        // Not WithAdminMutation: it changes nothing (a read whose request is too large for a query), so it is not
        // audited nor rate-limited as a mutation; WhatIf:MaxConcurrent bounds what it costs (docs/admin-api.md).
        api.MapPost("/whatif", EvaluateAsync).WithTags("What-if").WithName("WhatIf")
            .WithJsonBody<WhatIfRequest>().Produces<WhatIfReport>().ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithSummary("Evaluate variants of the loaded scenario (merge patches or named changes, 'standard' for the usual set) with the plain loop: throughput, breakdown, money and a ranking.");
        return api;
    }

    public static async Task<IResult> EvaluateAsync(HttpContext context, IGrainFactory grains, WhatIfWorker worker, IOptions<WhatIfOptions> options, IOptions<SimulationTuning> tuning)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(worker);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(tuning);
        var limits = options.Value;
        var (request, problem) = await JsonBody.ReadAsync<WhatIfRequest>(context);
        if (problem is not null)
        {
            return problem;
        }

        var errors = Check(request!, limits, out var variants, out var objective);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var (source, _) = await grains.GetGrain<IJobGrain>(IJobGrain.Key).GetScenarioSourceAsync();
        var baselineJson = source?.Preset is { } preset ? (ScenarioPresets.TryGetJson(preset, out var json) ? json : null) : source?.Json;
        if (baselineJson is null)
        {
            return Problems.Conflict("no scenario is loaded: load one with PUT /api/scenario first");
        }

        var steps = request!.Steps ?? DefaultSteps;

        // The bound a load has (Simulation:MaxNodes) holds for the baseline and every variant, counted from the parsed
        // scenarios; and no variant is laid out (a load's last check may) while the variants' nodes together are past
        // WhatIf:MaxNodeSteps at these steps, so many variants each just within the bound are refused as work below.
        var plan = WhatIfEvaluator.Plan(baselineJson, variants, tuning.Value.SizeError, limits.MaxNodeSteps / steps);
        if (plan.BaselineError is { } tooLarge)
        {
            // Not the request's fault: the loaded scenario fits the silo that loaded it, but this one takes fewer nodes.
            return Problems.Conflict($"the loaded scenario is larger than this silo evaluates: {tooLarge.Message}; load a smaller one");
        }

        // Each error names the field of the request at fault (variants[1].patch.job.barrierTimeoutSeconds), as a load's would;
        // so does a name that only 'standard' expanded makes a duplicate (variants[1].name).
        var invalid = plan.Variants.Where(v => v.Error is not null && variants[v.RequestIndex].Change != NamedChanges.Standard)
            .SelectMany(v => v.RequestErrors().DefaultIfEmpty(new ScenarioError($"variants[{v.RequestIndex}]", v.Error!)))
            .Concat(plan.NameErrors)
            .Select(e => new FieldError(e.Field, e.Message)).ToArray();
        if (invalid.Length > 0)
        {
            return Problems.Validation(invalid);
        }

        if (plan.Variants.Count > limits.MaxVariants)
        {
            return Problems.Unprocessable([new FieldError("variants", $"{plan.Variants.Count} variants ('standard' expanded) are more than the {limits.MaxVariants} allowed (WhatIf:MaxVariants)")]);
        }

        // Compared as nodes against the node-steps over the steps: the product of the largest settings overflows a long.
        if (plan.Nodes > limits.MaxNodeSteps / steps)
        {
            var nodeSteps = (Int128)plan.Nodes * steps;
            return Problems.Unprocessable([new FieldError("steps", $"{plan.Nodes} nodes over the variants x {steps} steps = {nodeSteps} node-steps, more than the {limits.MaxNodeSteps} allowed (WhatIf:MaxNodeSteps)")]);
        }

        // Found by probing: a money objective on a scenario without prices answered 200, every money null, the ranking
        // the request's order.
        if (WhatIfEvaluator.ObjectiveError(plan, objective) is { } unranked)
        {
            return Problems.Unprocessable([new FieldError(unranked.Field, unranked.Message)]);
        }

        var faults = WhatIfFaults.None;
        if (request.WithFaults == true)
        {
            var (carried, down) = await FaultsInForceAsync(grains, plan);
            if (down.Count > 0)
            {
                return Problems.Unprocessable([new FieldError("withFaults", Uncarried(down))]);
            }

            faults = carried;
        }

        var report = await worker.TryEvaluateAsync(plan, steps, objective, faults, context.RequestAborted);
        if (report is null)
        {
            context.Response.Headers.RetryAfter = limits.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            return TypedResults.Problem(
                statusCode: StatusCodes.Status429TooManyRequests,
                title: "Too many requests",
                detail: $"{limits.MaxConcurrent} what-if evaluation(s) already running (WhatIf:MaxConcurrent); retry after {limits.RetryAfterSeconds} s");
        }

        return TypedResults.Ok(report);
    }

    // The live run's node slowdowns and link effects, from the registry (the faults' one writer), and the faults in
    // force that take nodes down: every node.crash and every node.flap, whichever half of its period the flap is in.
    // Found by probing: the refusal read the nodes down now, so a flap was refused in its crashed half and carried as
    // a healthy node in its recovered half; the same request answered 422 or 200 by the second it arrived.
    private static async Task<(WhatIfFaults Faults, IReadOnlyList<Fault> Down)> FaultsInForceAsync(IGrainFactory grains, WhatIfPlan plan)
    {
        var registry = grains.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key);
        // The effects first, the faults down after: a crash injected between the two reads is among the faults down
        // (refused), where the other order missed it there and dropped its node from the slowdowns as crashed, so the
        // what-if carried a crashed node as a healthy one (found by review).
        var effects = await registry.NodeEffectsAsync();
        var down = (await registry.ListAsync(includeEnded: false))
            .Where(f => f.State == FaultState.Active && f.Kind is Abstractions.Messages.FaultKind.NodeCrash or Abstractions.Messages.FaultKind.NodeFlap)
            .ToArray();
        var slowdowns = effects.Where(e => !e.Value.Crashed && e.Value.Slowdown != 1).ToDictionary(e => e.Key, e => e.Value.Slowdown, StringComparer.Ordinal);
        var links = new Dictionary<string, LinkEffect>(StringComparer.Ordinal);
        foreach (var link in plan.Baseline.Links)
        {
            var active = new List<ActiveFault>();
            foreach (var fault in await registry.ForLinkAsync(link.Id))
            {
                if (fault.State == FaultState.Active)
                {
                    active.Add(new ActiveFault(FaultIntake.Kind(fault.Kind), fault.Params));
                }
            }

            if (active.Count > 0)
            {
                links[link.Id] = FaultEffects.ForLink(active);
            }
        }

        return (new WhatIfFaults(slowdowns, links), down);
    }

    // Why withFaults cannot carry the faults that take nodes down, naming the first few of them. A flap is crashed and
    // recovered by turns of periodSeconds of wall time, which the what-if's steps have no clock for (how many steps
    // a period holds depends on the pace), so it is refused in either half, as a crash is.
    private static string Uncarried(IReadOnlyList<Fault> down)
    {
        const int named = 5;
        var listed = string.Join(", ", down.Take(named).Select(f => $"{FaultKinds.Name(FaultIntake.Kind(f.Kind))} {f.Id} ({Nodes(f.Targets)})"));
        var more = down.Count > named ? $" and {down.Count - named} more" : string.Empty;
        return $"{down.Count} fault(s) in force take nodes down: {listed}{more}. The what-if holds the faults it carries steady over its steps; a crashed node cannot be carried, nor a node.flap in either half of its period (its crashed and recovered turns follow the wall clock, which the steps have none of); clear them or leave withFaults out";

        static string Nodes(FaultTargets targets) =>
            (targets.NodeCount ?? targets.Nodes.Count) is var n && n == 1 && targets.Nodes.Count == 1 ? targets.Nodes[0] : $"{n} nodes";
    }

    private static List<FieldError> Check(WhatIfRequest request, WhatIfOptions limits, out List<WhatIfVariant> variants, out WhatIfObjective objective)
    {
        var errors = new List<FieldError>();
        variants = [];
        if (!WhatIfObjectives.TryParse(request.Objective ?? WhatIfObjectives.Names[0], out objective))
        {
            errors.Add(new FieldError("objective", $"'{request.Objective}' must be one of {string.Join(", ", WhatIfObjectives.Names)}"));
        }

        if (request.Steps is { } steps && (steps < 1 || steps > limits.MaxSteps))
        {
            errors.Add(new FieldError("steps", $"{steps} must be within [1, {limits.MaxSteps}] (WhatIf:MaxSteps)"));
        }

        if (request.Variants is null || request.Variants.Count == 0)
        {
            errors.Add(new FieldError("variants", "required: at least one {name, patch | change}"));
            return errors;
        }

        if (request.Variants.Count > limits.MaxVariants)
        {
            errors.Add(new FieldError("variants", $"{request.Variants.Count} variants are more than the {limits.MaxVariants} allowed (WhatIf:MaxVariants)"));
            return errors;
        }

        for (var i = 0; i < request.Variants.Count; i++)
        {
            var v = request.Variants[i];
            if (v is null)
            {
                errors.Add(new FieldError($"variants[{i}]", "required"));
                continue;
            }

            var name = v.Name ?? v.Change;
            if (string.IsNullOrWhiteSpace(name) || name.Length > 128)
            {
                errors.Add(new FieldError($"variants[{i}].name", "required (1-128 characters) unless a change names it"));
            }
            else if (v.Change == NamedChanges.Standard && v.Patch is not null)
            {
                errors.Add(new FieldError($"variants[{i}].patch", "'standard' takes no patch"));
            }
            else
            {
                variants.Add(new WhatIfVariant(name, v.Patch, v.Change));
            }
        }

        return errors;
    }
}
