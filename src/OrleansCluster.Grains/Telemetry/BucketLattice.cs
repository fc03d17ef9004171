namespace OrleansCluster.Grains.Telemetry;

/// <summary>
/// Histogram bucket bounds on one geometric grid, <see cref="Ratio"/> apart: 1 µs x 1.02^k, each rounded to four
/// significant digits so that its <c>le</c> label is short and the same on every silo. Interpolating within a
/// bucket this narrow puts <c>histogram_quantile</c> within about one percent of the true quantile, whatever the
/// scenario's step time: the node histograms emit only the stretch of the grid their values cover, and the
/// step-duration histogram the stretch from <see cref="StepFrom"/> to <see cref="StepTo"/>.
/// </summary>
public static class BucketLattice
{
    /// <summary>The ratio of one bound to the one below it.</summary>
    public const double Ratio = 1.02;

    /// <summary>The lowest bound, seconds.</summary>
    public const double Lowest = 1e-6;

    /// <summary>The step-duration histogram's range, seconds: 1 ms to one hour (765 buckets).</summary>
    public const double StepFrom = 1e-3, StepTo = 3600;

    /// <summary>Every bound, seconds: 1 µs to a little over a day (index <c>Bounds.Count</c> is +Inf).</summary>
    public static IReadOnlyList<double> Bounds { get; } = Build();

    /// <summary>The bounds of the step-duration histogram.</summary>
    public static double[] StepBounds() => Bounds.Where(b => b >= StepFrom && b <= StepTo * Ratio).ToArray();

    /// <summary>The bucket a value falls in: the least k with value &lt;= Bounds[k], or Bounds.Count above the last.</summary>
    public static int BucketOf(double value)
    {
        var bounds = Bounds;
        var lo = 0;
        var hi = bounds.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (value <= bounds[mid])
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return lo;
    }

    private static double[] Build()
    {
        var bounds = new List<double>();
        for (var k = 0; ; k++)
        {
            var bound = double.Parse(
                (Lowest * Math.Pow(Ratio, k)).ToString("G4", System.Globalization.CultureInfo.InvariantCulture),
                System.Globalization.CultureInfo.InvariantCulture);
            if (bound > 90_000)
            {
                return [.. bounds];
            }

            if (bounds.Count == 0 || bound > bounds[^1])
            {
                bounds.Add(bound);
            }
        }
    }
}
