using System.Globalization;
using System.Text.RegularExpressions;
using OrleansCluster.Silo.Tests.Api;

namespace OrleansCluster.Silo.Tests.Telemetry;

/// <summary>
/// <c>gpusim_straggler_slowdown_ratio</c> has one series per straggling node. The metrics SDK keeps a slot for every
/// label set an instrument has ever reported and folds those past its limit (2,000) into one overflow series, so once
/// that many distinct nodes had straggled, the new top-K went missing from the page; the gauge is written by the host
/// instead, from the last step alone.
/// </summary>
public sealed partial class StragglerSeriesTests
{
    // 2 x 1,250 nodes, a fifth of them 1.5 times slower at each step (drawn afresh each step), all of them listed
    // (topK 1,000): about 500 stragglers a step, and more than 2,000 distinct ones after ten steps.
    private const string Churn = """
        {
          "name": "churn", "seed": 5,
          "job": { "flopsPerGpuPerStep": 4e14, "gradientBytes": 1e9, "barrierTimeoutSeconds": 100, "checkpointEverySteps": 1000 },
          "sites": [
            { "name": "a", "fabric": { "bandwidthGbps": 400 }, "nodes": [ { "generation": "H100", "count": 1250 } ] },
            { "name": "b", "fabric": { "bandwidthGbps": 400 }, "nodes": [ { "generation": "H100", "count": 1250 } ] }
          ],
          "links": [ { "from": "a", "to": "b", "distanceKm": 20, "bandwidthGbps": 400 } ],
          "noise": { "computeCv": 0.01, "outlierProbability": 0.2, "outlierFactor": 1.5 },
          "stragglers": { "threshold": 0.1, "topK": 1000 }
        }
        """;

    [Fact]
    public async Task ThePageShowsExactlyTheLastStepsTopKHoweverManyNodesHaveStraggledBefore()
    {
        await using var factory = new SiloFactory { Pace = "max" };
        using var client = factory.CreateAdminClient();
        var (status, body, _) = await client.SendJsonAsync(HttpMethod.Put, "/api/scenario", Churn);
        Assert.True(status == System.Net.HttpStatusCode.OK, body.ToString());

        // Scrape as Prometheus does while the top-K changes from step to step, until the page has named well over the
        // SDK's 2,000 distinct nodes (or stopped naming new ones: folded into its overflow series).
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var deadline = DateTime.UtcNow.AddSeconds(300);
        while (seen.Count < 2_300)
        {
            var page = await client.GetStringAsync("/metrics", AdminClient.Ct);
            if (page.Contains("otel_metric_overflow", StringComparison.Ordinal))
            {
                break;
            }

            seen.UnionWith(Slowdown().Matches(page).Select(m => Node().Match(m.Groups["labels"].Value)).Where(m => m.Success).Select(m => m.Groups[1].Value));
            Assert.True(DateTime.UtcNow < deadline, $"timed out: {seen.Count} distinct stragglers on the page");
            await Task.Delay(100, AdminClient.Ct);
        }

        Assert.Equal("paused", (await client.PostJsonAsync("/api/job/pause")).Body.GetProperty("state").GetString());

        // The paused job's last step on the page, series for series: read until the report and the page agree (the step
        // in flight when the pause came may still land), then compare.
        string last = string.Empty;
        deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            var report = await client.GetJsonAsync("/api/stragglers?top=1000");
            var expected = report.GetProperty("nodes").EnumerateArray().ToDictionary(
                n => n.GetProperty("node").GetString()!, n => n.GetProperty("slowdown").GetDouble(), StringComparer.Ordinal);
            var page = await client.GetStringAsync("/metrics", AdminClient.Ct);
            var again = await client.GetJsonAsync("/api/stragglers?top=1000");
            var onPage = Slowdown().Matches(page).Select(m => (Labels: m.Groups["labels"].Value, Value: double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture))).ToArray();
            var nodes = onPage.Select(s => Node().Match(s.Labels)).Where(m => m.Success).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
            var overflow = page.Contains("otel_metric_overflow", StringComparison.Ordinal);
            last = $"step {report.GetProperty("step").GetInt64()}: {expected.Count} stragglers reported, {onPage.Length} series on the page ({nodes.Count} nodes, {nodes.Count(expected.ContainsKey)} of them reported), overflow series: {overflow}, {seen.Count} distinct stragglers seen on the page before";
            if (report.GetProperty("step").GetInt64() == again.GetProperty("step").GetInt64() && expected.Count > 0
                && !overflow && onPage.Length == expected.Count && nodes.SetEquals(expected.Keys))
            {
                Assert.All(onPage, s => Assert.Equal(expected[Node().Match(s.Labels).Groups[1].Value], s.Value, 1e-9));
                Assert.All(onPage, s => Assert.Matches(Labels(), s.Labels));
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the page never showed exactly the last step's top-K; last read {last}");
            await Task.Delay(250, AdminClient.Ct);
        }
    }

    [GeneratedRegex(@"^gpusim_straggler_slowdown_ratio\{(?<labels>[^}]*)\} (?<value>\S+)", RegexOptions.Multiline)]
    private static partial Regex Slowdown();

    [GeneratedRegex("(?:^|,)node=\"([^\"]*)\"")]
    private static partial Regex Node();

    // The contract's labels: scenario, node, site, generation (the exporter added otel_scope_name to its own).
    [GeneratedRegex("^scenario=\"churn\",node=\"[ab]-\\d{5}\",site=\"[ab]\",generation=\"H100\"(,otel_scope_name=\"[^\"]*\")?$")]
    private static partial Regex Labels();
}
