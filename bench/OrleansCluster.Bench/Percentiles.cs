using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Bench;

internal static class Percentiles
{
    /// <summary>The nearest-rank percentile <paramref name="p"/> (0..100) of <paramref name="values"/>.</summary>
    public static double Of(IReadOnlyCollection<double> values, double p) =>
        values.Count == 0 ? double.NaN : Quantiles.NearestRank([.. values.Order()], p / 100);
}
