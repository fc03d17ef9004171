using System.Net;
using System.Text;
using System.Text.Json;
using OrleansCluster.Cli.Commands;
using OrleansCluster.Testing;

namespace OrleansCluster.Cli.Tests.Commands;

/// <summary>
/// The alert scorer against a real Prometheus that scrapes a silo process and evaluates rules: a rule on the
/// faulted node scores recall 1 and precision 1, a rule whose threshold is never reached misses the fault, and a
/// rule that fires on another host misfires.
/// </summary>
public sealed class AlertScoringTests : IAsyncLifetime
{
    private const string Key = "alerts-test-key";

    // Every node an H100 with no noise: only a slowed node straggles.
    private const string Uniform = """
        {
          "name": "alerts", "seed": 3,
          "job": { "flopsPerGpuPerStep": 4e14, "gradientBytes": 1e9, "barrierTimeoutSeconds": 10, "checkpointEverySteps": 5 },
          "sites": [
            { "name": "a", "fabric": { "bandwidthGbps": 400, "hopLatencyMicroseconds": 2 }, "nodes": [ { "generation": "H100", "count": 20 } ] },
            { "name": "b", "fabric": { "bandwidthGbps": 400, "hopLatencyMicroseconds": 2 }, "nodes": [ { "generation": "H100", "count": 20 } ] }
          ],
          "links": [ { "from": "a", "to": "b", "distanceKm": 20, "bandwidthGbps": 400 } ],
          "noise": { "computeCv": 0, "linkJitterMicroseconds": 0 }
        }
        """;

    private const string Rules = """
        groups:
          - name: scored
            rules:
              - alert: SlowNode
                expr: max by (node) (gpusim_straggler_slowdown_ratio) > 2
              - alert: NeverFires
                expr: max by (node) (gpusim_straggler_slowdown_ratio) > 100
              - alert: WrongHost
                expr: label_replace(vector(1), "node", "b-00002", "", "")
        """;

    private readonly ScrapedSilo _run = new("alert-scoring", Key);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var rules = await _run.WriteFileAsync("rules.yml", Rules);
        await _run.StartAsync(["--Simulation:Pace", "realtime", "--Simulation:Speed", "20"], new PrometheusSettings("1s") { EvaluationInterval = "1s", RuleFile = rules });
    }

    public ValueTask DisposeAsync() => _run.DisposeAsync();

    [Fact]
    public async Task ARuleOnTheFaultedNodeScoresOneAndRulesThatMissOrMisfireDoNot()
    {
        using var admin = _run.CreateAdminClient();
        using var prometheus = _run.CreatePrometheusClient();
        using (var load = await admin.PutAsync(new Uri("/api/scenario", UriKind.Relative), new StringContent(Uniform, Encoding.UTF8, "application/json"), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, load.StatusCode);
        }

        await Task.Delay(TimeSpan.FromSeconds(3), Ct); // steps, scrapes and the WrongHost rule firing before the fault
        var started = DateTimeOffset.UtcNow;
        using (var inject = await admin.PostAsync(new Uri("/api/faults", UriKind.Relative), new StringContent("""{"kind":"node.slowdown","target":{"node":"a-00007"},"params":{"factor":4},"durationSeconds":8}""", Encoding.UTF8, "application/json"), Ct))
        {
            Assert.Equal(HttpStatusCode.Created, inject.StatusCode);
        }

        await _run.WaitForAsync("ALERTS{alertname=\"SlowNode\",alertstate=\"firing\"}", "SlowNode never fired");

        await Task.Delay(TimeSpan.FromSeconds(3), Ct); // a few firing samples on the range query's 1 s grid
        // Until a scrape, an evaluation (1 s each) and the 10 s grace have passed since it began, the fault is pending.
        while (DateTimeOffset.UtcNow < started + TimeSpan.FromSeconds(12))
        {
            await Task.Delay(500, Ct);
        }

        var window = DateTimeOffset.UtcNow - started + TimeSpan.FromSeconds(2);
        var report = await AlertsCommand.RunAsync(admin, prometheus, new AlertsCommand.Options(window, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1), ["Hostname", "node", "link"]), DateTimeOffset.UtcNow, Ct);

        Assert.Equal(1, report.Faults);
        var rules = report.Rules.ToDictionary(r => r.Rule);
        var slow = rules["SlowNode"];
        Assert.Equal((1, 0, 0, 1.0, 1.0), (slow.TruePositives, slow.FalsePositives, slow.Missed, slow.Precision, slow.Recall));
        Assert.InRange(slow.DetectP50Seconds!.Value, 0, 60);
        var never = rules["NeverFires"];
        Assert.Equal((0, 0, 1, null, 0.0), (never.TruePositives, never.FalsePositives, never.Missed, never.Precision, never.Recall));
        var wrong = rules["WrongHost"];
        Assert.Equal((0, 1, 1, 0.0, 0.0), (wrong.TruePositives, wrong.FalsePositives, wrong.Missed, wrong.Precision, wrong.Recall));
        Assert.Contains("SlowNode", JsonSerializer.Serialize(report), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWindowPrometheusRefusesIsAnErrorNamingPrometheusAndItsMessage()
    {
        using var admin = _run.CreateAdminClient();
        using var prometheus = _run.CreatePrometheusClient();

        // 1,000 days at a 1 s step: far more points than a range query may return (11,000), a 400 from Prometheus.
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => AlertsCommand.RunAsync(admin, prometheus, AlertsCommand.Options.From(86_400_000, 60, 1, null), DateTimeOffset.UtcNow, Ct));

        Assert.StartsWith($"Prometheus at {_run.PrometheusUrl}/ refused the query (400 Bad Request): ", refused.Message, StringComparison.Ordinal);
        Assert.Contains("11,000 points", refused.Message, StringComparison.Ordinal);
    }
}
