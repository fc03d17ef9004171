using OrleansCluster.Model.Scenarios;

namespace OrleansCluster.Model.Simulation;

/// <summary>
/// The barrier's arithmetic (DESIGN.md section 1): from the per-(site, generation) compute distributions
/// of the nodes that reached the barrier and the links' figures, the step time, the all-reduce phases,
/// stragglers, straggler tax and cluster MFU. Both the live simulation and the plain loop call this.
/// </summary>
public static class StepEvaluator
{
    /// <summary>Evaluates one step.</summary>
    public static StepResult Evaluate(
        Scenario scenario,
        IReadOnlyList<GroupStats> groups,
        IReadOnlyList<LinkState> links,
        IReadOnlyList<StragglerCandidate> candidates) =>
        Evaluate(scenario, new Workload(scenario), groups, links, candidates);

    /// <summary>Evaluates one step of <paramref name="workload"/> (built once per scenario by the caller).</summary>
    public static StepResult Evaluate(
        Scenario scenario,
        Workload workload,
        IReadOnlyList<GroupStats> groups,
        IReadOnlyList<LinkState> links,
        IReadOnlyList<StragglerCandidate> candidates)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(workload);
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(links);
        ArgumentNullException.ThrowIfNull(candidates);

        var all = _all ??= new ComputeDistribution(); // this thread's, kept: its sketch's buffers are the step's largest allocation
        all.Clear();
        var healthyPerSite = new int[scenario.Sites.Count];
        var largestNodePerSite = new double[scenario.Sites.Count];
        double peakFlopsOfHealthyGpus = 0;
        double usefulFlops = 0;
        foreach (var group in groups)
        {
            var distribution = group.Distribution;
            all.Merge(distribution);
            healthyPerSite[group.SiteIndex] += distribution.Count;
            peakFlopsOfHealthyGpus += group.Generation.PeakFlopsPerSecond * distribution.GpuCount;
            usefulFlops += workload.FlopsPerGpu(group.Generation) * distribution.GpuCount;
            if (distribution.Count > 0)
            {
                largestNodePerSite[group.SiteIndex] = Math.Max(largestNodePerSite[group.SiteIndex], distribution.LargestNodeGpus);
            }
        }

        var job = scenario.Job;
        if (job.Balance == WorkBalance.Equal)
        {
            usefulFlops = workload.EqualFlopsPerGpu * all.GpuCount; // exactly section 1's numerator
        }

        var maxCompute = all.MaxSeconds;
        var median = all.MedianSeconds;

        // The node with the most GPUs at a site holds the biggest shard and sets the pace of its ring.
        var maxIntra = 0.0;
        var activeSite = new bool[scenario.Sites.Count];
        for (var s = 0; s < scenario.Sites.Count; s++)
        {
            if (healthyPerSite[s] == 0)
            {
                continue;
            }

            activeSite[s] = true;
            var fabric = scenario.Sites[s].Fabric;
            var bytes = workload.IntraSiteBytesPerNode(largestNodePerSite[s]);
            maxIntra = Math.Max(maxIntra, AllReduceModel.IntraSiteSeconds(healthyPerSite[s], bytes, fabric.BandwidthBytesPerSecond, fabric.HopLatencySeconds));
        }

        var inter = InterSiteRing.Evaluate(scenario, workload, links, activeSite);
        var interSite = inter.Seconds;
        var partitioned = inter.Partitioned;
        var linkReports = inter.Links;
        var comm = AllReduceModel.CommSeconds(maxIntra, interSite);
        var stepSeconds = all.Count == 0 ? 0 : AllReduceModel.StepSeconds(maxCompute, comm, job.CommOverlap);
        var exposed = AllReduceModel.ExposedShare(maxCompute, comm, job.CommOverlap); // of T_comm, what the step waits for
        var breakdown = all.Count == 0
            ? StepBreakdown.Zero
            : new StepBreakdown(median, maxCompute - median, exposed * 2 * maxIntra, exposed * inter.BandwidthSeconds, exposed * inter.LatencySeconds);

        var threshold = (1 + scenario.Stragglers.Threshold) * median;
        long stragglerCount = 0;
        var bySite = new Dictionary<int, Tally>();
        var byGeneration = new Dictionary<string, Tally>(StringComparer.Ordinal);
        foreach (var group in groups)
        {
            var above = all.Count == 0 ? 0 : group.Distribution.Sketch.CountAbove(threshold);
            stragglerCount += above;
            Accumulate(bySite, group.SiteIndex, group.Distribution, above);
            Accumulate(byGeneration, group.Generation.Name, group.Distribution, above);
        }

        var stragglers = candidates
            .Where(c => c.ComputeSeconds > threshold)
            .OrderByDescending(c => c.ComputeSeconds)
            .ThenBy(c => c.NodeId, StringComparer.Ordinal)
            .Take(scenario.Stragglers.TopK)
            .Select(c => new NodeStraggler(c.NodeId, scenario.Sites[c.SiteIndex].Name, c.Generation, c.ComputeSeconds, c.ComputeSeconds / median))
            .ToArray();

        var tax = stepSeconds > 0 ? (maxCompute - median) / stepSeconds : 0;
        var mfu = stepSeconds > 0 && peakFlopsOfHealthyGpus > 0
            ? usefulFlops / (peakFlopsOfHealthyGpus * stepSeconds)
            : 0;

        return new StepResult(
            stepSeconds,
            maxCompute,
            all.Count == 0 ? 0 : median,
            maxIntra,
            interSite,
            tax,
            mfu,
            all.Count,
            stragglerCount,
            stragglers,
            linkReports,
            bySite.OrderBy(p => p.Key).Select(p => Report(scenario.Sites[p.Key].Name, p.Value, median)).ToArray(),
            byGeneration.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => Report(p.Key, p.Value, median)).ToArray(),
            partitioned)
        {
            Breakdown = breakdown,
            TokensPerSecond = stepSeconds > 0 && workload.TotalFlopsPerStep > 0 ? workload.TokensPerStep * usefulFlops / workload.TotalFlopsPerStep / stepSeconds : 0,
            UsefulFlopsPerSecond = stepSeconds > 0 ? usefulFlops / stepSeconds : 0,
        };
    }

    // The distribution of every node at the barrier, one per thread (the live job's grains and the what-if thread
    // evaluate at once; Evaluate does not await): a new one each step allocated its sketch's buckets afresh, most of
    // the plain loop's 118 KB a step on small (2026-11-28, bench `plain --scenario small`).
    [ThreadStatic]
    private static ComputeDistribution? _all;

    // What a site's or generation's report reads of its groups: nodes, stragglers, sum and max (no sketch).
    private readonly record struct Tally(int Count, long Stragglers, double SumSeconds, double MaxSeconds);

    private static void Accumulate<TKey>(Dictionary<TKey, Tally> into, TKey key, ComputeDistribution distribution, long stragglers)
        where TKey : notnull
    {
        var entry = into.GetValueOrDefault(key);
        into[key] = new Tally(
            entry.Count + distribution.Count,
            entry.Stragglers + stragglers,
            entry.SumSeconds + distribution.SumSeconds,
            Math.Max(entry.MaxSeconds, distribution.MaxSeconds));
    }

    private static GroupReport Report(string name, Tally entry, double median) =>
        new(name, entry.Count, entry.Stragglers, entry.Count == 0 ? 0 : entry.SumSeconds / entry.Count, entry.MaxSeconds, entry.Count == 0 || !(median > 0) ? 0 : entry.MaxSeconds / median);
}
