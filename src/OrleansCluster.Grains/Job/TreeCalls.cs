using System.Diagnostics;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Barrier;
using OrleansCluster.Grains.Links;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Job;

/// <summary>
/// The barrier tree of one run as the job calls it: each site's shards laid out over the silos and handed to the
/// silos' coordinators, and the link grains configured, for an epoch; then, for each step, one call per silo and per
/// link, the silos' answers merged site by site. Called from the job grain's turns only.
/// </summary>
internal sealed class TreeCalls(IGrainFactory grains)
{
    private ISiloCoordinatorGrain[] _coordinators = [];
    private int[][] _sitesOf = []; // per coordinator, the sites whose summaries it answers, in its answer's order
    private BarrierSummary[][] _bySite = []; // per site, its silos' summaries of the step, reused from step to step
    private SummaryMerger[] _mergers = []; // per site, the merger of its silos' summaries, its buffers reused likewise
    private ILinkGrain[] _links = [];
    private double[] _siloSeconds = []; // per coordinator, its time in the last step, reused from step to step

    /// <summary>The silos the tree is laid out over (their coordinators' keys), in the order of <see cref="TreeWall.SiloSeconds"/>.</summary>
    public IReadOnlyList<string> Silos { get; private set; } = [];

    /// <summary>
    /// Configures the grains of <paramref name="scenario"/> for the run of <paramref name="epoch"/> over
    /// <paramref name="silos"/> (the active silos, sorted by address), <paramref name="continuing"/> the run from its
    /// step or starting it; returns the sites' keys.
    /// </summary>
    public async Task<string[]> ConfigureAsync(JobScenario scenario, long epoch, IReadOnlyList<SiloAddress> silos, int blocksPerShard, bool continuing, IReadOnlySet<string>? evicted = null)
    {
        ArgumentOutOfRangeException.ThrowIfZero(silos.Count);
        var sites = JobTree.Sites(scenario.Scenario, scenario.Layout, epoch, continuing, evicted);
        var links = JobTree.Links(scenario.Scenario, epoch);
        var coordinators = silos.Select(s => grains.GetGrain<ISiloCoordinatorGrain>(s.ToParsableString())).ToArray();
        var sitesOf = silos.Select(_ => new List<int>()).ToArray();
        var linkGrains = links.Select(l => grains.GetGrain<ILinkGrain>(l.Link)).ToArray();
        var linksConfigured = Task.WhenAll(links.Select((c, j) => linkGrains[j].ConfigureAsync(c)));

        // One site at a time, each silo configuring its shards of the site one at a time: the node activations in
        // flight stay bounded whatever the number of sites. All sites at once put 254,000 in flight at 3,000,000
        // nodes (31 sites) on one silo, and block configure calls waited past their response timeout: the load failed.
        for (var s = 0; s < sites.Length; s++)
        {
            var perSilo = SiteShards.PerSilo(sites[s], blocksPerShard, silos.Count);
            var calls = new List<Task>();
            for (var n = 0; n < silos.Count; n++)
            {
                if (perSilo[n].Length == 0)
                {
                    continue;
                }

                var shards = perSilo[n].Select(p => new ShardConfig(ShardKey.Format(sites[s].Site, p.Shard), p.Config)).ToArray();
                calls.Add(coordinators[n].ConfigureAsync(new SiloShards(epoch, s, shards)));
                sitesOf[n].Add(s);
            }

            await Task.WhenAll(calls);
        }

        await linksConfigured;

        // Taken on only once the whole tree is laid out: a layout that fails part way leaves nothing half set.
        _links = linkGrains;
        var used = Enumerable.Range(0, silos.Count).Where(n => sitesOf[n].Count > 0).ToArray();
        _coordinators = used.Select(n => coordinators[n]).ToArray();
        _sitesOf = used.Select(n => sitesOf[n].ToArray()).ToArray();
        _bySite = sites.Select((_, s) => new BarrierSummary[_sitesOf.Count(of => of.Contains(s))]).ToArray();
        _mergers = sites.Select(_ => new SummaryMerger(scenario.Scenario.Stragglers.TopK)).ToArray();
        _siloSeconds = new double[_coordinators.Length];
        Silos = _coordinators.Select(c => c.GetPrimaryKeyString()).ToArray();
        return sites.Select(c => c.Site).ToArray();
    }

    /// <summary>
    /// Runs <paramref name="command"/> down the tree: every site's summary, every link's figures, the calls made here,
    /// and the step's wall time in the tree: from the calls down to the last silo's answer, and each silo's own time.
    /// </summary>
    public async Task<(BarrierSummary[] Summaries, LinkState[] Links, int Calls, TreeWall Wall)> StepAsync(StepCommand command)
    {
        var sent = Stopwatch.GetTimestamp();
        var siloTasks = new Task<SiloStepAnswer>[_coordinators.Length];
        for (var n = 0; n < siloTasks.Length; n++)
        {
            siloTasks[n] = _coordinators[n].RunStepAsync(command);
        }

        var linkTasks = new Task<LinkState>[_links.Length];
        for (var l = 0; l < linkTasks.Length; l++)
        {
            linkTasks[l] = _links[l].GetFiguresAsync(command.Step);
        }

        var answers = await Task.WhenAll(siloTasks);
        var tree = Stopwatch.GetElapsedTime(sent).TotalSeconds;
        var slowest = 0;
        for (var n = 0; n < answers.Length; n++)
        {
            _siloSeconds[n] = answers[n].WallSeconds;
            slowest = answers[n].WallSeconds > answers[slowest].WallSeconds ? n : slowest;
        }

        var wall = new TreeWall(tree, _siloSeconds, slowest);
        return (MergeBySite(answers), await Task.WhenAll(linkTasks), _coordinators.Length + _links.Length, wall);
    }

    // Each site's summary from its silos' summaries: as they are where the site is on one silo, merged otherwise. A
    // coordinator that answers other sites than it was given (it lost part of its layout) fails the step, and the
    // job lays the tree out again, rather than merge one site's nodes into another's.
    private BarrierSummary[] MergeBySite(SiloStepAnswer[] answers)
    {
        var filled = new int[_bySite.Length];
        for (var n = 0; n < answers.Length; n++)
        {
            if (!answers[n].Sites.SequenceEqual(_sitesOf[n]) || answers[n].Summaries.Count != _sitesOf[n].Length)
            {
                throw new InvalidOperationException(
                    $"silo coordinator {_coordinators[n].GetPrimaryKeyString()} answered sites [{string.Join(", ", answers[n].Sites)}], laid out with [{string.Join(", ", _sitesOf[n])}]");
            }

            for (var k = 0; k < _sitesOf[n].Length; k++)
            {
                var s = _sitesOf[n][k];
                _bySite[s][filled[s]++] = answers[n].Summaries[k];
            }
        }

        var summaries = new BarrierSummary[_bySite.Length];
        for (var s = 0; s < summaries.Length; s++)
        {
            summaries[s] = _bySite[s].Length == 1 ? _bySite[s][0] : _mergers[s].Merge(_bySite[s], ownCalls: 0);
        }

        return summaries;
    }
}

/// <summary>
/// One step's wall time in the tree: the calls' round trip, each silo's own time (in <see cref="TreeCalls.Silos"/>'
/// order; a buffer the next step overwrites) and the slowest silo's index.
/// </summary>
internal readonly record struct TreeWall(double TreeSeconds, double[] SiloSeconds, int Slowest);
