using System.Net;
using System.Text;
using System.Text.Json;
using OrleansCluster.Cli.Commands;
using OrleansCluster.Testing;

namespace OrleansCluster.Cli.Tests.Commands;

/// <summary>
/// What Prometheus could see, read from a real one: it scrapes the silo every 4 s, itself (not the simulator) every
/// 15 s, and evaluates every 1 s. A fault that lasted 2 s of wall time is unobservable and one of 8 s is scored, at a
/// --step of 1 s as at one of 20 s (found by review: the shortest seen was the longer of --step and the evaluation
/// interval, so the step decided it and the scrape interval did not count).
/// </summary>
public sealed class AlertScrapeIntervalTests : IAsyncLifetime
{
    private const string Key = "alerts-scrape-test-key";

    private const string Rules = """
        groups:
          - name: scored
            rules:
              - alert: SlowNode
                expr: max by (node) (gpusim_straggler_slowdown_ratio) > 2
        """;

    private readonly ScrapedSilo _run = new("alert-scrape", Key);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var rules = await _run.WriteFileAsync("rules.yml", Rules);
        await _run.StartAsync(["--Simulation:Pace", "realtime", "--Simulation:Speed", "20"], new PrometheusSettings("4s") { EvaluationInterval = "1s", RuleFile = rules, SelfScrapeInterval = "15s" });
    }

    public ValueTask DisposeAsync() => _run.DisposeAsync();

    [Fact]
    public async Task FaultsUnderTheSimulatorsScrapeIntervalAreUnobservableAndLongerOnesScoredWhateverTheStep()
    {
        using var admin = _run.CreateAdminClient();
        using var prometheus = _run.CreatePrometheusClient();
        var started = DateTimeOffset.UtcNow;
        // durationSeconds is wall time: 2 s, under the 4 s scrape; 8 s, over it and under the 15 s of the other target.
        var brief = await InjectAsync(admin, "west-00001", 2);
        var longer = await InjectAsync(admin, "west-00002", 8);

        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (!await EndedAsync(admin, brief, longer))
        {
            Assert.True(DateTime.UtcNow < deadline, "the faults never ended");
            await Task.Delay(500, Ct);
        }

        // Until the 4 s scrape and the 10 s grace have passed since it began, the longer fault is pending, not judged.
        while (DateTimeOffset.UtcNow < started + TimeSpan.FromSeconds(20))
        {
            await Task.Delay(500, Ct);
        }

        foreach (var step in new[] { 1, 20 })
        {
            var now = DateTimeOffset.UtcNow;
            var window = now - started + TimeSpan.FromSeconds(2);
            var report = await AlertsCommand.RunAsync(admin, prometheus, new AlertsCommand.Options(window, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(step), ["Hostname", "node", "link"]), now, Ct);

            Assert.Equal((4.0, 1.0, 4.0), (report.ScrapeIntervalSeconds, report.EvaluationIntervalSeconds, report.UnobservableUnderSeconds));
            Assert.Equal(brief, Assert.Single(report.UnobservableFaults!).Id);
            var rule = Assert.Single(report.Rules);
            Assert.Equal((1, 1), (report.Faults, rule.ExcusedFaults));
            Assert.Contains("(the longer of the simulator's scrape interval, 4 s, and the rules' evaluation interval, 1 s)", report.UnobservableWarning, StringComparison.Ordinal);
        }

        // Which targets are the simulator's, asked of Prometheus through a handful of series (found by review: the query
        // matched every gpusim_* and DCGM_FI_* series, millions with dcgm at scale): the silo's up and its step number.
        using var stats = JsonDocument.Parse(await prometheus.GetStringAsync(new Uri($"/api/v1/query?stats=all&query={Uri.EscapeDataString(AlertsCommand.SimulatorTargetsQuery)}", UriKind.Relative), Ct));
        var data = stats.RootElement.GetProperty("data");
        var target = Assert.Single(data.GetProperty("result").EnumerateArray().ToArray());
        Assert.Equal($"127.0.0.1:{_run.SiloPort}", target.GetProperty("metric").GetProperty("instance").GetString());
        Assert.InRange(data.GetProperty("stats").GetProperty("samples").GetProperty("totalQueryableSamples").GetInt64(), 1, 10);
    }

    private static async Task<string> InjectAsync(HttpClient admin, string node, int seconds)
    {
        using var inject = await admin.PostAsync(new Uri("/api/faults", UriKind.Relative), new StringContent($$"""{"kind":"node.slowdown","target":{"node":"{{node}}"},"params":{"factor":4},"durationSeconds":{{seconds}}}""", Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.Created, inject.StatusCode);
        using var created = JsonDocument.Parse(await inject.Content.ReadAsStringAsync(Ct));
        return created.RootElement.GetProperty("id").GetString()!;
    }

    private static async Task<bool> EndedAsync(HttpClient admin, params string[] ids)
    {
        using var faults = JsonDocument.Parse(await admin.GetStringAsync(new Uri("/api/faults?all=true", UriKind.Relative), Ct));
        var ended = faults.RootElement.EnumerateArray().Where(f => f.GetProperty("state").GetString() == "expired").Select(f => f.GetProperty("id").GetString()).ToHashSet(StringComparer.Ordinal);
        return ids.All(ended.Contains);
    }
}
