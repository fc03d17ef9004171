using Microsoft.AspNetCore.Http.HttpResults;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Silo.Api;

/// <summary>
/// <c>/api/faults</c>: inject (one fault, or a campaign of faults with start offsets, as one call), list,
/// read, clear one, clear all. Faults are validated by the registry against the running scenario; nothing
/// is injected when anything is wrong.
/// </summary>
public static class FaultsApi
{
    /// <summary>A fault campaign: a named list of faults with start offsets, replayed as one injection.</summary>
    public sealed record FaultCampaign(string? Name, string? Description, IReadOnlyList<FaultRequest>? Faults);

    /// <summary>What a campaign injection answers.</summary>
    public sealed record CampaignResult(string Campaign, IReadOnlyList<Fault> Faults);

    /// <summary>What clearing every fault answers.</summary>
    public sealed record ClearedCount(int Cleared);

    public static RouteGroupBuilder MapFaultsApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var faults = api.MapGroup("/faults").WithTags("Faults");
        faults.MapGet("/", ListAsync).WithName("ListFaults").WithSummary("Faults pending and in force (all=true adds the ended ones), as a JSON array.");
        faults.MapGet("/{id}", GetAsync).WithName("GetFault").WithSummary("One fault, in force or ended.");

        var mutations = faults.MapGroup("/").WithAdminMutation();
        mutations.MapPost("/", InjectAsync).WithName("InjectFault").WithSummary("Inject a fault: {kind, target, params, startInSeconds?, durationSeconds?}.");
        mutations.MapPost("/campaign", InjectCampaignAsync).WithName("InjectCampaign").WithSummary("Inject a campaign {name, faults: [...]}: every fault or none.");
        mutations.MapDelete("/{id}", ClearAsync).WithName("ClearFault").WithSummary("Clear one fault.");
        mutations.MapDelete("/", ClearAllAsync).WithName("ClearAllFaults").WithSummary("Clear every fault.");
        return api;
    }

    public static async Task<Results<Created<Fault>, ValidationProblem, ProblemHttpResult>> InjectAsync(HttpContext context, IGrainFactory grains)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (request, problem) = await JsonBody.ReadAsync<FaultRequest>(context);
        if (request is null)
        {
            return Unpack<Fault>(problem!);
        }

        var result = await Registry(grains).InjectAsync([request], campaign: null);
        if (result.Errors.Count > 0)
        {
            return result.NotFound ? Problems.NotFound(result.Errors) : Problems.Validation(result.Errors);
        }

        var fault = result.Faults[0];
        return TypedResults.Created($"/api/faults/{fault.Id}", fault);
    }

    public static async Task<Results<Created<CampaignResult>, ValidationProblem, ProblemHttpResult>> InjectCampaignAsync(HttpContext context, IGrainFactory grains)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (campaign, problem) = await JsonBody.ReadAsync<FaultCampaign>(context);
        if (campaign is null)
        {
            return Unpack<CampaignResult>(problem!);
        }

        if (string.IsNullOrWhiteSpace(campaign.Name))
        {
            return Problems.Validation("name", "required");
        }

        if (campaign.Faults is not { Count: > 0 })
        {
            return Problems.Validation("faults", "at least one fault is required");
        }

        var result = await Registry(grains).InjectAsync(campaign.Faults, campaign.Name);
        if (result.Errors.Count > 0)
        {
            return result.NotFound ? Problems.NotFound(result.Errors) : Problems.Validation(result.Errors);
        }

        return TypedResults.Created($"/api/faults?campaign={Uri.EscapeDataString(campaign.Name)}", new CampaignResult(campaign.Name, result.Faults));
    }

    public static async Task<Ok<IReadOnlyList<Fault>>> ListAsync(IGrainFactory grains, bool? all) =>
        TypedResults.Ok(await Registry(grains).ListAsync(all ?? false));

    public static async Task<Results<Ok<Fault>, ProblemHttpResult>> GetAsync(string id, IGrainFactory grains) =>
        await Registry(grains).GetAsync(id) is { } fault ? TypedResults.Ok(fault) : Problems.NotFound("id", $"no fault '{id}'");

    public static async Task<Results<Ok<Fault>, ProblemHttpResult>> ClearAsync(string id, IGrainFactory grains) =>
        await Registry(grains).ClearAsync(id) is { } fault ? TypedResults.Ok(fault) : Problems.NotFound("id", $"no fault '{id}' is pending or in force");

    public static async Task<Ok<ClearedCount>> ClearAllAsync(IGrainFactory grains) =>
        TypedResults.Ok(new ClearedCount(await Registry(grains).ClearAllAsync()));

    private static IFaultRegistryGrain Registry(IGrainFactory grains) => grains.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key);

    private static Results<Created<T>, ValidationProblem, ProblemHttpResult> Unpack<T>(IResult problem) => problem switch
    {
        ValidationProblem validation => validation,
        ProblemHttpResult other => other,
        _ => throw new InvalidOperationException($"unexpected problem result {problem.GetType()}"),
    };
}
