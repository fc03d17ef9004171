namespace OrleansCluster.Model.Simulation;

/// <summary>
/// Exact quantiles of a sample held whole (step times over a window, times to detect), as the reports print them.
/// <see cref="QuantileSketch"/> is the other kind: approximate, mergeable, for what the barrier tree cannot hold whole.
/// </summary>
public static class Quantiles
{
    /// <summary>
    /// The nearest-rank quantile <paramref name="q"/> of <paramref name="sorted"/>: its <c>ceil(q n)</c>-th smallest
    /// value (the smallest for <c>q = 0</c>), never a value between two of the sample's. The p50 of 10, 20, 30, 40 is 20
    /// (interpolation would say 25), its p95 is 40.
    /// </summary>
    /// <param name="sorted">The values in ascending order; at least one (what an empty sample reads as is the caller's to say).</param>
    /// <param name="q">The quantile, from 0 to 1 (0.99 for p99).</param>
    public static double NearestRank(ReadOnlySpan<double> sorted, double q)
    {
        if (sorted.IsEmpty)
        {
            throw new ArgumentException("a quantile of no values is not defined", nameof(sorted));
        }

        if (!(q is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(q), q, "a quantile is from 0 to 1");
        }

        return sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}
