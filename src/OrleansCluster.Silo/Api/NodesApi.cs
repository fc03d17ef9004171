using Microsoft.AspNetCore.Http.HttpResults;
using OrleansCluster.Abstractions.Api;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Silo.Api.OpenApi;
using OrleansCluster.Silo.Simulation;

namespace OrleansCluster.Silo.Api;

/// <summary><c>/api/nodes</c>: nodes filtered and paged; one node's state, faults and figures.</summary>
public static class NodesApi
{
    private const int MaxPageSize = 1000;

    public static RouteGroupBuilder MapNodesApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var nodes = api.MapGroup("/nodes").WithTags("Nodes");
        nodes.MapGet("/", ListAsync).WithName("ListNodes").WithSummary("Nodes, filtered by site, generation and state, in pages (page from 1, pageSize up to 1000).")
            .WithIntegerQuery("page", 1, int.MaxValue, 1).WithIntegerQuery("pageSize", 1, MaxPageSize, 100).WithEnumQuery("state", "healthy", "degraded", "down")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        nodes.MapGet("/{id}", GetAsync).WithName("GetNode").WithSummary("One node: state, the faults on it, its nominal compute time.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    public static async Task<Results<Ok<NodePage>, ValidationProblem, ProblemHttpResult>> ListAsync(
        IGrainFactory grains, LayoutCache layouts, string? site, string? generation, string? state, string? page, string? pageSize, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        site = Query.Filter(site, "site", "a site's name", errors);
        generation = Query.Filter(generation, "generation", "a GPU generation's name (H100)", errors);
        NodeHealth wanted = default;
        if (state is not null && (!Enum.TryParse(state, ignoreCase: true, out wanted) || int.TryParse(state, out _)))
        {
            errors.Add(new FieldError("state", $"'{state}' must be healthy, degraded or down"));
        }

        var p = Query.Int(page, "page", 1, 1, int.MaxValue, errors);
        var size = Query.Int(pageSize, "pageSize", 100, 1, MaxPageSize, errors);

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var layout = await layouts.GetAsync(cancellationToken);
        if (layout is null)
        {
            return Problems.Conflict("no scenario is loaded");
        }

        var scenario = layout.Scenario;
        if (site is not null && scenario.SiteIndex(site) < 0)
        {
            return Problems.NotFound("site", $"unknown site '{site}'");
        }

        // Found by probing: an unknown generation (a misspelling, "h100" for "H100") answered an empty page, where an
        // unknown site answered 404: both name the field now.
        var generations = scenario.Sites.SelectMany(x => x.Nodes).Select(n => n.Generation.Name).Distinct().Order(StringComparer.Ordinal).ToArray();
        if (generation is not null && !generations.Contains(generation, StringComparer.Ordinal))
        {
            return Problems.NotFound("generation", $"no node of generation '{generation}' in the scenario (it has {string.Join(", ", generations)})");
        }

        var effects = await grains.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key).NodeEffectsAsync();
        var matched = layout.Nodes
            .Where(n => (site is null || scenario.Sites[n.SiteIndex].Name == site) && (generation is null || n.Generation.Name == generation))
            .Select(n => new NodeSummary(n.Id, scenario.Sites[n.SiteIndex].Name, n.Generation.Name, n.GpusPerNode, effects.GetValueOrDefault(n.Id, NodeEffect.None).Health))
            .Where(n => state is null || n.State == wanted)
            .ToArray();
        // In long arithmetic: (page - 1) * pageSize overflows an int for a far page, which then read as page 1.
        var skip = (long)(p - 1) * size;
        NodeSummary[] nodes = skip >= matched.Length ? [] : matched.Skip((int)skip).Take(size).ToArray();
        return TypedResults.Ok(new NodePage(p, size, matched.Length, nodes));
    }

    public static async Task<Results<Ok<NodeDetail>, ProblemHttpResult>> GetAsync(string id, IGrainFactory grains, LayoutCache layouts, CancellationToken cancellationToken)
    {
        var layout = await layouts.GetAsync(cancellationToken);
        var ordinal = layout?.OrdinalOf(id) ?? -1;
        if (layout is null || ordinal < 0)
        {
            return Problems.NotFound("id", layout?.UnknownNode(id) ?? $"unknown node '{id}': no scenario is loaded");
        }

        var node = layout.Nodes[ordinal];
        var registry = grains.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key);
        var effect = await registry.EffectOnNodeAsync(id);
        var faults = (await registry.ForNodeAsync(id)).Select(FaultsApi.Listing).ToArray(); // the faults, not their every node
        // The node's own nominal t, as the blocks draw around it (model mode included: no FLOPs per GPU given).
        var nominal = new Model.Simulation.Workload(layout.Scenario).NodeNominalSeconds(node);
        return TypedResults.Ok(new NodeDetail(
            id,
            layout.Scenario.Sites[node.SiteIndex].Name,
            node.Generation.Name,
            node.GpusPerNode,
            effect.Health,
            effect.Slowdown,
            effect.Crashed,
            nominal,
            faults));
    }
}
