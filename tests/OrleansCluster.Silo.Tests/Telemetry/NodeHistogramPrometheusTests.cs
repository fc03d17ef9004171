using System.Globalization;
using OrleansCluster.Silo.Tests.Api;

namespace OrleansCluster.Silo.Tests.Telemetry;

/// <summary>
/// The node compute histogram as a dashboard reads it: a real silo stepping in real time (one step every few
/// seconds, scraped every second) with the per-node gauges on, and a real Prometheus. For each scrape interval
/// that holds exactly one whole step, <c>histogram_quantile</c> over that interval's bucket increments must land
/// within a few percent of the quantile of the same step's 328 per-node compute times.
/// </summary>
public sealed class NodeHistogramPrometheusTests : IAsyncLifetime
{
    private const string Key = "node-histogram-test-key";
    private readonly ScrapedSilo _cluster = new("node-histogram", Key);

    public async ValueTask InitializeAsync()
    {
        await _cluster.StartAsync(
        [
            "--Simulation:Speed", "1", "--Telemetry:PerNode", "true",
        ], new PrometheusSettings("1s"));
    }

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task NodeComputeQuantilesFromPrometheusMatchTheStepsOwnNodes()
    {
        const string Delta = "(sum by (le) (gpusim_node_compute_seconds_bucket{scenario=\"small\"}) - sum by (le) (gpusim_node_compute_seconds_bucket{scenario=\"small\"} offset 1s))";
        var compared = 0;
        var deadline = DateTime.UtcNow.AddSeconds(180);
        var seen = new HashSet<double>();
        while (compared < 3)
        {
            Assert.True(DateTime.UtcNow < deadline, $"only {compared} whole steps seen in one scrape interval");
            await Task.Delay(1000, AdminClient.Ct);

            // The instant after a scrape interval that took in one whole step (328 nodes) and nothing else.
            var time = await _cluster.ScalarAsync("timestamp(sum(gpusim_node_compute_seconds_count{scenario=\"small\"}))");
            // Every query below is evaluated at that instant: a scrape landing between two of them must not move them.
            var added = await _cluster.ScalarAsync("sum(gpusim_node_compute_seconds_count{scenario=\"small\"}) - sum(gpusim_node_compute_seconds_count{scenario=\"small\"} offset 1s)", time);
            var nodes = await _cluster.ScalarAsync("count(gpusim_node_step_compute_seconds{scenario=\"small\"})", time);
            if (added != 328 || nodes != 328 || !seen.Add(time))
            {
                continue;
            }

            foreach (var q in new[] { 0.1, 0.5, 0.9 })
            {
                var quantile = q.ToString(CultureInfo.InvariantCulture);
                var expected = await _cluster.ScalarAsync($"quantile({quantile}, gpusim_node_step_compute_seconds{{scenario=\"small\"}})", time);
                var read = await _cluster.ScalarAsync($"histogram_quantile({quantile}, {Delta})", time);
                TestContext.Current.TestOutputHelper?.WriteLine($"p{q * 100}: Prometheus {read:F4} s, the step's nodes {expected:F4} s");
                Assert.True(Math.Abs(read - expected) <= 0.03 * expected, $"p{q * 100}: Prometheus reads {read:F4} s, the step's nodes {expected:F4} s");
            }

            compared++;
        }
    }
}
