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

        var all = new ComputeDistribution();
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
                largestNodePerSite[group.SiteIndex] = Math.Max(largestNodePerSite[group.SiteIndex], (double)distribution.GpuCount / distribution.Count);
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
        var bySite = new Dictionary<int, (ComputeDistribution Dist, long Stragglers)>();
        var byGeneration = new Dictionary<string, (ComputeDistribution Dist, long Stragglers)>(StringComparer.Ordinal);
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

    private static void Accumulate<TKey>(Dictionary<TKey, (ComputeDistribution Dist, long Stragglers)> into, TKey key, ComputeDistribution distribution, long stragglers)
        where TKey : notnull
    {
        if (!into.TryGetValue(key, out var entry))
        {
            entry = (new ComputeDistribution(), 0);
        }

        entry.Dist.Merge(distribution);
        into[key] = (entry.Dist, entry.Stragglers + stragglers);
    }

    private static GroupReport Report(string name, (ComputeDistribution Dist, long Stragglers) entry, double median) =>
        new(name, entry.Dist.Count, entry.Stragglers, entry.Dist.MeanSeconds, entry.Dist.MaxSeconds, entry.Dist.Count == 0 || !(median > 0) ? 0 : entry.Dist.MaxSeconds / median);
}
