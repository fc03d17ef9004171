using Microsoft.AspNetCore.Http.HttpResults;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Silo.Simulation;

namespace OrleansCluster.Silo.Api;

/// <summary>
/// <c>GET /api/cluster</c>: the scenario, sites, links, the job and its last step. Its links are <c>/api/links</c>'s,
/// read by the same code (<see cref="LinksApi.NowAsync"/>): the faults in force now on the job's last step. Found by
/// review: they were the last step's figures alone, so on a paused job with a new partition this route read
/// <c>up: true</c> where <c>/api/links</c> read <c>up: false</c>. Where the registry fails or is slow, the last step's
/// links (<see cref="LinksApi.ClusterNowAsync"/>): the status route answers through a storage outage.
/// </summary>
public static class ClusterApi
{
    public static RouteGroupBuilder MapClusterApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapGet("/cluster", GetClusterAsync)
            .WithTags("Cluster")
            .WithName("GetCluster")
            .WithSummary("Scenario, sites with node counts by generation and state, links (under the faults in force now, as /api/links), job state and pace, and the last step's figures.");
        return api;
    }

    public static async Task<Ok<ClusterStatus>> GetClusterAsync(IGrainFactory grains, LayoutCache layouts, TimeProvider time, CancellationToken cancellationToken) =>
        TypedResults.Ok(await LinksApi.ClusterNowAsync(grains, layouts, time, cancellationToken));
}
