using System.Globalization;
using System.Text.Json;
using OrleansCluster.Silo.Tests.Api;
using OrleansCluster.Testing;

namespace OrleansCluster.Silo.Tests.Telemetry;

/// <summary>
/// A Kubernetes GPU dashboard's queries against the simulator: a real silo process in dcgm mode with the pod labels,
/// scraped by a real Prometheus, answers queries grouped and filtered by <c>namespace</c> and <c>pod</c>.
/// </summary>
public sealed class DcgmPrometheusTests : IAsyncLifetime
{
    private readonly int _siloPort = ManagedProcess.FreePort();
    private readonly int _prometheusPort = ManagedProcess.FreePort();
    private readonly string _data = Directory.CreateTempSubdirectory("prometheus-dcgm").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private ManagedProcess? _silo;
    private ManagedProcess? _prometheus;

    public async ValueTask InitializeAsync()
    {
        _silo = ManagedProcess.StartSilo(_siloPort,
        [
            "--Simulation:Speed", "20", "--Telemetry:Dcgm", "true", "--Telemetry:Dcgm:Kubernetes", "true",
            "--Orleans:SiloPort", Port(ManagedProcess.FreePort()), "--Orleans:GatewayPort", Port(ManagedProcess.FreePort()),
            "--Orleans:ClusterId", $"dcgm-{Guid.NewGuid():N}",
        ]);
        await _silo.WaitUntilAnsweringAsync($"http://127.0.0.1:{_siloPort}/healthz");
        var config = Path.Combine(_data, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 10s
              scrape_timeout: 10s
            scrape_configs:
              - job_name: dcgm
                static_configs:
                  - targets: ["127.0.0.1:{_siloPort}"]
            """, AdminClient.Ct);
        _prometheus = ManagedProcess.Start(ManagedProcess.Tool("prometheus", "prometheus"),
        [
            $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(_data, "tsdb")}",
            $"--web.listen-address=127.0.0.1:{_prometheusPort}", "--log.level=warn",
        ]);
        await _prometheus.WaitUntilAnsweringAsync($"http://127.0.0.1:{_prometheusPort}/-/ready");
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
    public async Task QueriesByNamespaceAndPodFindOnePodPerNodeWithItsGpus()
    {
        var perPod = await WaitForResultAsync("count by (namespace, pod) (DCGM_FI_DEV_GPU_UTIL)", 328);

        Assert.All(perPod, r =>
        {
            Assert.Equal("training", r.Labels["namespace"]);
            Assert.Matches("^train-(west|east)-0-\\d{5}$", r.Labels["pod"]);
            Assert.Equal(8, r.Value);
        });
        var onePod = await WaitForResultAsync("""DCGM_FI_DEV_GPU_UTIL{namespace="training", pod="train-east-0-00007"}""", 8);
        Assert.All(onePod, r => Assert.Equal("east-00007", r.Labels["Hostname"]));
        Assert.Empty(await QueryAsync("""DCGM_FI_DEV_GPU_UTIL{namespace="another"}"""));
    }

    private async Task<IReadOnlyList<(Dictionary<string, string> Labels, double Value)>> WaitForResultAsync(string expr, int count)
    {
        // The dcgm page of small is 15 MB: on two busy cores one scrape can take seconds, hence the long interval.
        var deadline = DateTime.UtcNow.AddSeconds(180);
        while (true)
        {
            var result = await QueryAsync(expr);
            if (result.Count == count)
            {
                return result;
            }

            if (DateTime.UtcNow >= deadline)
            {
                var scrape = await QueryAsync("scrape_duration_seconds");
                Assert.Fail($"{expr}: {result.Count} series, expected {count}; last scrape took {(scrape.Count > 0 ? scrape[0].Value : double.NaN)} s\n{_silo!.Output}");
            }

            await Task.Delay(500, AdminClient.Ct);
        }
    }

    private async Task<IReadOnlyList<(Dictionary<string, string> Labels, double Value)>> QueryAsync(string expr)
    {
        var url = $"http://127.0.0.1:{_prometheusPort}/api/v1/query?query={Uri.EscapeDataString(expr)}";
        using var document = JsonDocument.Parse(await _http.GetStringAsync(url, AdminClient.Ct));
        return document.RootElement.GetProperty("data").GetProperty("result").EnumerateArray()
            .Select(r => (
                r.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!),
                double.Parse(r.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture)))
            .ToArray();
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
