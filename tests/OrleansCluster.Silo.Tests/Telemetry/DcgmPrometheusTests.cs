using System.Net;
using OrleansCluster.Silo.Tests.Api;
using OrleansCluster.Testing;

namespace OrleansCluster.Silo.Tests.Telemetry;

/// <summary>
/// A Kubernetes GPU dashboard's queries against the simulator: a real silo process in dcgm mode with the pod labels,
/// scraped by a real Prometheus, answers queries grouped and filtered by <c>namespace</c> and <c>pod</c>, and every
/// query of the shipped DCGM dashboard (grafana/dashboards/dcgm.json) with data, a crashed node's XID included.
/// </summary>
public sealed class DcgmPrometheusTests : IAsyncLifetime
{
    private const string Key = "dcgm-test-key";
    private readonly ScrapedSilo _cluster = new("dcgm", Key);

    public async ValueTask InitializeAsync()
    {
        // Two sites of 24 nodes each, as small's mix: a dcgm page of about 2 MB, which a busy machine scrapes in time
        // (small's 15 MB page took seconds and missed scrapes under a full test run).
        var scenario = await _cluster.WriteFileAsync("dcgm-scenario.json", """
            {
              "name": "dcgm-test", "seed": 3,
              "job": { "flopsPerGpuPerStep": 4e14, "gradientBytes": 2e9, "mfu": 0.4, "barrierTimeoutSeconds": 30, "checkpointEverySteps": 50 },
              "sites": [
                { "name": "west", "fabric": { "bandwidthGbps": 400, "hopLatencyMicroseconds": 2 }, "nodes": [ { "generation": "H100", "count": 20 }, { "generation": "A100", "count": 4 } ] },
                { "name": "east", "fabric": { "bandwidthGbps": 800, "hopLatencyMicroseconds": 1 }, "nodes": [ { "generation": "H200", "count": 16 }, { "generation": "B200", "count": 8 } ] }
              ],
              "links": [ { "from": "west", "to": "east", "distanceKm": 20, "routeFactor": 1.5, "equipmentLatencyMicroseconds": 100, "bandwidthGbps": 400 } ],
              "noise": { "computeCv": 0.02 }
            }
            """);
        await _cluster.StartAsync(
        [
            "--Simulation:Scenario", scenario, "--Simulation:Speed", "20", "--Telemetry:Dcgm", "true", "--Telemetry:Dcgm:Kubernetes", "true",
        ], new PrometheusSettings("5s") { ScrapeTimeout = "5s" });
    }

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task QueriesByNamespaceAndPodFindOnePodPerNodeWithItsGpus()
    {
        var perPod = await WaitForResultAsync("count by (namespace, pod) (DCGM_FI_DEV_GPU_UTIL)", 48);

        Assert.All(perPod, r =>
        {
            Assert.Equal("training", r.Labels["namespace"]);
            Assert.Matches("^train-(west|east)-0-\\d{5}$", r.Labels["pod"]);
            Assert.Equal(8, r.Value);
        });
        var onePod = await WaitForResultAsync("""DCGM_FI_DEV_GPU_UTIL{namespace="training", pod="train-east-0-00007"}""", 8);
        Assert.All(onePod, r => Assert.Equal("east-00007", r.Labels["Hostname"]));
        Assert.Empty(await _cluster.QueryAsync("""DCGM_FI_DEV_GPU_UTIL{namespace="another"}"""));
    }

    [Fact]
    public async Task EveryDcgmDashboardQueryReturnsData()
    {
        using var admin = _cluster.CreateAdminClient();
        var crash = """{"kind":"node.crash","target":{"node":"west-00003"},"durationSeconds":5}""";
        var (status, body, _) = await admin.PostJsonAsync("/api/faults", crash);
        Assert.True(status == HttpStatusCode.Created, body.ToString());

        var queries = DashboardFiles.Queries(name => name == DashboardFiles.Dcgm).ToArray();
        Assert.True(queries.Length >= 15, $"only {queries.Length} queries in the DCGM dashboard");
        var empty = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(180);
        do
        {
            // An operator injecting as the dashboard watches: the annotation query looks for fresh injections.
            await admin.PostJsonAsync("/api/faults", """{"kind":"node.slowdown","target":{"site":"east","count":2},"params":{"factor":1.5},"durationSeconds":2}""");
            empty.Clear();
            foreach (var (_, title, expr) in queries)
            {
                if (!(await _cluster.QueryAsync(expr)).Any(r => !double.IsNaN(r.Value)))
                {
                    empty.Add($"{title}: {expr}");
                }
            }

            if (empty.Count == 0)
            {
                break;
            }

            if (empty.Any(e => e.Contains("XID", StringComparison.Ordinal)))
            {
                // A 5 s crash can fall between two scrapes on a loaded machine (a CI run never saw its XID in 3 minutes):
                // the node crashes again until one does.
                await admin.PostJsonAsync("/api/faults", crash);
            }

            await Task.Delay(1000, AdminClient.Ct);
        }
        while (DateTime.UtcNow < deadline);

        Assert.True(empty.Count == 0, "queries with no data:\n" + string.Join('\n', empty));
    }

    // Scraped every 5 s (the dashboard's annotation looks 15 s back: three scrapes), with deadlines for busy cores.
    private Task<IReadOnlyList<(Dictionary<string, string> Labels, double Value)>> WaitForResultAsync(string expr, int count) =>
        _cluster.WaitForAsync(expr, $"expected {count} series", series => series.Count == count);
}
