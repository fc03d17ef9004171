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
        IReadOnlyList<StragglerCandidate> candidates)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(links);
        ArgumentNullException.ThrowIfNull(candidates);

        var all = new ComputeDistribution();
        var healthyPerSite = new int[scenario.Sites.Count];
        double peakFlopsOfHealthyGpus = 0;
        foreach (var group in groups)
        {
            all.Merge(group.Distribution);
            healthyPerSite[group.SiteIndex] += group.Distribution.Count;
            peakFlopsOfHealthyGpus += group.Generation.PeakFlopsPerSecond * group.Distribution.GpuCount;
        }

        var job = scenario.Job;
        var maxCompute = all.MaxSeconds;
        var median = all.MedianSeconds;

        var maxIntra = 0.0;
        var activeSites = new HashSet<string>(StringComparer.Ordinal);
        for (var s = 0; s < scenario.Sites.Count; s++)
        {
            if (healthyPerSite[s] == 0)
            {
                continue;
            }

            activeSites.Add(scenario.Sites[s].Name);
            var fabric = scenario.Sites[s].Fabric;
            maxIntra = Math.Max(maxIntra, AllReduceModel.IntraSiteSeconds(healthyPerSite[s], job.GradientBytes, fabric.BandwidthBytesPerSecond, fabric.HopLatencySeconds));
        }

        var (interSite, partitioned, linkReports) = EvaluateLinks(scenario, links, activeSites);
        var comm = AllReduceModel.CommSeconds(maxIntra, interSite);
        var stepSeconds = all.Count == 0 ? 0 : AllReduceModel.StepSeconds(maxCompute, comm, job.CommOverlap);

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
            ? job.FlopsPerGpuPerStep * all.GpuCount / (peakFlopsOfHealthyGpus * stepSeconds)
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
            partitioned);
    }

    private static (double InterSite, bool Partitioned, LinkReport[] Reports) EvaluateLinks(Scenario scenario, IReadOnlyList<LinkState> links, HashSet<string> activeSites)
    {
        var m = activeSites.Count;
        var gradient = scenario.Job.GradientBytes;
        var theta = scenario.Stragglers.Threshold;

        double minNominalBandwidth = double.PositiveInfinity, maxNominalLatency = 0;
        double minBandwidth = double.PositiveInfinity, maxLatency = 0;
        foreach (var link in links)
        {
            minNominalBandwidth = Math.Min(minNominalBandwidth, link.NominalBandwidthBytesPerSecond);
            maxNominalLatency = Math.Max(maxNominalLatency, link.NominalLatencySeconds);
            if (link.Up)
            {
                minBandwidth = Math.Min(minBandwidth, link.BandwidthBytesPerSecond);
                maxLatency = Math.Max(maxLatency, link.LatencySeconds);
            }
        }

        var nominal = links.Count == 0 ? 0 : AllReduceModel.InterSiteSeconds(m, gradient, minNominalBandwidth, maxNominalLatency);
        var reports = new LinkReport[links.Count];
        for (var j = 0; j < links.Count; j++)
        {
            var link = links[j];
            double stretch = 0;
            if (link.Up && nominal > 0)
            {
                // T_x with this link at its current figures and every other link nominal.
                var alone = AllReduceModel.InterSiteSeconds(
                    m,
                    gradient,
                    Math.Min(minNominalBandwidth, link.BandwidthBytesPerSecond),
                    Math.Max(maxNominalLatency, link.LatencySeconds));
                stretch = alone / nominal;
            }
            else if (link.Up)
            {
                stretch = 1;
            }

            // A partitioned link counts as a link straggler: it holds the job back entirely.
            reports[j] = new LinkReport(link.LinkId, link.Up, link.LatencySeconds, link.BandwidthBytesPerSecond, link.PacketLossRatio, stretch, !link.Up || stretch > 1 + theta);
        }

        if (m <= 1)
        {
            return (0, false, reports);
        }

        var partitioned = !Joins(scenario, links, activeSites);
        var interSite = partitioned || double.IsPositiveInfinity(minBandwidth)
            ? 0
            : AllReduceModel.InterSiteSeconds(m, gradient, minBandwidth, maxLatency);
        return (interSite, partitioned, reports);
    }

    // Whether the links that are up join every active site (the ring routes around a down link when it can).
    private static bool Joins(Scenario scenario, IReadOnlyList<LinkState> links, HashSet<string> activeSites)
    {
        var up = new List<(string From, string To)>();
        for (var j = 0; j < links.Count; j++)
        {
            if (links[j].Up)
            {
                var spec = scenario.Links.First(l => l.Id == links[j].LinkId);
                up.Add((spec.From, spec.To));
            }
        }

        var start = activeSites.First();
        var reached = new HashSet<string>(StringComparer.Ordinal) { start };
        var frontier = new Queue<string>(reached);
        while (frontier.TryDequeue(out var site))
        {
            foreach (var (from, to) in up)
            {
                var other = from == site ? to : to == site ? from : null;
                if (other is not null && reached.Add(other))
                {
                    frontier.Enqueue(other);
                }
            }
        }

        return activeSites.IsSubsetOf(reached);
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
