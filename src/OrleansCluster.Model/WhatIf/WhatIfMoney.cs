using OrleansCluster.Model.Scenarios;

namespace OrleansCluster.Model.WhatIf;

/// <summary>
/// The money of a variant (docs/economics.md): its GPUs at their hourly prices; the lease value of the
/// baseline's GPUs it leaves out, per site: the site's <c>leaseRevenuePerMonth</c> pro rata to the GPUs left
/// out of it, or, for a site without one, those GPUs at their hourly price for 730 hours (an upper bound).
/// </summary>
public static class WhatIfMoney
{
    private const double SecondsPerMonth = EconomicsSpec.HoursPerMonth * 3600;

    /// <summary>The money figures, or null when a price is missing or the variant did no useful work.</summary>
    public static VariantMoney? Of(Scenario baseline, Scenario scenario, IReadOnlyDictionary<string, long> gpusByGeneration, double meanStepSeconds, double usefulFlopsPerSecond, double tokensPerSecond)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(gpusByGeneration);
        var economics = scenario.Economics;
        if (!economics.HasPrices || !(usefulFlopsPerSecond > 0) || gpusByGeneration.Keys.Any(g => economics.PriceOf(g) is null))
        {
            return null;
        }

        var usdPerHour = gpusByGeneration.Sum(p => p.Value * economics.PriceOf(p.Key)!.Value);
        var usdPerSecond = usdPerHour / 3600;
        var lease = LeftOutLease(baseline, scenario, economics);
        var perFlop = usdPerSecond / usefulFlopsPerSecond;
        var netPerFlop = (usdPerSecond - (lease / SecondsPerMonth)) / usefulFlopsPerSecond;
        return new VariantMoney(
            usdPerHour,
            usdPerSecond * meanStepSeconds,
            perFlop * 1e21,
            tokensPerSecond > 0 ? usdPerSecond / tokensPerSecond * 1e6 : null,
            lease,
            netPerFlop * 1e21);
    }

    /// <summary>USD a month the baseline's GPUs that <paramref name="scenario"/> leaves out would earn leased.</summary>
    public static double LeftOutLease(Scenario baseline, Scenario scenario, EconomicsSpec economics)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(economics);
        double total = 0;
        foreach (var site in baseline.Sites)
        {
            var kept = scenario.SiteIndex(site.Name) is var i and >= 0 ? scenario.Sites[i] : null;
            double leftOutGpus = 0;
            double leftOutListValue = 0;
            foreach (var generation in site.Nodes.Select(n => n.Generation.Name).Distinct(StringComparer.Ordinal))
            {
                var before = site.Nodes.Where(n => n.Generation.Name == generation).Sum(n => (long)n.Count * n.GpusPerNode);
                var after = kept?.Nodes.Where(n => n.Generation.Name == generation).Sum(n => (long)n.Count * n.GpusPerNode) ?? 0;
                var gone = Math.Max(0, before - after);
                leftOutGpus += gone;
                leftOutListValue += gone * (economics.PriceOf(generation) ?? 0) * EconomicsSpec.HoursPerMonth;
            }

            total += economics.LeaseRevenuePerMonth.TryGetValue(site.Name, out var revenue) && site.GpuCount > 0
                ? revenue * leftOutGpus / site.GpuCount
                : leftOutListValue;
        }

        return total;
    }
}
