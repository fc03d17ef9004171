using Microsoft.AspNetCore.Http.HttpResults;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Silo.Api.OpenApi;

namespace OrleansCluster.Silo.Api;

/// <summary><c>GET /api/stragglers?top=N</c>: the last step's straggler report.</summary>
public static class StragglersApi
{
    public static RouteGroupBuilder MapStragglersApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapGet("/stragglers", GetAsync).WithTags("Stragglers").WithName("GetStragglers")
            .WithSummary("The last step evaluated (with `failure` when it failed, as every step does through a partition): its slowest nodes (slowest first), links with their stretch, and stragglers by site and generation.")
            .WithIntegerQuery("top", 1, 1000, 20);
        return api;
    }

    public static async Task<Results<Ok<StragglerReport>, ValidationProblem>> GetAsync(IGrainFactory grains, string? top)
    {
        var errors = new List<FieldError>();
        var n = Query.Int(top, "top", 20, 1, 1000, errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var report = await grains.GetGrain<IJobGrain>(IJobGrain.Key).GetStragglersAsync(n);
        return TypedResults.Ok(report ?? new StragglerReport(0, [], [], [], []));
    }
}
