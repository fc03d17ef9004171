using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using OrleansCluster.Testing;

namespace OrleansCluster.Cli.Tests.Commands;

/// <summary>
/// The shipped starter rule pack (<c>deploy/alerts/rules.yml</c>) loaded as it is by a real Prometheus that scrapes a
/// silo process: on a cluster that mixes generations, the straggler rule fires for a slowed node and for nothing
/// that is slow only by its generation.
/// </summary>
public sealed class StarterRulePackTests : IAsyncLifetime
{
    private const string Key = "rule-pack-test-key";

    // H100s with four A100s among them (about three times as slow: every one of them is among the step's stragglers,
    // well past 1.3x the step's median) and H200s at the other site; no noise, so only a fault makes a straggler.
    private const string Mixed = """
        {
          "name": "rule-pack", "seed": 5,
          "job": { "flopsPerGpuPerStep": 4e14, "gradientBytes": 1e9, "barrierTimeoutSeconds": 10, "checkpointEverySteps": 5 },
          "sites": [
            { "name": "a", "fabric": { "bandwidthGbps": 400, "hopLatencyMicroseconds": 2 },
              "nodes": [ { "generation": "H100", "count": 20 }, { "generation": "A100", "count": 4 } ] },
            { "name": "b", "fabric": { "bandwidthGbps": 400, "hopLatencyMicroseconds": 2 }, "nodes": [ { "generation": "H200", "count": 20 } ] }
          ],
          "links": [ { "from": "a", "to": "b", "distanceKm": 20, "bandwidthGbps": 400 } ],
          "noise": { "computeCv": 0, "linkJitterMicroseconds": 0 },
          "stragglers": { "threshold": 0.1, "topK": 20 }
        }
        """;

    private const string SlowedNode = "a-00003";

    private SiloUnderPrometheus? _run;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _run = await SiloUnderPrometheus.StartAsync(
        Key, ["--Simulation:StartOnLaunch=false"], _ => Task.FromResult(Path.Combine(ManagedProcess.RepositoryRoot(), "deploy", "alerts", "rules.yml")), Ct);

    public async ValueTask DisposeAsync()
    {
        if (_run is not null)
        {
            await _run.DisposeAsync();
        }
    }

    [Fact]
    public async Task TheStragglerRuleFiresForASlowedNodeAndNotForAnOlderGenerationSlowByDesign()
    {
        using var admin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_run!.SiloPort}"), Timeout = TimeSpan.FromSeconds(60) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        using var prometheus = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_run!.PrometheusPort}"), Timeout = TimeSpan.FromSeconds(60) };
        using (var load = await admin.PutAsync(new Uri("/api/scenario", UriKind.Relative), new StringContent(Mixed, Encoding.UTF8, "application/json"), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, load.StatusCode);
        }

        // The A100s must be on the page as stragglers well past the rule's 1.3 before the fault: a rule that reads the
        // ratio alone would fire for them.
        await WaitForAsync(prometheus, "min(gpusim_straggler_slowdown_ratio{generation=\"A100\"}) > 2", "the A100s never read past 2x the step's median");

        using (var inject = await admin.PostAsync(new Uri("/api/faults", UriKind.Relative), new StringContent($$"""{"kind":"node.slowdown","target":{"node":"{{SlowedNode}}"},"params":{"factor":1.6},"durationSeconds":600}""", Encoding.UTF8, "application/json"), Ct))
        {
            Assert.Equal(HttpStatusCode.Created, inject.StatusCode);
        }

        await WaitForAsync(prometheus, $"ALERTS{{alertname=\"GpusimNodeStraggling\",alertstate=\"firing\",node=\"{SlowedNode}\"}}", "GpusimNodeStraggling never fired for the slowed node");

        // By now the A100s have read past 2x for longer than the rule's 10 s `for`: whatever the rule ever raised, pending
        // or firing, over the whole run is the slowed node alone.
        var raised = await NodesAsync(prometheus, "count by (node) (count_over_time(ALERTS{alertname=\"GpusimNodeStraggling\"}[30m]))");
        Assert.Equal([SlowedNode], raised);
    }

    private static async Task WaitForAsync(HttpClient prometheus, string query, string failure)
    {
        var deadline = DateTime.UtcNow.AddSeconds(180);
        while ((await ResultAsync(prometheus, query)).GetArrayLength() == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(500, Ct);
        }
    }

    private static async Task<string[]> NodesAsync(HttpClient prometheus, string query) =>
        [.. (await ResultAsync(prometheus, query)).EnumerateArray().Select(r => r.GetProperty("metric").GetProperty("node").GetString()!).Order(StringComparer.Ordinal)];

    private static async Task<JsonElement> ResultAsync(HttpClient prometheus, string query)
    {
        using var document = JsonDocument.Parse(await prometheus.GetStringAsync(new Uri($"/api/v1/query?query={Uri.EscapeDataString(query)}", UriKind.Relative), Ct));
        return document.RootElement.GetProperty("data").GetProperty("result").Clone();
    }
}
