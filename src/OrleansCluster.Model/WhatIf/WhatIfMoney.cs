using OrleansCluster.Model.Scenarios;

namespace OrleansCluster.Model.WhatIf;

/// <summary>
/// The money of a variant (docs/economics.md), all at the variant's own <c>economics</c> (the baseline's, as its patch
/// leaves them): its GPUs at their hourly prices; the lease value of the baseline's GPUs it leaves out, per site: the
/// site's <c>leaseRevenuePerMonth</c> pro rata to the GPUs left out of it, or, for a site without one, those GPUs at
/// their hourly price for 730 hours (an upper bound). A price either needs and the economics lack makes the money unknown.
/// </summary>
public static class WhatIfMoney
{
    private const double SecondsPerMonth = EconomicsSpec.HoursPerMonth * 3600;

    /// <summary>
    /// The money figures, or null when a price they need is missing (<see cref="MissingPrices"/>) or the variant did no
    /// useful work.
    /// </summary>
    public static VariantMoney? Of(Scenario baseline, Scenario scenario, IReadOnlyDictionary<string, long> gpusByGeneration, double meanStepSeconds, double usefulFlopsPerSecond, double tokensPerSecond)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(gpusByGeneration);
        var economics = scenario.Economics;
        if (!economics.HasPrices || !(usefulFlopsPerSecond > 0) || gpusByGeneration.Keys.Any(g => economics.PriceOf(g) is null)
            || LeftOutLease(baseline, scenario, economics) is not { } lease)
        {
            return null;
        }

        var usdPerHour = gpusByGeneration.Sum(p => p.Value * economics.PriceOf(p.Key)!.Value);
        var usdPerSecond = usdPerHour / 3600;
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

    /// <summary>
    /// USD a month the baseline's GPUs that <paramref name="scenario"/> leaves out would earn leased, at
    /// <paramref name="economics"/>; null when GPUs are left out of a site without a lease figure and their generation
    /// has no price there. Found by probing: those GPUs were once counted as earning nothing, so a variant that dropped
    /// a generation nobody priced showed a lease of 0 and a net cost as if nothing had been left out.
    /// </summary>
    public static double? LeftOutLease(Scenario baseline, Scenario scenario, EconomicsSpec economics)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(economics);
        double total = 0;
        foreach (var (site, leftOut) in LeftOut(baseline, scenario))
        {
            if (economics.LeaseRevenuePerMonth.TryGetValue(site.Name, out var revenue))
            {
                total += revenue * leftOut.Values.Sum() / site.GpuCount;
                continue;
            }

            foreach (var (generation, gpus) in leftOut)
            {
                if (economics.PriceOf(generation) is not { } price)
                {
                    return null;
                }

                total += gpus * price * EconomicsSpec.HoursPerMonth;
            }
        }

        return total;
    }

    /// <summary>
    /// The prices the money of <paramref name="scenario"/> needs and its economics lack, one line each: a generation of
    /// its GPUs (<c>A100</c>), or one it leaves out of a baseline site that has no lease figure
    /// (<c>A100 (left out of west, which has no leaseRevenuePerMonth)</c>). Empty when the money can be computed.
    /// </summary>
    public static IReadOnlyList<string> MissingPrices(Scenario baseline, Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(scenario);
        var economics = scenario.Economics;
        var used = scenario.Sites.SelectMany(s => s.Nodes).Select(n => n.Generation.Name).Distinct(StringComparer.Ordinal)
            .Where(g => economics.PriceOf(g) is null).Order(StringComparer.Ordinal);
        var leftOut = LeftOut(baseline, scenario)
            .Where(s => !economics.LeaseRevenuePerMonth.ContainsKey(s.Site.Name))
            .SelectMany(s => s.Gpus.Keys.Where(g => economics.PriceOf(g) is null).Select(g => $"{g} (left out of {s.Site.Name}, which has no leaseRevenuePerMonth)"));
        return [.. used, .. leftOut];
    }

    // Per baseline site that the variant leaves GPUs out of, those GPUs by generation (ordered by name).
    private static IEnumerable<(SiteSpec Site, SortedDictionary<string, long> Gpus)> LeftOut(Scenario baseline, Scenario scenario)
    {
        foreach (var site in baseline.Sites)
        {
            var kept = scenario.SiteIndex(site.Name) is var i and >= 0 ? scenario.Sites[i] : null;
            var gone = new SortedDictionary<string, long>(StringComparer.Ordinal);
            foreach (var generation in site.Nodes.Select(n => n.Generation.Name).Distinct(StringComparer.Ordinal))
            {
                var before = site.Nodes.Where(n => n.Generation.Name == generation).Sum(n => (long)n.Count * n.GpusPerNode);
                var after = kept?.Nodes.Where(n => n.Generation.Name == generation).Sum(n => (long)n.Count * n.GpusPerNode) ?? 0;
                if (before > after)
                {
                    gone[generation] = before - after;
                }
            }

            if (gone.Count > 0)
            {
                yield return (site, gone);
            }
        }
    }
}
