using Microsoft.AspNetCore.Http.HttpResults;
using OrleansCluster.Abstractions.Api;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Links;
using OrleansCluster.Grains.Telemetry;
using OrleansCluster.Silo.Simulation;

namespace OrleansCluster.Silo.Api;

/// <summary>
/// <c>/api/links</c>: the inter-site links with their nominal and current figures and faults. Current means now, as a
/// node's state is: the faults in force at this moment on the job's last step (<see cref="LinksNow"/>), not that step's
/// figures alone, which a paused or stopped job never renews.
/// </summary>
public static class LinksApi
{
    public static RouteGroupBuilder MapLinksApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var links = api.MapGroup("/links").WithTags("Links");
        links.MapGet("/", ListAsync).WithName("ListLinks").WithSummary("Links with their id, nominal and current latency, bandwidth, loss and state (current: under the faults in force now).");
        links.MapGet("/{id}", GetAsync).WithName("GetLink").WithSummary("One link and the faults on it.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    public static async Task<Ok<IReadOnlyList<LinkStatus>>> ListAsync(IGrainFactory grains, LayoutCache layouts, TimeProvider time, CancellationToken cancellationToken) =>
        TypedResults.Ok<IReadOnlyList<LinkStatus>>((await NowAsync(grains, layouts, time, cancellationToken)).Links);

    public static async Task<Results<Ok<LinkDetail>, ProblemHttpResult>> GetAsync(string id, IGrainFactory grains, LayoutCache layouts, TimeProvider time, CancellationToken cancellationToken)
    {
        var link = (await NowAsync(grains, layouts, time, cancellationToken)).Links.FirstOrDefault(l => l.Id == id);
        if (link is null)
        {
            return Problems.NotFound("id", $"unknown link '{id}'");
        }

        return TypedResults.Ok(new LinkDetail(link, await grains.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key).ForLinkAsync(id)));
    }

    /// <summary>
    /// The job's status and its links now. Before any scenario, or while the job's scenario and the layout's differ (a
    /// load between the two calls), the status's own links.
    /// </summary>
    public static async Task<(ClusterStatus Status, LinkStatus[] Links)> NowAsync(IGrainFactory grains, LayoutCache layouts, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(layouts);
        ArgumentNullException.ThrowIfNull(time);
        var status = await grains.GetGrain<IJobGrain>(IJobGrain.Key).GetStatusAsync();
        var scenario = await layouts.GetScenarioAsync();
        if (scenario is null || scenario.Name != status.Scenario || scenario.Links.Count != status.Links.Count)
        {
            return (status, [.. status.Links]);
        }

        return (status, await LinksNow.StatusAsync(grains, scenario, status.Job.Step, time.GetUtcNow()));
    }

    /// <summary>
    /// Tells this silo's metrics the job's state and its links now, before a scrape, where the silo exports the job's
    /// figures (the silo the job reported its last step to): the job reports only at a step, which a paused or stopped
    /// job never takes. A failure (the job or the registry out of reach) leaves the last step's figures.
    /// </summary>
    private static readonly TimeSpan ScrapeWait = TimeSpan.FromSeconds(2);

    public static async Task ReportNowAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        var metrics = services.GetRequiredService<SimulationMetrics>();
        if (metrics.LastStep is null)
        {
            return;
        }

        try
        {
            // Bounded (found by review): a scrape waits at most this for the job and the registry, never Orleans' 30 s
            // response timeout, and a page of the last step's figures is better than none.
            var (status, links) = await NowAsync(services.GetRequiredService<IGrainFactory>(), services.GetRequiredService<LayoutCache>(), services.GetRequiredService<TimeProvider>(), cancellationToken)
                .WaitAsync(ScrapeWait, cancellationToken);
            metrics.ReportNow(new SimulationMetrics.NowSnapshot(status.Scenario, status.Job.State, links));
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            metrics.ReportNow(null);
        }
    }
}
