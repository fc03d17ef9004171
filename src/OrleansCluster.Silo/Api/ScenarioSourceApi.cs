using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using OrleansCluster.Abstractions.Grains;

namespace OrleansCluster.Silo.Api;

/// <summary>
/// <c>GET /api/scenario</c>: the scenario the job runs, as the body that <c>PUT /api/scenario</c> loads
/// (<c>{"preset": NAME}</c> or the full scenario object), so that a client that replaces it (the CLI's ramp)
/// can put back what it found. Not in the design: added for load tests.
/// </summary>
public static class ScenarioSourceApi
{
    /// <summary>The route's name and operation id in the OpenAPI document.</summary>
    public const string GetScenarioName = "GetScenario";

    public static RouteGroupBuilder MapScenarioSourceApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);

        // The answer is text the handler writes, so the document is told its schema: the preset body here, to which
        // ScenarioBodySchema adds the scenario object as the other branch, as for PUT /api/scenario's body.
        api.MapGet("/scenario", GetAsync)
            .WithTags("Scenarios")
            .WithName(GetScenarioName)
            .Produces<ScenariosApi.PresetBody>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("The scenario the job runs, as the body PUT /api/scenario takes: {\"preset\": NAME} or the scenario object.");
        return api;
    }

    public static async Task<Results<ContentHttpResult, ProblemHttpResult>> GetAsync(IGrainFactory grains)
    {
        var (source, _) = await grains.GetGrain<IJobGrain>(IJobGrain.Key).GetScenarioSourceAsync();
        return source switch
        {
            { Preset: { } preset } => TypedResults.Content(JsonSerializer.Serialize(new { preset }), "application/json"),
            { Json: { } json } => TypedResults.Content(json, "application/json"),
            _ => Problems.NotFound("scenario", "no scenario is loaded"),
        };
    }
}
