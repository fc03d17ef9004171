using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OrleansCluster.Silo.Tests.Api;

namespace OrleansCluster.Silo.Tests.Telemetry;

/// <summary>
/// The simulation's series on <c>/metrics</c> are those of the scenario loaded now, however many scenarios the silo has
/// run and whatever their names. Found by a black-box probe: as OpenTelemetry instruments labelled with <c>scenario</c>,
/// <c>gpusim_nodes</c> folded into one <c>otel_metric_overflow="true"</c> series after about 175 scenarios of different
/// names, the fault series after 225 (reading 0 with a fault in force), and after one scenario of 9,730 links even
/// <c>small</c>'s link showed only as overflow; and a scenario loaded under the name of the one before left the other's
/// node histograms on the page.
/// </summary>
public sealed partial class LoadedScenarioSeriesTests
{
    // The SDK's limit is 2,000 label sets per instrument; 30 here, so that a dozen loads pass it as 200 would pass 2,000.
    private const int CardinalityLimit = 30;

    [Fact]
    public async Task AfterManyScenariosTheRunningOnesSeriesAreOnThePageAndNoneOverflows()
    {
        await using var factory = new SiloFactory
        {
            Pace = "max",
            ExtraServices = services => services.ConfigureOpenTelemetryMeterProvider((provider, metrics) =>
            {
                var own = provider.GetRequiredService<IMeterFactory>();
                metrics.AddView(instrument => instrument.Name.StartsWith("gpusim_", StringComparison.Ordinal) && ReferenceEquals(instrument.Meter.Scope, own)
                    ? new MetricStreamConfiguration { CardinalityLimit = CardinalityLimit }
                    : null);
            }),
        };
        using var client = factory.CreateAdminClient();

        // One scenario with more links than the limit (a full mesh of 12 sites: 66), then a dozen of other names.
        await LoadAndScrapeAsync(client, Mesh("mesh", 12));
        const int loads = 12;
        for (var i = 0; i < loads; i++)
        {
            await LoadAndScrapeAsync(client, Mesh($"round-{i}", 3));
        }

        var last = $"round-{loads - 1}";
        var (status, body, _) = await client.PostJsonAsync("/api/faults", """{"kind":"link.partition","target":{"link":"s00-s01"},"durationSeconds":600}""");
        Assert.True(status == HttpStatusCode.Created, body.ToString());

        var page = await WaitForPageAsync(
            client,
            p => Value(p, "gpusim_faults_active", last, "kind=\"link.partition\"") == 1 && Value(p, "gpusim_link_up", last, "link=\"s00-s01\"") == 0,
            $"the partition of {last}'s link s00-s01 in gpusim_faults_active and gpusim_link_up");

        var own = page.Split('\n').Where(l => l.StartsWith("gpusim_", StringComparison.Ordinal)).ToArray();
        Assert.DoesNotContain(own, l => l.Contains("otel_metric_overflow", StringComparison.Ordinal));
        var scenarios = own.Select(l => ScenarioLabel().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value).Distinct().ToArray();
        Assert.Equal([last], scenarios);

        // The running scenario's series, with their values: 3 sites of 2 H100s, 3 links (one partitioned), 1 fault injected.
        Assert.Equal(6, SeriesOf(page, "gpusim_nodes", last).Where(s => s.Labels.Contains("state=\"healthy\"", StringComparison.Ordinal)).Sum(s => s.Value));
        Assert.Equal(9, SeriesOf(page, "gpusim_nodes", last).Length);
        Assert.Equal([0d, 1d, 1d], SeriesOf(page, "gpusim_link_up", last).Select(s => s.Value).Order().ToArray());
        Assert.Equal(3, SeriesOf(page, "gpusim_link_latency_seconds", last).Length);
        Assert.Equal(1, Value(page, "gpusim_faults_injected_total", last, "kind=\"link.partition\""));
        Assert.Equal(1, SeriesOf(page, "gpusim_faults_active", last).Sum(s => s.Value));
        Assert.Equal(2, SeriesOf(page, "gpusim_steps_total", last).Length);
        Assert.Equal(4, SeriesOf(page, "gpusim_job_state", last).Length);
    }

    [Fact]
    public async Task AScenarioLoadedUnderTheSameNameTakesTheOthersNodeHistogramsOffThePage()
    {
        await using var factory = new SiloFactory { Pace = "max" };
        using var client = factory.CreateAdminClient();

        var first = Enumerable.Range(0, 10).Select(i => $"c{i}").ToArray();
        await LoadAsync(client, Chain("same", first));
        await WaitForPageAsync(client, p => first.All(s => HistogramSites(p, "gpusim_node_compute_seconds_count").Contains(s)), "the node histograms of c0-c9");

        string[] second = ["d0", "d1"];
        await LoadAsync(client, Chain("same", second));
        var page = await WaitForPageAsync(
            client,
            p => second.All(s => HistogramSites(p, "gpusim_node_compute_seconds_count").Contains(s) && HistogramSites(p, "gpusim_barrier_wait_seconds_count").Contains(s)),
            "the node histograms of d0 and d1");

        foreach (var family in (string[])["gpusim_node_compute_seconds_count", "gpusim_node_compute_seconds_bucket", "gpusim_barrier_wait_seconds_count", "gpusim_barrier_wait_seconds_bucket"])
        {
            Assert.Equal(second, HistogramSites(page, family).Order(StringComparer.Ordinal).ToArray());
        }
    }

    // A scenario of sites s00.. of 2 H100s each, every pair linked.
    private static string Mesh(string name, int sites)
    {
        var names = Enumerable.Range(0, sites).Select(i => $"s{i:00}").ToArray();
        var links = names.SelectMany((a, i) => names.Skip(i + 1).Select(b => (a, b)));
        return Scenario(name, names, links);
    }

    // A scenario of the named sites of 2 H100s each, each linked to the next.
    private static string Chain(string name, string[] sites) => Scenario(name, sites, sites.Zip(sites.Skip(1)));

    private static string Scenario(string name, string[] sites, IEnumerable<(string From, string To)> links)
    {
        var json = new StringBuilder();
        json.Append(CultureInfo.InvariantCulture, $$"""{"name":"{{name}}","seed":3,"job":{"flopsPerGpuPerStep":4e14,"gradientBytes":1e9,"barrierTimeoutSeconds":100},"sites":[""");
        json.AppendJoin(',', sites.Select(s => $$"""{"name":"{{s}}","fabric":{"bandwidthGbps":400},"nodes":[{"generation":"H100","count":2}]}"""));
        json.Append("],\"links\":[");
        json.AppendJoin(',', links.Select(l => $$"""{"from":"{{l.From}}","to":"{{l.To}}","distanceKm":20,"bandwidthGbps":400}"""));
        return json.Append("]}").ToString();
    }

    private static async Task LoadAsync(HttpClient client, string scenario)
    {
        var (status, body, _) = await client.SendJsonAsync(HttpMethod.Put, "/api/scenario", scenario);
        Assert.True(status == HttpStatusCode.OK, body.ToString());
    }

    // Loads the scenario, waits for its first steps, and scrapes once: as instruments, its label sets took their slots then.
    private static async Task LoadAndScrapeAsync(HttpClient client, string scenario)
    {
        await LoadAsync(client, scenario);
        var name = Regex.Match(scenario, "\"name\":\"([^\"]*)\"").Groups[1].Value;
        await client.WaitForClusterAsync(c => c.GetProperty("scenario").GetString() == name && c.Step() >= 2, $"{name} to step");
        await WaitForPageAsync(client, p => (p.Contains("gpusim_step_number{", StringComparison.Ordinal) && SeriesOf(p, "gpusim_faults_active", name).Length > 0) || p.Contains("otel_metric_overflow", StringComparison.Ordinal), $"{name}'s series on the page");
    }

    private static Task<string> WaitForPageAsync(HttpClient client, Func<string, bool> condition, string what) =>
        MetricsPage.WaitForAsync(client, condition, what, l => l.StartsWith("gpusim_", StringComparison.Ordinal) && !l.Contains("_bucket", StringComparison.Ordinal), 60);

    // The series of a family (not of a longer name) of the scenario: their labels and values.
    private static (string Labels, double Value)[] SeriesOf(string page, string family, string scenario) =>
        Regex.Matches(page, $"^{Regex.Escape(family)}\\{{([^}}]*)\\}} (\\S+)", RegexOptions.Multiline)
            .Where(m => m.Groups[1].Value.Contains($"scenario=\"{scenario}\"", StringComparison.Ordinal))
            .Select(m => (m.Groups[1].Value, double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)))
            .ToArray();

    // The value of the scenario's one series of the family with the label; null when there is none.
    private static double? Value(string page, string family, string scenario, string label)
    {
        var series = SeriesOf(page, family, scenario).Where(s => s.Labels.Contains(label, StringComparison.Ordinal)).ToArray();
        return series.Length == 1 ? series[0].Value : null;
    }

    private static string[] HistogramSites(string page, string family) =>
        Regex.Matches(page, $"^{Regex.Escape(family)}\\{{[^}}]*site=\"([^\"]*)\"", RegexOptions.Multiline).Select(m => m.Groups[1].Value).Distinct().ToArray();

    [GeneratedRegex("scenario=\"([^\"]*)\"")]
    private static partial Regex ScenarioLabel();
}
