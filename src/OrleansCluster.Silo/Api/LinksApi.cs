using Microsoft.AspNetCore.Http.HttpResults;
using OrleansCluster.Abstractions.Api;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Links;
using OrleansCluster.Grains.Telemetry;
using OrleansCluster.Model.Scenarios;
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

    /// <summary>
    /// One link now and the faults on it, from one read of those faults (found by review: the route read every link's
    /// faults for the figures, then this link's again for the list, two registry calls for one link's).
    /// </summary>
    public static async Task<Results<Ok<LinkDetail>, ProblemHttpResult>> GetAsync(string id, IGrainFactory grains, LayoutCache layouts, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(layouts);
        ArgumentNullException.ThrowIfNull(time);
        var (status, scenario) = await StateAsync(grains, layouts.GetScenarioAsync);
        var registry = grains.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key);
        if (scenario is null)
        {
            return status.Links.FirstOrDefault(l => l.Id == id) is { } last
                ? TypedResults.Ok(new LinkDetail(last, await registry.ForLinkAsync(id)))
                : Problems.NotFound("id", $"unknown link '{id}'");
        }

        var spec = scenario.Links.FirstOrDefault(l => l.Id == id);
        if (spec is null)
        {
            return Problems.NotFound("id", $"unknown link '{id}'");
        }

        // The figures as NowAsync has them for this link (a link's figures depend on its own effect alone), under the
        // faults this one read found.
        var faults = await registry.ForLinkAsync(id);
        var link = LinksNow.Status(scenario with { Links = [spec] }, status.Job.Step, [LinksNow.Effect(id, faults, time.GetUtcNow())])[0];
        return TypedResults.Ok(new LinkDetail(link, faults));
    }

    /// <summary>
    /// The job's status and its links now. Before any scenario, or while the job's scenario and the layout's differ (a
    /// load between the two calls), the status's own links.
    /// </summary>
    public static Task<(ClusterStatus Status, LinkStatus[] Links)> NowAsync(IGrainFactory grains, LayoutCache layouts, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(layouts);
        return ReadNowAsync(grains, layouts.GetScenarioAsync, time);
    }

    private static async Task<(ClusterStatus Status, LinkStatus[] Links)> ReadNowAsync(IGrainFactory grains, Func<Task<Scenario?>> readScenario, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        var (status, scenario) = await StateAsync(grains, readScenario);
        return scenario is null
            ? (status, [.. status.Links])
            : (status, await LinksNow.StatusAsync(grains, scenario, status.Job.Step, time.GetUtcNow()));
    }

    /// <summary>
    /// The job's status with its links now, as <see cref="NowAsync"/>;
    /// where the fault registry fails (storage out of reach: it answers 503 while its last write is unsettled) or does not
    /// answer within <see cref="RegistryWait"/>, the status's own links, the last step's. Found by review: the cluster's
    /// status route, the CLI's and the ramp's, failed with the registry, and went dark in a storage outage.
    /// <see cref="ClusterStatus.LinksFromLastStep"/> says which: false where the links were read now, true where they are
    /// the last step's (the registry out of reach, or no scenario to read them on). Found by review: the fallback was silent.
    /// </summary>
    public static async Task<ClusterStatus> ClusterNowAsync(IGrainFactory grains, LayoutCache layouts, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(layouts);
        ArgumentNullException.ThrowIfNull(time);
        var (status, scenario) = await StateAsync(grains, layouts.GetScenarioAsync);
        if (scenario is null)
        {
            return status with { LinksFromLastStep = true };
        }

        try
        {
            var links = await LinksNow.StatusAsync(grains, scenario, status.Job.Step, time.GetUtcNow()).WaitAsync(RegistryWait, cancellationToken);
            return status with { Links = links, LinksFromLastStep = false };
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return status with { LinksFromLastStep = true };
        }
    }

    /// <summary>The longest <see cref="ClusterNowAsync"/> waits for the registry before it answers the last step's links.</summary>
    public static readonly TimeSpan RegistryWait = TimeSpan.FromSeconds(2);

    // The job's status, and the scenario its links are read on now: null before any scenario, or while the job's
    // scenario and the layout's differ (a load between the two calls), when only the status's own links can be told.
    private static async Task<(ClusterStatus Status, Scenario? Scenario)> StateAsync(IGrainFactory grains, Func<Task<Scenario?>> readScenario)
    {
        ArgumentNullException.ThrowIfNull(grains);
        var status = await grains.GetGrain<IJobGrain>(IJobGrain.Key).GetStatusAsync();
        var scenario = await readScenario();
        return scenario is null || scenario.Name != status.Scenario || scenario.Links.Count != status.Links.Count ? (status, null) : (status, scenario);
    }

    private static readonly TimeSpan ScrapeWait = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Tells this silo's metrics the job's state and its links now, before a scrape, where the silo exports the job's
    /// figures (the silo the job reported its last step to): the job reports only at a step, which a paused or stopped
    /// job never takes. A failure (the job or the registry out of reach) leaves the last step's figures.
    /// </summary>
    /// <param name="services">The request's services.</param>
    /// <param name="readScenario">
    /// Reads the job's scenario: the scrape's one read of it, shared with the histograms' pruning (found by review: each
    /// made its own, an uploaded scenario's whole source twice per scrape per silo).
    /// </param>
    /// <param name="cancellationToken">The request's.</param>
    public static async Task ReportNowAsync(IServiceProvider services, Func<Task<Scenario?>> readScenario, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(readScenario);
        var metrics = services.GetRequiredService<SimulationMetrics>();
        if (metrics.LastStep is null)
        {
            return;
        }

        try
        {
            // Bounded (found by review): a scrape waits at most this for the job and the registry, never Orleans' 30 s
            // response timeout, and a page of the last step's figures is better than none.
            var (status, links) = await ReadNowAsync(services.GetRequiredService<IGrainFactory>(), readScenario, services.GetRequiredService<TimeProvider>())
                .WaitAsync(ScrapeWait, cancellationToken);
            metrics.ReportNow(new SimulationMetrics.NowSnapshot(status.Scenario, status.Job.State, links));
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            metrics.ReportNow(null);
        }
    }
}
