using System.Globalization;
using OrleansCluster.Model.Scenarios;

namespace OrleansCluster.Model.Simulation;

/// <summary>
/// A scenario's step with no noise and no fault: every node at its generation's nominal compute time, every link at
/// its nominal figures. What it says about a scenario before a node is laid out: whether any step could complete.
/// </summary>
public static class NominalStep
{
    /// <summary>The step every node of <paramref name="scenario"/> and every link take at their nominal figures.</summary>
    public static StepResult Evaluate(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var workload = new Workload(scenario);
        var groups = new List<GroupStats>();
        for (var s = 0; s < scenario.Sites.Count; s++)
        {
            foreach (var group in scenario.Sites[s].Nodes.Where(g => g.Count > 0))
            {
                // One node's time in the sketch (every node's is the same), the group's counts and sums beside it.
                var seconds = workload.NominalSeconds(group.Generation);
                var distribution = new ComputeDistribution();
                distribution.Add(seconds, group.GpusPerNode);
                distribution.Merge(group.Count - 1, (long)(group.Count - 1) * group.GpusPerNode, (group.Count - 1) * seconds, seconds, seconds);
                groups.Add(new GroupStats(s, group.Generation, distribution));
            }
        }

        var links = scenario.Links
            .Select(l => LinkModel.At(l, LinkEffect.None, scenario.Seed, SeededNoise.StreamKey(l.Id), step: 1, baseJitterSeconds: 0))
            .ToArray();
        return StepEvaluator.Evaluate(scenario, workload, groups, links, []);
    }

    /// <summary>
    /// Why no step of <paramref name="scenario"/> could ever complete, naming <c>job.barrierTimeoutSeconds</c>, or
    /// null when its nominal step fits. Two ways never to complete: every generation computes past the barrier
    /// timeout (every node misses the barrier, step after step), or the all-reduce with every node healthy and every
    /// link nominal outlasts it (the collective watchdog aborts every step; faults and jitter only lengthen it).
    /// A scenario where only some generations are too slow does run: their nodes are evicted and the rest go on.
    /// </summary>
    public static ScenarioError? CompletionError(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var timeout = scenario.Job.BarrierTimeoutSeconds;
        var workload = new Workload(scenario);
        var fastest = scenario.Sites.SelectMany(s => s.Nodes).Where(g => g.Count > 0)
            .Select(g => (g.Generation.Name, Seconds: workload.NominalSeconds(g.Generation)))
            .MinBy(g => g.Seconds);
        if (!(fastest.Seconds <= timeout))
        {
            return Error(timeout, string.Create(CultureInfo.InvariantCulture, $"the fastest generation ({fastest.Name}) computes a step in {fastest.Seconds:G4} s with no noise and no fault, so every node would miss the barrier: lower the work per step (job.flopsPerGpuPerStep or job.model) or raise the timeout"));
        }

        var step = Evaluate(scenario);
        if (CollectiveWatchdog.TimesOut(step, timeout))
        {
            var comm = AllReduceModel.CommSeconds(step.IntraSiteSeconds, step.InterSiteSeconds);
            return Error(timeout, string.Create(CultureInfo.InvariantCulture, $"the all-reduce takes {comm:G4} s (within sites {step.IntraSiteSeconds:G4} s, between sites {step.InterSiteSeconds:G4} s) with every node healthy and every link nominal, so the collective watchdog would abort every step: raise a fabric's or a link's bandwidth, shrink the gradient, or raise the timeout"));
        }

        return null;
    }

    private static ScenarioError Error(double timeout, string why) =>
        new("job.barrierTimeoutSeconds", string.Create(CultureInfo.InvariantCulture, $"no step could ever complete within the {timeout:G4} s barrier timeout: {why}"));
}
