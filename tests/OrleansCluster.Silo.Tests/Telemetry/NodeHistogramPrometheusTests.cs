using System.Globalization;
using System.Text.Json;
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
    private readonly int _siloPort = ManagedProcess.FreePort();
    private readonly int _prometheusPort = ManagedProcess.FreePort();
    private readonly string _data = Directory.CreateTempSubdirectory("prometheus-node-histogram").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private ManagedProcess? _silo;
    private ManagedProcess? _prometheus;

    public async ValueTask InitializeAsync()
    {
        _silo = ManagedProcess.StartSilo(_siloPort,
        [
            "--Admin:ApiKey", Key, "--Simulation:Speed", "1", "--Telemetry:PerNode", "true",
            "--Orleans:SiloPort", Port(ManagedProcess.FreePort()), "--Orleans:GatewayPort", Port(ManagedProcess.FreePort()),
            "--Orleans:ClusterId", $"node-histogram-{Guid.NewGuid():N}",
        ]);
        await _silo.WaitUntilAnsweringAsync($"http://127.0.0.1:{_siloPort}/healthz");
        _prometheus = await ManagedProcess.StartPrometheusAsync(_data, _prometheusPort, $"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: histogram
                static_configs:
                  - targets: ["127.0.0.1:{_siloPort}"]
            """, AdminClient.Ct);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in new[] { _prometheus, _silo })
        {
            if (process is not null)
            {
                await process.DisposeAsync();
            }
        }

        _http.Dispose();
        Directory.Delete(_data, recursive: true);
    }

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
            var time = await ScalarAsync("timestamp(sum(gpusim_node_compute_seconds_count{scenario=\"small\"}))");
            // Every query below is evaluated at that instant: a scrape landing between two of them must not move them.
            var added = await ScalarAsync("sum(gpusim_node_compute_seconds_count{scenario=\"small\"}) - sum(gpusim_node_compute_seconds_count{scenario=\"small\"} offset 1s)", time);
            var nodes = await ScalarAsync("count(gpusim_node_step_compute_seconds{scenario=\"small\"})", time);
            if (added != 328 || nodes != 328 || !seen.Add(time))
            {
                continue;
            }

            foreach (var q in new[] { 0.1, 0.5, 0.9 })
            {
                var quantile = q.ToString(CultureInfo.InvariantCulture);
                var expected = await ScalarAsync($"quantile({quantile}, gpusim_node_step_compute_seconds{{scenario=\"small\"}})", time);
                var read = await ScalarAsync($"histogram_quantile({quantile}, {Delta})", time);
                TestContext.Current.TestOutputHelper?.WriteLine($"p{q * 100}: Prometheus {read:F4} s, the step's nodes {expected:F4} s");
                Assert.True(Math.Abs(read - expected) <= 0.03 * expected, $"p{q * 100}: Prometheus reads {read:F4} s, the step's nodes {expected:F4} s");
            }

            compared++;
        }
    }

    private async Task<double> ScalarAsync(string expr, double? at = null)
    {
        var url = $"http://127.0.0.1:{_prometheusPort}/api/v1/query?query={Uri.EscapeDataString(expr)}"
            + (at is { } t && double.IsFinite(t) ? $"&time={t.ToString("R", CultureInfo.InvariantCulture)}" : string.Empty);
        using var document = JsonDocument.Parse(await _http.GetStringAsync(url, AdminClient.Ct));
        var result = document.RootElement.GetProperty("data").GetProperty("result");
        return result.GetArrayLength() == 1 ? double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture) : double.NaN;
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
