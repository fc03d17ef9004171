using System.Collections.Frozen;

namespace OrleansCluster.Model.Scenarios;

/// <summary>
/// A scenario's <c>economics</c> (DESIGN.md 7.7, docs/economics.md): USD per GPU-hour by generation and,
/// optionally, USD a month a site would earn leased out whole. A lease may name a site that a what-if variant
/// drops: that is what it is for.
/// </summary>
public sealed record EconomicsSpec(IReadOnlyDictionary<string, double> GpuHourPrices, IReadOnlyDictionary<string, double> LeaseRevenuePerMonth)
{
    /// <summary>Hours in an average month (8,760 / 12).</summary>
    public const double HoursPerMonth = 730;

    /// <summary>No economics: money figures are not computed.</summary>
    public static EconomicsSpec None { get; } = new(FrozenDictionary<string, double>.Empty, FrozenDictionary<string, double>.Empty);

    /// <summary>True when the scenario gives GPU prices.</summary>
    public bool HasPrices => GpuHourPrices.Count > 0;

    /// <summary>The price of one GPU-hour of <paramref name="generation"/>, or null when not given.</summary>
    public double? PriceOf(string generation) => GpuHourPrices.TryGetValue(generation, out var price) ? price : null;
}
