using System.Net;
using System.Text;
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

    private readonly ScrapedSilo _run = new("rule-pack", Key);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await _run.StartAsync(
        ["--Simulation:Pace", "realtime", "--Simulation:Speed", "20", "--Simulation:StartOnLaunch", "false"],
        new PrometheusSettings("1s") { EvaluationInterval = "1s", RuleFile = Path.Combine(ManagedProcess.RepositoryRoot(), "deploy", "alerts", "rules.yml") });

    public ValueTask DisposeAsync() => _run.DisposeAsync();

    [Fact]
    public async Task TheStragglerRuleFiresForASlowedNodeAndNotForAnOlderGenerationSlowByDesign()
    {
        using var admin = _run.CreateAdminClient();
        using (var load = await admin.PutAsync(new Uri("/api/scenario", UriKind.Relative), new StringContent(Mixed, Encoding.UTF8, "application/json"), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, load.StatusCode);
        }

        // The A100s must be on the page as stragglers well past the rule's 1.3 before the fault: a rule that reads the
        // ratio alone would fire for them.
        await _run.WaitForAsync("min(gpusim_straggler_slowdown_ratio{generation=\"A100\"}) > 2", "the A100s never read past 2x the step's median");

        using (var inject = await admin.PostAsync(new Uri("/api/faults", UriKind.Relative), new StringContent($$"""{"kind":"node.slowdown","target":{"node":"{{SlowedNode}}"},"params":{"factor":1.6},"durationSeconds":600}""", Encoding.UTF8, "application/json"), Ct))
        {
            Assert.Equal(HttpStatusCode.Created, inject.StatusCode);
        }

        await _run.WaitForAsync($"ALERTS{{alertname=\"GpusimNodeStraggling\",alertstate=\"firing\",node=\"{SlowedNode}\"}}", "GpusimNodeStraggling never fired for the slowed node");

        // By now the A100s have read past 2x for longer than the rule's 10 s `for`: whatever the rule ever raised, pending
        // or firing, over the whole run is the slowed node alone.
        string[] raised = [.. (await _run.QueryAsync("count by (node) (count_over_time(ALERTS{alertname=\"GpusimNodeStraggling\"}[30m]))")).Select(r => r.Labels["node"]).Order(StringComparer.Ordinal)];
        Assert.Equal([SlowedNode], raised);
    }
}
