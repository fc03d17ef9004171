using OrleansCluster.Model.Scenarios;

namespace OrleansCluster.Model.Simulation;

/// <summary>The inter-site phase of a step: its two terms, whether it can run at all, and each link's report.</summary>
public sealed record InterSiteFigures(double BandwidthSeconds, double LatencySeconds, bool Partitioned, IReadOnlyList<LinkReport> Links)
{
    /// <summary><c>T_x</c>.</summary>
    public double Seconds => BandwidthSeconds + LatencySeconds;
}

/// <summary>
/// The inter-site ring all-reduce over the links (DESIGN.md sections 1, 7.1, 7.2 and 7.4): window-limited
/// effective bandwidths, links touching a site with no healthy node left out of <c>min C</c> and <c>max L</c>,
/// a down link replaced by its detour (the sum of the detour's latencies, half its smallest bandwidth).
/// </summary>
public static class InterSiteRing
{
    /// <summary>Evaluates the inter-site phase with the links at <paramref name="links"/> (in the scenario's link order).</summary>
    public static InterSiteFigures Evaluate(Scenario scenario, Workload workload, IReadOnlyList<LinkState> links, bool[] activeSite)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(workload);
        ArgumentNullException.ThrowIfNull(links);
        ArgumentNullException.ThrowIfNull(activeSite);

        var m = activeSite.Count(a => a);
        var ends = new (int From, int To)[links.Count];
        var specs = new LinkSpec[links.Count];
        var effective = new double[links.Count];
        double minNominal = double.PositiveInfinity, maxNominalLatency = 0;
        for (var j = 0; j < links.Count; j++)
        {
            specs[j] = SpecOf(scenario, links[j].LinkId, j);
            ends[j] = (scenario.SiteIndex(specs[j].From), scenario.SiteIndex(specs[j].To));
            effective[j] = LinkModel.WindowLimitedBandwidth(links[j].BandwidthBytesPerSecond, links[j].LatencySeconds, specs[j].MaxInFlightBytes);
            if (Active(ends[j], activeSite))
            {
                minNominal = Math.Min(minNominal, LinkModel.WindowLimitedBandwidth(links[j].NominalBandwidthBytesPerSecond, links[j].NominalLatencySeconds, specs[j].MaxInFlightBytes));
                maxNominalLatency = Math.Max(maxNominalLatency, links[j].NominalLatencySeconds);
            }
        }

        double minBandwidth = double.PositiveInfinity, maxLatency = 0;
        for (var j = 0; j < links.Count; j++)
        {
            if (!Active(ends[j], activeSite))
            {
                continue;
            }

            if (links[j].Up)
            {
                minBandwidth = Math.Min(minBandwidth, effective[j]);
                maxLatency = Math.Max(maxLatency, links[j].LatencySeconds);
            }
            else if (Detour(ends, links, effective, j, scenario.Sites.Count) is { } detour)
            {
                minBandwidth = Math.Min(minBandwidth, detour.Bandwidth);
                maxLatency = Math.Max(maxLatency, detour.Latency);
            }
        }

        var nominal = double.IsPositiveInfinity(minNominal) ? 0 : Seconds(m, workload, minNominal, maxNominalLatency);
        var theta = scenario.Stragglers.Threshold;
        var reports = new LinkReport[links.Count];
        for (var j = 0; j < links.Count; j++)
        {
            var link = links[j];
            double stretch = 0;
            if (link.Up && nominal > 0 && Active(ends[j], activeSite))
            {
                // T_x with this link at its current figures and every other link nominal.
                stretch = Seconds(m, workload, Math.Min(minNominal, effective[j]), Math.Max(maxNominalLatency, link.LatencySeconds)) / nominal;
            }
            else if (link.Up)
            {
                stretch = 1;
            }

            // A partitioned link counts as a link straggler: it holds the job back entirely.
            reports[j] = new LinkReport(link.LinkId, link.Up, link.LatencySeconds, effective[j], link.PacketLossRatio, stretch, !link.Up || stretch > 1 + theta);
        }

        if (m <= 1)
        {
            return new InterSiteFigures(0, 0, false, reports);
        }

        // An infinite bandwidth (the loader bounds it; a fault cannot raise it) makes the bandwidth term 0, not the
        // phase: the ring still pays its latency term.
        var partitioned = !Joins(ends, links, activeSite);
        if (partitioned)
        {
            return new InterSiteFigures(0, 0, partitioned, reports);
        }

        return new InterSiteFigures(
            AllReduceModel.InterSiteBandwidthSeconds(m, workload.InterSiteBytes, minBandwidth, workload.InterSiteEverySteps),
            AllReduceModel.InterSiteLatencySeconds(m, workload.CollectivesPerStep, maxLatency, workload.InterSiteEverySteps),
            false,
            reports);
    }

    private static double Seconds(int m, Workload workload, double minBandwidth, double maxLatency) =>
        AllReduceModel.InterSiteBandwidthSeconds(m, workload.InterSiteBytes, minBandwidth, workload.InterSiteEverySteps)
        + AllReduceModel.InterSiteLatencySeconds(m, workload.CollectivesPerStep, maxLatency, workload.InterSiteEverySteps);

    private static bool Active((int From, int To) ends, bool[] activeSite) =>
        ends.From >= 0 && ends.To >= 0 && activeSite[ends.From] && activeSite[ends.To];

    private static LinkSpec SpecOf(Scenario scenario, string id, int j) =>
        j < scenario.Links.Count && scenario.Links[j].Id == id ? scenario.Links[j] : scenario.Links.First(l => l.Id == id);

    // The fewest-hop path of up links between the ends of down link `down`, as one virtual link: the sum of its
    // latencies and half its smallest effective bandwidth (it shares those links with the ring's own traffic).
    private static (double Latency, double Bandwidth)? Detour((int From, int To)[] ends, IReadOnlyList<LinkState> links, double[] effective, int down, int siteCount)
    {
        var via = new int[siteCount];
        Array.Fill(via, -1);
        var reached = new bool[siteCount];
        var (start, goal) = ends[down];
        reached[start] = true;
        var frontier = new Queue<int>([start]);
        while (frontier.TryDequeue(out var site) && !reached[goal])
        {
            for (var j = 0; j < links.Count; j++)
            {
                var other = ends[j].From == site ? ends[j].To : ends[j].To == site ? ends[j].From : -1;
                if (links[j].Up && other >= 0 && !reached[other])
                {
                    reached[other] = true;
                    via[other] = j;
                    frontier.Enqueue(other);
                }
            }
        }

        if (!reached[goal])
        {
            return null;
        }

        double latency = 0, bandwidth = double.PositiveInfinity;
        for (var site = goal; site != start;)
        {
            var j = via[site];
            latency += links[j].LatencySeconds;
            bandwidth = Math.Min(bandwidth, effective[j]);
            site = ends[j].From == site ? ends[j].To : ends[j].From;
        }

        return (latency, bandwidth / 2);
    }

    // Whether the links that are up join every active site (the ring routes around a down link when it can).
    private static bool Joins((int From, int To)[] ends, IReadOnlyList<LinkState> links, bool[] activeSite)
    {
        var start = Array.IndexOf(activeSite, true);
        var reached = new bool[activeSite.Length];
        reached[start] = true;
        var frontier = new Queue<int>([start]);
        while (frontier.TryDequeue(out var site))
        {
            for (var j = 0; j < links.Count; j++)
            {
                var other = ends[j].From == site ? ends[j].To : ends[j].To == site ? ends[j].From : -1;
                if (links[j].Up && other >= 0 && !reached[other])
                {
                    reached[other] = true;
                    frontier.Enqueue(other);
                }
            }
        }

        for (var s = 0; s < activeSite.Length; s++)
        {
            if (activeSite[s] && !reached[s])
            {
                return false;
            }
        }

        return true;
    }
}
