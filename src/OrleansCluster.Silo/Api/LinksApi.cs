using Microsoft.AspNetCore.Http.HttpResults;
using OrleansCluster.Abstractions.Api;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Silo.Api;

/// <summary><c>/api/links</c>: the inter-site links with their nominal and current figures and faults.</summary>
public static class LinksApi
{
    public static RouteGroupBuilder MapLinksApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var links = api.MapGroup("/links").WithTags("Links");
        links.MapGet("/", ListAsync).WithName("ListLinks").WithSummary("Links with their id, nominal and current latency, bandwidth, loss and state.");
        links.MapGet("/{id}", GetAsync).WithName("GetLink").WithSummary("One link and the faults on it.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    public static async Task<Ok<IReadOnlyList<LinkStatus>>> ListAsync(IGrainFactory grains) =>
        TypedResults.Ok((await grains.GetGrain<IJobGrain>(IJobGrain.Key).GetStatusAsync()).Links);

    public static async Task<Results<Ok<LinkDetail>, ProblemHttpResult>> GetAsync(string id, IGrainFactory grains)
    {
        var link = (await grains.GetGrain<IJobGrain>(IJobGrain.Key).GetStatusAsync()).Links.FirstOrDefault(l => l.Id == id);
        if (link is null)
        {
            return Problems.NotFound("id", $"unknown link '{id}'");
        }

        return TypedResults.Ok(new LinkDetail(link, await grains.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key).ForLinkAsync(id)));
    }
}
