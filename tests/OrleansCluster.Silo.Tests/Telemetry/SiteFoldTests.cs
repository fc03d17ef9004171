using System.Globalization;
using System.Text.RegularExpressions;
using OrleansCluster.Silo.Tests.Api;

namespace OrleansCluster.Silo.Tests.Telemetry;

/// <summary>
/// <c>Telemetry:MaxSites</c> bounds the per-site series of <c>/metrics</c>: a scenario of more sites writes its first
/// that many and folds the rest into <c>site="other"</c>, whose counts are the folded sites' summed. Found by probing: 5,000
/// sites of one node made every scrape 240 MB.
/// </summary>
public sealed class SiteFoldTests
{
    private const int Cap = 4;

    // Ten sites s0..s9 in the scenario's order; site i has i % 3 + 1 H100 nodes, and s6 and s8 two A100s beside them.
    // Chained by nine links, three of them between the first four sites.
    private static string Scenario(string name, int sites)
    {
        var list = Enumerable.Range(0, sites).Select(i =>
            $$"""{ "name": "s{{i}}", "fabric": { "bandwidthGbps": 400 }, "nodes": [ { "generation": "H100", "count": {{i % 3 + 1}} }{{(i is 6 or 8 ? """, { "generation": "A100", "count": 2 }""" : "")}} ] }""");
        var links = Enumerable.Range(0, sites - 1).Select(i => $$"""{ "from": "s{{i}}", "to": "s{{i + 1}}", "distanceKm": 20, "bandwidthGbps": 400 }""");
        return $$"""
            {
              "name": "{{name}}", "seed": 3,
              "job": { "flopsPerGpuPerStep": 4e14, "gradientBytes": 1e9, "barrierTimeoutSeconds": 100 },
              "sites": [ {{string.Join(",\n", list)}} ],
              "links": [ {{string.Join(",\n", links)}} ]
            }
            """;
    }

    private static int Nodes(int site, string generation) => generation == "H100" ? site % 3 + 1 : site is 6 or 8 ? 2 : 0;

    [Fact]
    public async Task AScenarioOfMoreSitesThanTheCapWritesTheFirstSitesAndFoldsTheRestIntoOther()
    {
        await using var factory = new SiloFactory { Pace = "max", Settings = new Dictionary<string, string> { ["Telemetry:MaxSites"] = Cap.ToString(CultureInfo.InvariantCulture) } };
        using var client = factory.CreateAdminClient();
        await MetricsPage.LoadAsync(client, Scenario("fold", 10));
        await client.WaitForClusterAsync(c => c.Step() >= 3, "three steps of fold");
        Assert.Equal("paused", (await client.PostJsonAsync("/api/job/pause")).Body.GetProperty("state").GetString());

        // Paused, the histograms hold still (a block records its last barrier waits just after its answer): two pages alike.
        string? previous = null;
        var page = await MetricsPage.WaitForAsync(
            client,
            page =>
            {
                var counts = string.Join("\n", page.Split('\n').Where(l => l.StartsWith("gpusim_node_compute_seconds_count{scenario=\"fold\"", StringComparison.Ordinal) || l.StartsWith("gpusim_barrier_wait_seconds_count{scenario=\"fold\"", StringComparison.Ordinal)));
                var still = counts.Length > 0 && counts == previous && page.Contains("site=\"other\"", StringComparison.Ordinal);
                previous = counts;
                return still;
            },
            "fold's histograms to hold still with an other series",
            l => l.Contains("_count{", StringComparison.Ordinal));

        // At most the cap's sites plus other, in every per-site family: the first four of the scenario's order.
        string[] expected = ["other", "s0", "s1", "s2", "s3"];
        foreach (var family in (string[])["gpusim_node_compute_seconds_bucket", "gpusim_node_compute_seconds_count", "gpusim_barrier_wait_seconds_bucket", "gpusim_barrier_wait_seconds_count", "gpusim_nodes"])
        {
            var sites = Regex.Matches(page, $"^{family}\\{{scenario=\"fold\",site=\"([^\"]*)\"", RegexOptions.Multiline).Select(m => m.Groups[1].Value).Distinct().Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(expected, sites);
        }

        // other's counts are the folded sites' (s4..s9) summed: every node counts once a step in each histogram.
        var computeCounts = Counts(page, "gpusim_node_compute_seconds_count");
        var steps = computeCounts[("s0", "H100")] / Nodes(0, "H100");
        Assert.True(steps >= 3, $"{steps} steps");
        foreach (var generation in (string[])["H100", "A100"])
        {
            var folded = Enumerable.Range(Cap, 10 - Cap).Sum(s => Nodes(s, generation));
            Assert.Equal(steps * folded, computeCounts[("other", generation)]);
            Assert.Equal(folded, Gauge(page, $"gpusim_nodes{{scenario=\"fold\",site=\"other\",generation=\"{generation}\",state=\"healthy\"}}"));
        }

        foreach (var site in Enumerable.Range(0, Cap))
        {
            Assert.Equal(steps * Nodes(site, "H100"), computeCounts[($"s{site}", "H100")]);
        }

        // other's buckets are cumulative to its count, as any series' are.
        var otherBuckets = Regex.Matches(page, "^gpusim_node_compute_seconds_bucket\\{scenario=\"fold\",site=\"other\",generation=\"H100\",le=\"([^\"]*)\"\\} (\\d+)", RegexOptions.Multiline).Select(m => long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)).ToArray();
        Assert.True(otherBuckets.Zip(otherBuckets.Skip(1)).All(p => p.First <= p.Second), "other's buckets go down");
        Assert.Equal(computeCounts[("other", "H100")], otherBuckets[^1]);

        // Links: the three between written sites, and one other for the six with a folded end.
        var links = Regex.Matches(page, "^gpusim_link_up\\{scenario=\"fold\",link=\"([^\"]*)\"", RegexOptions.Multiline).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(4, links.Length);
        Assert.Contains("other", links);
        Assert.Equal(1, Gauge(page, "gpusim_link_up{scenario=\"fold\",link=\"other\",from=\"other\",to=\"other\"}"));
    }

    [Fact]
    public async Task AScenarioWithinTheCapIsNotFolded()
    {
        await using var factory = new SiloFactory { Pace = "max", Settings = new Dictionary<string, string> { ["Telemetry:MaxSites"] = Cap.ToString(CultureInfo.InvariantCulture) } };
        using var client = factory.CreateAdminClient();
        await MetricsPage.LoadAsync(client, Scenario("within", Cap));
        var page = await MetricsPage.WaitForAsync(
            client,
            page => Enumerable.Range(0, Cap).All(s => page.Contains($"gpusim_barrier_wait_seconds_count{{scenario=\"within\",site=\"s{s}\"", StringComparison.Ordinal)),
            "every site of within",
            l => l.Contains("_count{", StringComparison.Ordinal));

        Assert.DoesNotContain("\"other\"", page, StringComparison.Ordinal);
        Assert.Equal(Cap - 1, Regex.Count(page, "^gpusim_link_up\\{scenario=\"within\"", RegexOptions.Multiline));
    }

    private static Dictionary<(string Site, string Generation), long> Counts(string page, string family) =>
        Regex.Matches(page, $"^{family}\\{{scenario=\"fold\",site=\"([^\"]*)\",generation=\"([^\"]*)\"\\}} (\\d+)", RegexOptions.Multiline)
            .ToDictionary(m => (m.Groups[1].Value, m.Groups[2].Value), m => long.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture));

    private static double Gauge(string page, string series)
    {
        var line = page.Split('\n').SingleOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        Assert.True(line is not null, $"no {series} on the page");
        return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
    }
}
