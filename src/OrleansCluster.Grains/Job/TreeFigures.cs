using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Job;

/// <summary>
/// What the barrier tree last answered: each site's node counts by generation and state, each link's figures, and
/// the grain calls the run has made. Laid out afresh with the tree; read by the job's answers and its metrics.
/// </summary>
public sealed class TreeFigures
{
    /// <summary>The sites' grain keys, in the scenario's order.</summary>
    public IReadOnlyList<string> SiteNames { get; private set; } = [];

    /// <summary>Each site's node counts at the last step (empty before its first).</summary>
    public IReadOnlyList<NodeCounts>[] Sites { get; private set; } = [];

    /// <summary>Each link's figures at the last step (empty before the first).</summary>
    public IReadOnlyList<LinkState> Links { get; private set; } = [];

    /// <summary>Grain calls made since the run began.</summary>
    public long GrainCalls { get; private set; }

    // Where the steps' wall time went since the tree was laid out: the sums of the job's steps, of the round trips
    // down the tree and of the slowest silo's time, and per silo its time and the steps it was the slowest in.
    private (long Steps, double Step, double Tree, double Slowest) _wall;
    private IReadOnlyList<string> _silos = [];
    private double[] _siloSeconds = [];
    private long[] _siloSlowest = [];

    /// <summary>Where the steps' wall time went since the tree was laid out (null before its first step there).</summary>
    public StepWallStatus? Wall => _wall.Steps == 0 ? null : new StepWallStatus(
        _wall.Steps, _silos.Count, _wall.Step, _wall.Tree, _wall.Slowest, _silos.Count == 0 ? 0 : _siloSeconds.Sum() / _silos.Count,
        _silos.Select((silo, n) => new SiloWallStatus(silo, _siloSeconds[n], _siloSlowest[n])).ToArray());

    /// <summary>
    /// Each site's node counts before the tree's first step answers: the nodes the job knows the barrier evicted down,
    /// the rest healthy (empty: all healthy). Found by review (fix-failover): the job taken over by another silo
    /// restored its evicted nodes and handed them to the blocks, yet read them healthy here (in <c>/api/cluster</c>,
    /// <c>job.evictedNodes</c> and <c>gpusim_nodes</c>) until its first step, which a paused job does not take.
    /// </summary>
    public IReadOnlyList<NodeCounts>[] BeforeStep { get; set; } = [];

    /// <summary>Nodes evicted (down) at the last step, or known evicted before the first (<see cref="BeforeStep"/>).</summary>
    public int EvictedNodes => Enumerable.Range(0, Math.Max(Sites.Length, BeforeStep.Length)).Sum(s => Known(s)?.Sum(c => c.Down) ?? 0);

    /// <summary>
    /// A new run: no grain calls yet, and none of the last run's figures (its sites' counts read by index would be
    /// another scenario's, until the new tree is laid out).
    /// </summary>
    public void Restart()
    {
        GrainCalls = 0;
        Sites = Sites.Select(_ => (IReadOnlyList<NodeCounts>)[]).ToArray();
        BeforeStep = [];
        Links = [];
    }

    /// <summary>
    /// The tree was laid out again over <paramref name="siteNames"/> and <paramref name="silos"/> (their coordinators'
    /// keys): no figures until the next step, and the wall time's sums start again.
    /// </summary>
    public void LaidOut(IReadOnlyList<string> siteNames, IReadOnlyList<string> silos)
    {
        (_wall, _silos, _siloSeconds, _siloSlowest) = (default, silos, new double[silos.Count], new long[silos.Count]);
        SiteNames = siteNames;
        Sites = siteNames.Select(_ => (IReadOnlyList<NodeCounts>)[]).ToArray();
        Links = [];
    }

    /// <summary>A step's answers: the sites' summaries and the links' figures, after <paramref name="calls"/> calls down the tree.</summary>
    public void Took(IReadOnlyList<BarrierSummary> summaries, IReadOnlyList<LinkState> links, int calls)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        Links = links;
        GrainCalls += calls + summaries.Sum(s => s.GrainCalls);
        for (var s = 0; s < summaries.Count && s < Sites.Length; s++)
        {
            Sites[s] = summaries[s].States;
        }
    }

    /// <summary>A step took <paramref name="stepSeconds"/> in the job, <paramref name="tree"/> of it down the tree.</summary>
    internal void Timed(double stepSeconds, TreeWall tree)
    {
        for (var n = 0; n < _siloSeconds.Length && n < tree.SiloSeconds.Length; n++)
        {
            _siloSeconds[n] += tree.SiloSeconds[n];
        }

        if (tree.Slowest < _siloSlowest.Length)
        {
            _siloSlowest[tree.Slowest]++;
        }

        var slowest = tree.SiloSeconds.Length > 0 ? tree.SiloSeconds[tree.Slowest] : 0;
        _wall = (_wall.Steps + 1, _wall.Step + stepSeconds, _wall.Tree + tree.TreeSeconds, _wall.Slowest + slowest);
    }

    /// <summary>Site <paramref name="index"/>'s node counts; before its first step, <see cref="BeforeStep"/>'s, or all healthy.</summary>
    public IReadOnlyList<NodeCounts> Site(int index, SiteSpec site) => Known(index) ?? JobFigures.AllHealthy(site);

    private IReadOnlyList<NodeCounts>? Known(int index) =>
        Sites.Length > index && Sites[index].Count > 0 ? Sites[index] : BeforeStep.Length > index && BeforeStep[index].Count > 0 ? BeforeStep[index] : null;
}
