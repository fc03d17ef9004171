using Microsoft.AspNetCore.Http.HttpResults;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Silo.Api;

/// <summary><c>GET /api/stragglers?top=N</c>: the last step's straggler report.</summary>
public static class StragglersApi
{
    public static RouteGroupBuilder MapStragglersApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapGet("/stragglers", GetAsync).WithTags("Stragglers").WithName("GetStragglers")
            .WithSummary("The last completed step: its slowest nodes (slowest first), links with their stretch, and stragglers by site and generation.");
        return api;
    }

    public static async Task<Results<Ok<StragglerReport>, ValidationProblem>> GetAsync(IGrainFactory grains, int? top)
    {
        var n = top ?? 20;
        if (n is < 1 or > 1000)
        {
            return Problems.Validation("top", $"{n} must be within [1, 1000]");
        }

        var report = await grains.GetGrain<IJobGrain>(IJobGrain.Key).GetStragglersAsync(n);
        return TypedResults.Ok(report ?? new StragglerReport(0, [], [], [], []));
    }
}
