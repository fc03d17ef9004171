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

    private const double Micro = 1e-6;

    /// <summary>
    /// The outlier probability (<c>noise.outlierProbability</c>) from which a scenario is judged with every node an
    /// outlier: a node is then an outlier at every other step or more often, and where an outlier misses the barrier,
    /// evictions take half the nodes or more at each step (a job of a thousand nodes keeps none past about ten steps,
    /// long before a checkpoint lets them rejoin). Below it, outliers that miss the barrier are evicted like any
    /// straggler and the scenario loads.
    /// </summary>
    public const double CertainOutlierProbability = 0.5;

    /// <summary>
    /// The median of a half-normal draw <c>|z|</c> (the standard normal's third quartile): a link's jitter,
    /// <c>|z| * noise.linkJitterMicroseconds</c> (docs/model.md), is at least this many times its scale at every other
    /// step or more often. A scenario whose all-reduce outlasts the timeout with one link's jitter at this draw is
    /// refused as one with certain outliers is: the collective watchdog would abort every other step or more often.
    /// </summary>
    public const double MedianJitterDraw = 0.6744897501960817;

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
    /// statistics with them. Link jitter is judged at its median: if the all-reduce outlasts the timeout with any one
    /// link's jitter at <see cref="MedianJitterDraw"/> times <c>noise.linkJitterMicroseconds</c> (every other link
    /// nominal), at least every other step would be aborted, and the error names <c>noise.linkJitterMicroseconds</c>.
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

        return JitterError(scenario, workload);
    }

    // Why the median jitter of one link aborts the all-reduce, naming noise.linkJitterMicroseconds, or null. The
    // all-reduce only lengthens as any link's latency grows (its latency term takes the largest, its window-limited
    // bandwidth falls), so with one link at its median draw and every other at no jitter, it is at least as long at
    // every other step or more often. Judged, and the advice found, against the worst link at each figure (Worst): a
    // few steps in all, not one a link.
    private static ScenarioError? JitterError(Scenario scenario, Workload workload)
    {
        var scale = scenario.Noise.LinkJitterSeconds;
        var groups = Reaching(scenario, workload, slowdown: 1);
        if (!(scale > 0) || scenario.Links.Count == 0 || groups.Count == 0)
        {
            return null;
        }

        var timeout = scenario.Job.BarrierTimeoutSeconds;
        if (Worst(scenario, workload, groups, MedianJitterDraw * scale) is not { } worst || !CollectiveWatchdog.TimesOut(worst.Step, timeout))
        {
            return null;
        }

        // The largest scale at which no link's median draw aborts the all-reduce, found by halving (the worst link
        // may change with the figure): the advice, in four figures rounded down, so that the figure advised loads.
        double fits = 0, misses = scale;
        for (var i = 0; i < 60 && misses - fits > 1e-5 * misses; i++)
        {
            var mid = (fits + misses) / 2;
            if (Worst(scenario, workload, groups, MedianJitterDraw * mid) is { } at && CollectiveWatchdog.TimesOut(at.Step, timeout))
            {
                misses = mid;
            }
            else
            {
                fits = mid;
            }
        }

        var (link, step) = worst;
        var comm = AllReduceModel.CommSeconds(step.IntraSiteSeconds, step.InterSiteSeconds);
        var fewer = scenario.Job.Model is null ? string.Empty : ", or pay the latency less often (a larger job.comm.bucketMegabytes, a larger job.comm.interSiteEverySteps)";
        var unit = fits > 0 ? Math.Pow(10, Math.Floor(Math.Log10(fits / Micro)) - 3) : 0;
        var limit = fits > 0
            ? string.Create(CultureInfo.InvariantCulture, $"lower the jitter to {Math.Floor(fits / Micro / unit) * unit:G4} us or less or ")
            : string.Empty;
        return new ScenarioError("noise.linkJitterMicroseconds", string.Create(CultureInfo.InvariantCulture,
            $"at noise.linkJitterMicroseconds {scale / Micro:G4} link {link} draws {MedianJitterDraw * scale / Micro:G4} us of jitter or more at every other step or more often (the half-normal's median, {MedianJitterDraw:G3} times the scale), and with that alone the all-reduce takes {comm:G4} s (between sites {step.InterSiteSeconds:G4} s), past the {timeout:G4} s timeout: the collective watchdog would abort at least every other step; {limit}raise the timeout{fewer}"));
    }

    // The link whose `jitterSeconds` of extra latency alone (every other link nominal) makes the all-reduce longest,
    // and the step with it so, or null when no link joins two sites with nodes at the barrier (none then matters).
    // One step with every link that much longer ranks them: a link's report's stretch is the inter-site phase with
    // that link at its figures and every other link nominal, over the nominal phase (InterSiteRing), so two steps
    // in all. Where the nominal phase is 0 every stretch reads 1, but then the gradient is empty and every link's
    // jitter lengthens the phase alike, so any link between active sites is as bad as the worst.
    private static (string Link, StepResult Step)? Worst(Scenario scenario, Workload workload, List<(int Site, NodeGroupSpec Group, int Count)> groups, double jitterSeconds)
    {
        var active = groups.Select(g => scenario.Sites[g.Site].Name).ToHashSet(StringComparer.Ordinal);
        var between = scenario.Links.Where(l => active.Contains(l.From) && active.Contains(l.To)).Select(l => l.Id).ToHashSet(StringComparer.Ordinal);
        var ranked = Evaluate(scenario, workload, groups, _ => true, jitterSeconds).Links.Where(r => between.Contains(r.Link)).ToList();
        if (ranked.Count == 0)
        {
            return null;
        }

        var worst = ranked.MaxBy(r => r.Stretch)!.Link;
        return (worst, Evaluate(scenario, workload, groups, id => id == worst, jitterSeconds));
    }

    // Why no step could complete with every node's compute `slowdown` times its nominal time, or null.
    private static string? Never(Scenario scenario, Workload workload, double slowdown)
    {
        var timeout = scenario.Job.BarrierTimeoutSeconds;
        var groups = Reaching(scenario, workload, slowdown);
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

    // The nodes that could make the barrier with their compute `slowdown` times its nominal time and a fast draw.
    private static List<(int Site, NodeGroupSpec Group, int Count)> Reaching(Scenario scenario, Workload workload, double slowdown)
    {
        var fastDraw = Math.Exp(-FastDrawSigmas * SeededNoise.LogNormalSigma(scenario.Noise.ComputeCv));
        var bound = scenario.Job.BarrierTimeoutSeconds / fastDraw / slowdown;
        var groups = AllNodes(scenario);
        return groups.Any(g => !(workload.NominalSeconds(g.Group.Generation) <= bound)) ? Fitting(scenario, workload, groups, bound) : groups;
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

    private static StepResult Evaluate(Scenario scenario, Workload workload, IEnumerable<(int Site, NodeGroupSpec Group, int Count)> nodes, Func<string, bool>? jittered = null, double jitterSeconds = 0)
    {
        var groups = new List<GroupStats>();
        foreach (var (site, group, count) in nodes)
        {
            // One node's time in the sketch (every node's is the same), the group's counts and sums beside it.
            var seconds = workload.NominalSeconds(group.Generation);
            var distribution = new ComputeDistribution();
            distribution.Add(seconds, group.GpusPerNode);
            distribution.Merge(count - 1, (long)(count - 1) * group.GpusPerNode, group.GpusPerNode, (count - 1) * seconds, seconds, seconds);
            groups.Add(new GroupStats(site, group.Generation, distribution));
        }

        var links = scenario.Links
            .Select(l => LinkModel.At(l, jittered is not null && jittered(l.Id) ? LinkEffect.None with { ExtraLatencySeconds = jitterSeconds } : LinkEffect.None, scenario.Seed, SeededNoise.StreamKey(l.Id), step: 1, baseJitterSeconds: 0))
            .ToArray();
        return StepEvaluator.Evaluate(scenario, workload, groups, links, []);
    }
}
