using Microsoft.AspNetCore.Http.HttpResults;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Silo.Api;

/// <summary><c>GET /api/cluster</c>: the scenario, sites, links, the job and its last step.</summary>
public static class ClusterApi
{
    public static RouteGroupBuilder MapClusterApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapGet("/cluster", GetClusterAsync)
            .WithTags("Cluster")
            .WithName("GetCluster")
            .WithSummary("Scenario, sites with node counts by generation and state, links, job state and pace, and the last step's figures.");
        return api;
    }

    public static async Task<Ok<ClusterStatus>> GetClusterAsync(IGrainFactory grains) =>
        TypedResults.Ok(await grains.GetGrain<IJobGrain>(IJobGrain.Key).GetStatusAsync());
}
