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

    private static readonly double[] All = Build();
    private static readonly double InverseLogRatio = 1 / Math.Log(Ratio);

    /// <summary>Every bound, seconds: 1 µs to a little over a day (index <c>Bounds.Count</c> is +Inf).</summary>
    public static IReadOnlyList<double> Bounds { get; } = Array.AsReadOnly(All);

    /// <summary>The bounds of the step-duration histogram.</summary>
    public static double[] StepBounds() => All.Where(b => b >= StepFrom && b <= StepTo * Ratio).ToArray();

    /// <summary>
    /// The bucket a value falls in: the least k with value &lt;= Bounds[k], or Bounds.Count above the last (and for
    /// NaN). Called for every node at every step: the grid's own formula puts it within a bucket or two of the answer
    /// (the bounds are rounded to four digits), and a short walk makes it exact.
    /// </summary>
    public static int BucketOf(double value)
    {
        var bounds = All;
        if (double.IsNaN(value))
        {
            return bounds.Length;
        }

        var k = value <= Lowest ? 0 : (int)Math.Clamp(Math.Ceiling(Math.Log(value / Lowest) * InverseLogRatio), 0, bounds.Length);
        while (k > 0 && value <= bounds[k - 1])
        {
            k--;
        }

        while (k < bounds.Length && value > bounds[k])
        {
            k++;
        }

        return k;
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
