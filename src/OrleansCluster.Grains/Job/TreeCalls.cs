using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Links;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Job;

/// <summary>
/// The barrier tree of one run as the job calls it: the site and link grains configured for an epoch, then asked
/// for each step (one call per site and per link). Called from the job grain's turns only.
/// </summary>
internal sealed class TreeCalls(IGrainFactory grains)
{
    private ISiteGrain[] _sites = [];
    private ILinkGrain[] _links = [];

    /// <summary>Configures the grains of <paramref name="scenario"/> for the run of <paramref name="epoch"/>; returns the sites' keys.</summary>
    public async Task<string[]> ConfigureAsync(JobScenario scenario, long epoch)
    {
        var sites = JobTree.Sites(scenario.Scenario, scenario.Layout, epoch);
        var links = JobTree.Links(scenario.Scenario, epoch);
        _sites = sites.Select(c => grains.GetGrain<ISiteGrain>(c.Site)).ToArray();
        _links = links.Select(l => grains.GetGrain<ILinkGrain>(l.Link)).ToArray();
        var linksConfigured = Task.WhenAll(links.Select((c, j) => _links[j].ConfigureAsync(c)));
        // One site at a time: a site configures a few blocks per silo at once, so the node activations in flight
        // stay bounded whatever the number of sites. All sites at once put 254,000 in flight at 3,000,000 nodes (31
        // sites) on one silo, and block configure calls waited past their response timeout: the load failed.
        for (var s = 0; s < sites.Length; s++)
        {
            await _sites[s].ConfigureAsync(sites[s]);
        }

        await linksConfigured;
        return sites.Select(c => c.Site).ToArray();
    }

    /// <summary>Runs <paramref name="command"/> down the tree: every site's summary, every link's figures, and the calls made here.</summary>
    public async Task<(BarrierSummary[] Summaries, LinkState[] Links, int Calls)> StepAsync(StepCommand command)
    {
        var siteTasks = _sites.Select(s => s.RunStepAsync(command)).ToArray();
        var linkTasks = _links.Select(l => l.GetFiguresAsync(command.Step)).ToArray();
        return (await Task.WhenAll(siteTasks), await Task.WhenAll(linkTasks), _sites.Length + _links.Length);
    }
}
