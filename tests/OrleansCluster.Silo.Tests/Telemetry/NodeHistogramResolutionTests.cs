using System.Globalization;
using System.Text;
using OrleansCluster.Grains.Telemetry;
using OrleansCluster.Silo.Telemetry;

namespace OrleansCluster.Silo.Tests.Telemetry;

/// <summary>
/// The node compute and barrier-wait histograms as <c>/metrics</c> writes them, read back the way Prometheus'
/// <c>histogram_quantile</c> reads them (linear within a bucket): within 2 % of the true quantiles for a step
/// time of milliseconds or of minutes, with a bounded number of buckets per series.
/// </summary>
public sealed class NodeHistogramResolutionTests
{
    [Theory]
    [InlineData(0.004)]
    [InlineData(3.5)]
    [InlineData(95)]
    public void QuantilesOfComputeAndWaitAreWithinTwoPercent(double nominal)
    {
        var random = new Random(7);
        var histograms = new NodeHistograms();
        var compute = new List<double>();
        var waits = new List<double>();
        for (var step = 0; step < 200; step++)
        {
            // 512 nodes, log-normal around the nominal time (CV about 5 %), one of them four times slower.
            var times = Enumerable.Range(0, 512)
                .Select(i => nominal * Math.Exp(0.05 * Gaussian(random)) * (i == 7 && step > 100 ? 4 : 1)).ToArray();
            var max = times.Max();
            var computeBuckets = new NodeHistograms.Buckets();
            var waitBuckets = new NodeHistograms.Buckets();
            foreach (var t in times)
            {
                computeBuckets.Add(t);
                waitBuckets.Add(max - t);
                compute.Add(t);
                waits.Add(max - t);
            }

            histograms.AddCompute("s", "west", "H100", computeBuckets);
            histograms.AddWait("s", "west", "H100", waitBuckets);
        }

        var page = new StringBuilder();
        PrometheusText.WriteNodeHistograms(page, histograms);
        foreach (var (name, values) in new[] { ("gpusim_node_compute_seconds", compute), ("gpusim_barrier_wait_seconds", waits) })
        {
            var buckets = Buckets(page.ToString(), name);
            Assert.InRange(buckets.Count, 10, NodeHistograms.MaxSpan + 2);
            var sorted = values.Order().ToArray();
            foreach (var q in new[] { 0.5, 0.9, 0.99 })
            {
                var expected = sorted[(int)Math.Ceiling(q * sorted.Length) - 1];
                var read = HistogramQuantile(q, buckets);
                Assert.True(Math.Abs(read - expected) <= 0.02 * expected, $"{name} p{q * 100} at {nominal} s: {read} against {expected}");
            }
        }
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static List<(double Le, double Count)> Buckets(string page, string name) =>
        page.Split('\n').Where(l => l.StartsWith(name + "_bucket{", StringComparison.Ordinal)).Select(l =>
        {
            var le = l[(l.IndexOf("le=\"", StringComparison.Ordinal) + 4)..l.LastIndexOf('"')];
            return (le == "+Inf" ? double.PositiveInfinity : double.Parse(le, CultureInfo.InvariantCulture), double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
        }).ToList();

    // Prometheus' histogram_quantile: the bucket holding rank q * count, linear within it (from 0 for the first).
    private static double HistogramQuantile(double q, List<(double Le, double Count)> buckets)
    {
        var rank = q * buckets[^1].Count;
        var i = buckets.FindIndex(b => b.Count >= rank);
        if (double.IsPositiveInfinity(buckets[i].Le))
        {
            return buckets[i - 1].Le;
        }

        var (lower, below) = i == 0 ? (0.0, 0.0) : (buckets[i - 1].Le, buckets[i - 1].Count);
        return lower + ((buckets[i].Le - lower) * (rank - below) / (buckets[i].Count - below));
    }
}
