using System.Globalization;
using OrleansCluster.Model.Scenarios;

namespace OrleansCluster.Model.Simulation;

/// <summary>
/// A scenario's step with no per-step noise and no fault: every node at its generation's nominal compute time, every
/// link at its nominal figures. What it says about a scenario before it runs: whether any step could complete.
/// </summary>
public static class NominalStep
{
    /// <summary>
    /// How far below its median a node's per-step noise is taken to reach when asking whether it could ever make the
    /// barrier: six standard deviations of the log-normal draw (about one step in a billion gets further).
    /// </summary>
    public const double FastDrawSigmas = 6;

    /// <summary>
    /// The shortest nominal compute time of a step the simulation takes: work that a GPU gets through faster rounds to
    /// nothing (noise would then draw times of zero, which no barrier statistic can hold), so such a scenario is refused.
    /// </summary>
    public const double MinComputeSeconds = 1e-12;

    /// <summary>
    /// The outlier probability (<c>noise.outlierProbability</c>) from which a scenario is judged with every node an
    /// outlier: a node is then an outlier at every other step or more often, and where an outlier misses the barrier,
    /// evictions take half the nodes or more at each step (a job of a thousand nodes keeps none past about ten steps,
    /// long before a checkpoint lets them rejoin). Below it, outliers that miss the barrier are evicted like any
    /// straggler and the scenario loads.
    /// </summary>
    public const double CertainOutlierProbability = 0.5;

    /// <summary>The step every node of <paramref name="scenario"/> and every link take at their nominal figures.</summary>
    public static StepResult Evaluate(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        return Evaluate(scenario, new Workload(scenario), AllNodes(scenario));
    }

    /// <summary>
    /// Why no step of <paramref name="scenario"/> could ever complete, naming <c>job.barrierTimeoutSeconds</c>, or
    /// null when one could. Two ways never to complete: no node computes a step within the barrier timeout even at
    /// its own nominal speed (its persistent factor included) with a per-step draw <see cref="FastDrawSigmas"/> fast,
    /// so every node misses the barrier at every step; or the all-reduce among the nodes that can make it, with every
    /// link nominal, outlasts the timeout, so the collective watchdog aborts every step (faults and jitter only
    /// lengthen it). A scenario where only some nodes are too slow does run: they are evicted and the others go on.
    /// Outliers at a probability of at least <see cref="CertainOutlierProbability"/> are taken as certain: if the
    /// same checks fail with every node <c>noise.outlierFactor</c> times slower, the error names
    /// <c>noise.outlierProbability</c>. Figures the arithmetic cannot hold (a step's compute time of zero, infinity or
    /// not a number) are refused here too, naming the work, so that no scenario that passes reaches the barrier's
    /// statistics with them.
    /// </summary>
    public static ScenarioError? CompletionError(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var timeout = scenario.Job.BarrierTimeoutSeconds;
        var workload = new Workload(scenario);
        if (UnusableComputeError(scenario, workload) is { } unusable)
        {
            return unusable;
        }

        if (Never(scenario, workload, slowdown: 1) is { } why)
        {
            return new ScenarioError("job.barrierTimeoutSeconds", string.Create(CultureInfo.InvariantCulture, $"no step could ever complete within the {timeout:G4} s barrier timeout: {why}"));
        }

        var (p, factor) = (scenario.Noise.OutlierProbability, scenario.Noise.OutlierFactor);
        if (p >= CertainOutlierProbability && factor > 1 && Never(scenario, workload, factor) is { } outliers)
        {
            var often = p >= 1 ? "every node is an outlier at every step" : "a node is an outlier at every other step or more often";
            return new ScenarioError("noise.outlierProbability", string.Create(CultureInfo.InvariantCulture,
                $"at noise.outlierProbability {p:G4} {often}, noise.outlierFactor {factor:G4} times slower, and as one it could not complete a step within the {timeout:G4} s barrier timeout, so the job would evict its nodes faster than steps complete: {outliers}; or lower the outlier probability (below {CertainOutlierProbability}) or factor"));
        }

        return null;
    }

    // Why no step could complete with every node's compute `slowdown` times its nominal time, or null.
    private static string? Never(Scenario scenario, Workload workload, double slowdown)
    {
        var timeout = scenario.Job.BarrierTimeoutSeconds;
        var fastDraw = Math.Exp(-FastDrawSigmas * SeededNoise.LogNormalSigma(scenario.Noise.ComputeCv));
        var bound = timeout / fastDraw / slowdown;
        var groups = AllNodes(scenario);
        if (groups.Any(g => !(workload.NominalSeconds(g.Group.Generation) <= bound)))
        {
            groups = Fitting(scenario, workload, groups, bound);
        }

        if (groups.Count == 0)
        {
            var fastest = scenario.Sites.SelectMany(s => s.Nodes).MinBy(g => workload.NominalSeconds(g.Generation))!.Generation;
            var seconds = workload.NominalSeconds(fastest);
            var outlier = slowdown > 1 ? string.Create(CultureInfo.InvariantCulture, $" ({seconds * slowdown:G4} s as an outlier)") : string.Empty;
            return string.Create(CultureInfo.InvariantCulture,
                $"the fastest generation ({fastest.Name}) computes a step in {seconds:G4} s with no noise and no fault{outlier}, and no node comes within the timeout even with its own persistent factor and a per-step draw {FastDrawSigmas} standard deviations fast, so every node would miss the barrier: lower the work per step (job.flopsPerGpuPerStep or job.model) or raise the timeout");
        }

        var step = Evaluate(scenario, workload, groups);
        if (CollectiveWatchdog.TimesOut(step, timeout))
        {
            var comm = AllReduceModel.CommSeconds(step.IntraSiteSeconds, step.InterSiteSeconds);
            return string.Create(CultureInfo.InvariantCulture,
                $"the all-reduce takes {comm:G4} s (within sites {step.IntraSiteSeconds:G4} s, between sites {step.InterSiteSeconds:G4} s) among the nodes that can make the barrier with every link nominal, so the collective watchdog would abort every step: raise a fabric's or a link's bandwidth, shrink the gradient, raise job.comm.bucketMegabytes (fewer collectives, each paying the link latency), or raise the timeout");
        }

        return null;
    }

    // A generation whose step takes no time, an infinite time (even as an outlier) or a time that is not a number: what
    // the sketch of compute times cannot hold. The plain loop of a what-if keeps every node, however slow, at the barrier.
    private static ScenarioError? UnusableComputeError(Scenario scenario, Workload workload)
    {
        foreach (var generation in scenario.Sites.SelectMany(s => s.Nodes).Select(g => g.Generation).Distinct())
        {
            var seconds = workload.NominalSeconds(generation);
            if (!(seconds >= MinComputeSeconds) || double.IsPositiveInfinity(seconds * scenario.Noise.OutlierFactor))
            {
                var why = seconds >= MinComputeSeconds
                    ? "a time no barrier can hold (W / (P u), times noise.outlierFactor, overflows): lower the work or raise job.mfu"
                    : $"below the {MinComputeSeconds:G} s the simulation can time: give each GPU more work";
                return new ScenarioError(
                    scenario.Job.Model is null ? "job.flopsPerGpuPerStep" : "job.model",
                    string.Create(CultureInfo.InvariantCulture, $"a GPU of {generation.Name} would compute a step in {seconds:G4} s, {why}"));
            }
        }

        return null;
    }

    private static List<(int Site, NodeGroupSpec Group, int Count)> AllNodes(Scenario scenario) =>
        [.. scenario.Sites.SelectMany((site, s) => site.Nodes.Select(g => (s, g, g.Count)))];

    // The nodes whose own nominal time is at most `bound`: whole groups when the nodes of a generation share one time,
    // counted node by node (over the layout) when each has its persistent factor.
    private static List<(int Site, NodeGroupSpec Group, int Count)> Fitting(Scenario scenario, Workload workload, List<(int Site, NodeGroupSpec Group, int Count)> groups, double bound)
    {
        if (!(scenario.Noise.NodeCv > 0))
        {
            return groups.Where(g => workload.NominalSeconds(g.Group.Generation) <= bound).ToList();
        }

        var fitting = new Dictionary<(int, string, int), int>();
        foreach (var node in new ClusterLayout(scenario).Nodes)
        {
            if (workload.NodeNominalSeconds(node) <= bound)
            {
                var key = (node.SiteIndex, node.Generation.Name, node.GpusPerNode);
                fitting[key] = fitting.GetValueOrDefault(key) + 1;
            }
        }

        return groups
            .Select(g => (g.Site, g.Group, Count: fitting.GetValueOrDefault((g.Site, g.Group.Generation.Name, g.Group.GpusPerNode))))
            .Where(g => g.Count > 0)
            .GroupBy(g => (g.Site, g.Group.Generation.Name, g.Group.GpusPerNode))
            .Select(same => same.First()) // groups alike in site, generation and size were counted together
            .ToList();
    }

    private static StepResult Evaluate(Scenario scenario, Workload workload, IEnumerable<(int Site, NodeGroupSpec Group, int Count)> nodes)
    {
        var groups = new List<GroupStats>();
        foreach (var (site, group, count) in nodes)
        {
            // One node's time in the sketch (every node's is the same), the group's counts and sums beside it.
            var seconds = workload.NominalSeconds(group.Generation);
            var distribution = new ComputeDistribution();
            distribution.Add(seconds, group.GpusPerNode);
            distribution.Merge(count - 1, (long)(count - 1) * group.GpusPerNode, (count - 1) * seconds, seconds, seconds);
            groups.Add(new GroupStats(site, group.Generation, distribution));
        }

        var links = scenario.Links
            .Select(l => LinkModel.At(l, LinkEffect.None, scenario.Seed, SeededNoise.StreamKey(l.Id), step: 1, baseJitterSeconds: 0))
            .ToArray();
        return StepEvaluator.Evaluate(scenario, workload, groups, links, []);
    }
}
