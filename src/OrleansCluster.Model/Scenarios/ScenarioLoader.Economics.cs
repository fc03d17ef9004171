using OrleansCluster.Model.Generations;

namespace OrleansCluster.Model.Scenarios;

// economics (DESIGN.md 7.7): prices by generation the catalogue knows, lease revenue by site name.
public static partial class ScenarioLoader
{
    /// <summary>
    /// The first lease of <paramref name="scenario"/> that names a site it does not have, or null. Checked where a
    /// scenario is loaded to run, not where it is parsed: a what-if variant keeps the lease of a site it drops, which
    /// is what the lease is for (docs/economics.md), but a scenario that runs has no site to drop, and a lease of
    /// <c>mars</c> there is a typo that every variant would silently leave out of its money.
    /// </summary>
    public static ScenarioError? UnknownLeaseSite(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var site = scenario.Economics.LeaseRevenuePerMonth.Keys.Order(StringComparer.Ordinal).FirstOrDefault(s => scenario.SiteIndex(s) < 0);
        return site is null ? null : new ScenarioError(
            $"economics.leaseRevenuePerMonth.{site}",
            $"unknown site '{site}' (sites: {string.Join(", ", scenario.Sites.Select(s => s.Name))})");
    }

    /// <summary>
    /// The first lease of a what-if variant's <paramref name="scenario"/> that names a site neither it nor
    /// <paramref name="baseline"/> (the loaded scenario it varies) has, or null. A lease of a site the variant drops is
    /// what leases are for; a lease of a site that exists nowhere is a typo the variant's money would silently leave out.
    /// </summary>
    public static ScenarioError? UnknownVariantLeaseSite(Scenario scenario, Scenario baseline)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(baseline);
        var site = scenario.Economics.LeaseRevenuePerMonth.Keys.Order(StringComparer.Ordinal)
            .FirstOrDefault(s => scenario.SiteIndex(s) < 0 && baseline.SiteIndex(s) < 0);
        var sites = baseline.Sites.Select(s => s.Name).Union(scenario.Sites.Select(s => s.Name), StringComparer.Ordinal);
        return site is null ? null : new ScenarioError(
            $"economics.leaseRevenuePerMonth.{site}",
            $"unknown site '{site}': neither the variant nor the loaded scenario has it (sites: {string.Join(", ", sites)})");
    }

    private static EconomicsSpec ReadEconomics(EconomicsDocument? economics, GpuCatalogue catalogue, Action<string, string> fail)
    {
        if (economics is null)
        {
            return EconomicsSpec.None;
        }

        var prices = new Dictionary<string, double>(StringComparer.Ordinal);
        if (economics.GpuHourPrices is null || economics.GpuHourPrices.Count == 0)
        {
            fail("economics.gpuHourPrices", "required with economics: USD per GPU-hour by generation");
        }
        else
        {
            foreach (var (generation, price) in economics.GpuHourPrices)
            {
                var field = $"economics.gpuHourPrices.{generation}";
                if (!catalogue.TryGet(generation, out _))
                {
                    fail(field, $"unknown generation '{generation}'");
                }
                else if (price is > 0 and <= 10_000)
                {
                    prices[generation] = price;
                }
                else
                {
                    fail(field, $"{price} must be within (0, 10000] USD per GPU-hour");
                }
            }
        }

        var leases = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (site, revenue) in economics.LeaseRevenuePerMonth ?? [])
        {
            var field = $"economics.leaseRevenuePerMonth.{site}";
            if (!NamePattern().IsMatch(site))
            {
                fail(field, $"'{site}' is not a site name");
            }
            else if (revenue is >= 0 and <= 1e13)
            {
                leases[site] = revenue;
            }
            else
            {
                fail(field, $"{revenue} must be within [0, 1e13] USD a month");
            }
        }

        return new EconomicsSpec(prices, leases);
    }
}
