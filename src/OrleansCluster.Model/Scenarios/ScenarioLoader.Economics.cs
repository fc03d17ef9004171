using OrleansCluster.Model.Generations;

namespace OrleansCluster.Model.Scenarios;

// economics (DESIGN.md 7.7): prices by generation the catalogue knows, lease revenue by site name.
public static partial class ScenarioLoader
{
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
