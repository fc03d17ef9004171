using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using OrleansCluster.Silo.Tests.Api;
using OrleansCluster.Testing;

namespace OrleansCluster.Silo.Tests.Telemetry;

/// <summary>
/// The wiring docker-compose sets up, proven with real processes on 127.0.0.1: Redis, two silos clustered
/// through it as users run them, a real Prometheus scraping both, background failures on and faults injected through the admin API, and
/// every query of every shipped Grafana dashboard but the DCGM one (<see cref="DcgmPrometheusTests"/>) answered with data, with no cluster-level series counted twice.
/// </summary>
public sealed class PrometheusDashboardTests : IAsyncLifetime
{
    private const string Key = "dashboards-test-key";
    private readonly int _siloPort = ManagedProcess.FreePort();
    private readonly int _secondSiloPort = ManagedProcess.FreePort();
    private readonly int _redisPort = ManagedProcess.FreePort();
    private readonly int _prometheusPort = ManagedProcess.FreePort();
    private readonly string _data = Directory.CreateTempSubdirectory("prometheus-test").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private ManagedProcess? _redis;
    private ManagedProcess? _silo;
    private ManagedProcess? _secondSilo;
    private ManagedProcess? _prometheus;

    public async ValueTask InitializeAsync()
    {
        _redis = ManagedProcess.Start(ManagedProcess.Tool("redis-server", "redis-server"),
            ["--port", Port(_redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
        var cluster = $"dashboards-{Guid.NewGuid():N}";
        string[] Settings() =>
        [
            "--Admin:ApiKey", Key, "--Simulation:Pace", "realtime", "--Simulation:Speed", "20",
            "--Orleans:Clustering", "Redis", "--Orleans:Redis", $"127.0.0.1:{_redisPort}", "--Orleans:ClusterId", cluster,
            "--Orleans:SiloPort", Port(ManagedProcess.FreePort()), "--Orleans:GatewayPort", Port(ManagedProcess.FreePort()),
        ];
        _silo = ManagedProcess.StartSilo(_siloPort, Settings());
        await _silo.WaitUntilAnsweringAsync($"http://127.0.0.1:{_siloPort}/healthz");
        _secondSilo = ManagedProcess.StartSilo(_secondSiloPort, Settings());
        await _secondSilo.WaitUntilAnsweringAsync($"http://127.0.0.1:{_secondSiloPort}/healthz");

        var prometheus = new PrometheusSettings("1s") { EvaluationInterval = "1s" };
        _prometheus = await ManagedProcess.StartPrometheusAsync(_data, _prometheusPort, prometheus.Yaml(_prometheusPort, [_siloPort, _secondSiloPort]), AdminClient.Ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_prometheus is not null)
        {
            await _prometheus.DisposeAsync();
        }

        foreach (var process in new[] { _secondSilo, _silo, _redis })
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
    public async Task EveryDashboardQueryReturnsDataWithFaultsActive()
    {
        using var admin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_siloPort}") };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);

        // Background failures on, for the Reliability dashboard: small (same name, same nodes) under the Llama 3
        // table at 500 x, one failure about every 140 simulated seconds, some 5 s apart at speed 20.
        var (loaded, loadBody, _) = await admin.SendJsonAsync(HttpMethod.Put, "/api/scenario", BackgroundFailureTests.SmallWithFailures(500));
        Assert.True(loaded == HttpStatusCode.OK, loadBody.ToString());
        foreach (var fault in new[]
        {
            """{"kind":"node.slowdown","target":{"node":"east-00007"},"params":{"factor":4}}""",
            """{"kind":"link.latency","target":{"link":"west-east"},"params":{"addMilliseconds":5}}""",
            """{"kind":"node.crash","target":{"node":"west-00003"},"durationSeconds":3}""",
        })
        {
            var (status, body, _) = await admin.PostJsonAsync("/api/faults", fault);
            Assert.True(status == HttpStatusCode.Created, body.ToString());
        }

        var queries = DashboardFiles.Queries(name => name != DashboardFiles.Dcgm).ToArray();
        Assert.True(queries.Length >= 30, $"only {queries.Length} queries found in grafana/dashboards");
        var empty = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(120);
        do
        {
            // An operator injecting as the dashboards watch: the annotation query looks for fresh injections.
            await admin.PostJsonAsync("/api/faults", """{"kind":"node.slowdown","target":{"site":"east","count":2},"params":{"factor":1.5},"durationSeconds":2}""");
            empty.Clear();
            foreach (var (dashboard, title, expr) in queries)
            {
                if (!await HasDataAsync(expr))
                {
                    empty.Add($"{dashboard} / {title}: {expr}");
                }
            }

            if (empty.Count == 0)
            {
                break;
            }

            await Task.Delay(1000, AdminClient.Ct);
        }
        while (DateTime.UtcNow < deadline);

        Assert.True(empty.Count == 0, "queries with no data:\n" + string.Join('\n', empty));

        // Both silos are scraped, and the cluster-level series come from the silo that hosts the job alone: the
        // dashboards' sums count every node once.
        Assert.Equal(2, await ScalarAsync("count(up{job=\"orleanscluster\"} == 1)"));
        Assert.Equal(1, await ScalarAsync("count(gpusim_step_number)"));
        Assert.Equal(328, await ScalarAsync("sum(gpusim_nodes{scenario=\"small\"})"));
        var secondSiloAnswers = await admin.GetAsync($"http://127.0.0.1:{_secondSiloPort}/api/cluster", AdminClient.Ct);
        Assert.Equal(HttpStatusCode.OK, secondSiloAnswers.StatusCode);
    }

    private async Task<double> ScalarAsync(string expr)
    {
        var url = $"http://127.0.0.1:{_prometheusPort}/api/v1/query?query={Uri.EscapeDataString(expr)}";
        using var document = JsonDocument.Parse(await _http.GetStringAsync(url, AdminClient.Ct));
        var result = document.RootElement.GetProperty("data").GetProperty("result");
        Assert.True(result.GetArrayLength() == 1, $"{expr}: {result}");
        return double.Parse(result[0].GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string Port(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task PromtoolAcceptsTheExposition()
    {
        string[] expected = ["gpusim_step_duration_seconds_bucket", "gpusim_node_compute_seconds_bucket", "gpusim_barrier_wait_seconds_bucket", "gpusim_nodes{", "gpusim_link_up{", "gpusim_faults_injected_total{", "orleans_", "dotnet_gc_", "kestrel_"];
        var deadline = DateTime.UtcNow.AddSeconds(120);
        string page;
        while (true)
        {
            // A few steps, so that every series has values.
            page = await _http.GetStringAsync($"http://127.0.0.1:{_siloPort}/metrics", AdminClient.Ct);
            if (expected.All(s => page.Contains(s, StringComparison.Ordinal)) || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(500, AdminClient.Ct);
        }

        var file = Path.Combine(_data, "metrics.txt");
        await File.WriteAllTextAsync(file, page, AdminClient.Ct);

        // Its findings go to a file, read whole: the process's kept output is its last 60 lines, stderr's and stdout's
        // in no set order, and once more findings than that came after the exit line (found by a CI run).
        var lint = Path.Combine(_data, "promtool.txt");
        await using var promtool = ManagedProcess.Start("/bin/sh", ["-c", $"{ManagedProcess.Tool("promtool", "prometheus")} check metrics < {file} > {lint} 2>&1"]);
        var exit = await promtool.WaitForExitAsync(TimeSpan.FromSeconds(120));

        // promtool exits 1 when the page does not parse and 3 when it parses with lint findings. Orleans' and the
        // runtime's own meters draw lint findings (milliseconds, missing help) that are theirs; ours draw none.
        var output = await File.ReadAllTextAsync(lint, AdminClient.Ct);
        Assert.True(exit is 0 or 3, $"promtool exited {exit}: {output}");
        Assert.DoesNotContain("gpusim_", output, StringComparison.Ordinal);
        foreach (var series in expected)
        {
            Assert.Contains(series, page, StringComparison.Ordinal);
        }
    }

    private async Task<bool> HasDataAsync(string expr)
    {
        var url = $"http://127.0.0.1:{_prometheusPort}/api/v1/query?query={Uri.EscapeDataString(expr)}";
        using var response = await _http.GetAsync(url, AdminClient.Ct);
        var body = await response.Content.ReadAsStringAsync(AdminClient.Ct);
        Assert.True(response.IsSuccessStatusCode, $"Prometheus refused {expr}: {body}");
        using var document = JsonDocument.Parse(body);
        var data = document.RootElement.GetProperty("data");
        var result = data.GetProperty("result");
        return data.GetProperty("resultType").GetString() switch
        {
            "vector" or "matrix" => result.GetArrayLength() > 0 && result.EnumerateArray().Any(r => r.TryGetProperty("value", out var v) && v[1].GetString() is not ("NaN" or null)),
            _ => true,
        };
    }
}
