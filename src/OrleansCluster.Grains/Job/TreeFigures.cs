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

    /// <summary>Where the steps' wall time went since the run began (null before its first step).</summary>
    public StepWallStatus? Wall { get; private set; }

    /// <summary>Nodes evicted (down) at the last step.</summary>
    public int EvictedNodes => Sites.Sum(states => states.Sum(c => c.Down));

    /// <summary>A new run: no grain calls yet.</summary>
    public void Restart() => (GrainCalls, Wall) = (0, null);

    /// <summary>The tree was laid out again over <paramref name="siteNames"/>: no figures until the next step.</summary>
    public void LaidOut(IReadOnlyList<string> siteNames)
    {
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
        var w = Wall ?? new StepWallStatus(0, 0, 0, 0, 0, 0);
        Wall = new StepWallStatus(
            w.Steps + 1, tree.Silos, w.StepSeconds + stepSeconds, w.TreeSeconds + tree.TreeSeconds,
            w.SlowestSiloSeconds + tree.SlowestSiloSeconds, w.MeanSiloSeconds + tree.MeanSiloSeconds);
    }

    /// <summary>Site <paramref name="index"/>'s node counts, all healthy before its first step.</summary>
    public IReadOnlyList<NodeCounts> Site(int index, SiteSpec site) =>
        Sites.Length > index && Sites[index].Count > 0 ? Sites[index] : JobFigures.AllHealthy(site);
}
