using System.Globalization;
using System.Net;
using OrleansCluster.Silo.Tests.Api;

namespace OrleansCluster.Silo.Tests.Telemetry;

/// <summary>
/// The step-time histogram as a dashboard reads it: a real silo, a real Prometheus scraping it, a fault that moves
/// T_step half-way, then the job paused; <c>histogram_quantile</c> over every step must land within a few percent
/// of the quantiles of the job's own step history (<c>GET /api/job/steps</c>). With the old buckets (…, 2.5, 5, 10)
/// every step of <c>small</c> fell in one bucket and the median read 3.75 s whatever T_step did.
/// </summary>
public sealed class HistogramResolutionTests : IAsyncLifetime
{
    private const string Key = "histogram-test-key";
    private readonly ScrapedSilo _cluster = new("histogram", Key);

    public async ValueTask InitializeAsync()
    {
        await _cluster.StartAsync(
        [
            "--Simulation:Speed", "20",
        ], new PrometheusSettings("1s"));
    }

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task StepTimeQuantilesFromPrometheusMatchTheStepHistory()
    {
        using var admin = _cluster.CreateAdminClient();
        await admin.WaitForClusterAsync(c => c.Step() >= 60, "60 steps");
        var (status, body, _) = await admin.PostJsonAsync("/api/faults", """{"kind":"node.slowdown","target":{"node":"east-00007"},"params":{"factor":4}}""");
        Assert.True(status == HttpStatusCode.Created, body.ToString());
        await admin.WaitForClusterAsync(c => c.Step() >= 150, "150 steps");
        (status, body, _) = await admin.PostJsonAsync("/api/job/pause");
        Assert.True(status == HttpStatusCode.OK, body.ToString());

        // Paused: the history stops, and Prometheus catches up with its last steps.
        double[] steps;
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            var history = await admin.GetJsonAsync("/api/job/steps?count=4096");
            Assert.Equal(1, history[0].GetProperty("number").GetInt64());
            steps = history.EnumerateArray().Where(s => s.GetProperty("ok").GetBoolean()).Select(s => s.GetProperty("durationSeconds").GetDouble()).Order().ToArray();
            var counted = await _cluster.ScalarAsync("sum(gpusim_step_duration_seconds_count{scenario=\"small\"})");
            if (counted == steps.Length)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Prometheus counts {counted} steps, the history {steps.Length}");
            await Task.Delay(500, AdminClient.Ct);
        }

        // The fault moved T_step: the quantiles differ, so a flat reading would fail.
        Assert.True(Quantile(steps, 0.99) > 1.1 * Quantile(steps, 0.1), $"T_step barely moved: {Quantile(steps, 0.1)} to {Quantile(steps, 0.99)}");
        foreach (var q in new[] { 0.1, 0.5, 0.9, 0.99 })
        {
            var expected = Quantile(steps, q);
            var read = await _cluster.ScalarAsync($"histogram_quantile({q.ToString(CultureInfo.InvariantCulture)}, sum by (le) (gpusim_step_duration_seconds_bucket{{scenario=\"small\"}}))");
            TestContext.Current.TestOutputHelper?.WriteLine($"p{q * 100}: Prometheus {read:F4} s, history {expected:F4} s, {steps.Length} steps");
            Assert.True(Math.Abs(read - expected) <= 0.03 * expected, $"p{q * 100}: Prometheus reads {read:F4} s, the history {expected:F4} s");
        }
    }

    // The q-quantile of sorted values, interpolated between ranks.
    private static double Quantile(double[] sorted, double q)
    {
        var rank = q * (sorted.Length - 1);
        var below = (int)Math.Floor(rank);
        var above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + ((rank - below) * (sorted[above] - sorted[below]));
    }
}
