using Microsoft.Extensions.DependencyInjection;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using System.Net;
using System.Text.RegularExpressions;
using OrleansCluster.Silo.Tests.Api;

namespace OrleansCluster.Silo.Tests.Telemetry;

/// <summary>
/// The host's own series (node histograms, per-node gauges, dcgm, the step series) belong to the scenario that runs: a scenario loaded
/// after another takes the other's off the page, whatever its name, so a page does not grow with every name loaded.
/// </summary>
public sealed partial class ScenarioChangeSeriesTests
{
    // alpha: sites a and b of H100s. beta: site a again (its blocks reconfigured), of A100s, and c; b's blocks idle.
    private const string Alpha = """
        {
          "name": "alpha", "seed": 3,
          "job": { "flopsPerGpuPerStep": 4e14, "gradientBytes": 1e9, "barrierTimeoutSeconds": 100 },
          "sites": [
            { "name": "a", "fabric": { "bandwidthGbps": 400 }, "nodes": [ { "generation": "H100", "count": 6 } ] },
            { "name": "b", "fabric": { "bandwidthGbps": 400 }, "nodes": [ { "generation": "H100", "count": 6 } ] }
          ],
          "links": [ { "from": "a", "to": "b", "distanceKm": 20, "bandwidthGbps": 400 } ]
        }
        """;

    private const string Beta = """
        {
          "name": "beta", "seed": 3,
          "job": { "flopsPerGpuPerStep": 4e14, "gradientBytes": 1e9, "barrierTimeoutSeconds": 100 },
          "sites": [
            { "name": "a", "fabric": { "bandwidthGbps": 400 }, "nodes": [ { "generation": "A100", "count": 6 } ] },
            { "name": "c", "fabric": { "bandwidthGbps": 400 }, "nodes": [ { "generation": "H100", "count": 6 } ] }
          ],
          "links": [ { "from": "a", "to": "c", "distanceKm": 20, "bandwidthGbps": 400 } ]
        }
        """;

    [Fact]
    public async Task AScenarioLoadedAfterAnotherTakesTheOthersSeriesOffThePage()
    {
        var (factory, client) = await AlphaLoadedAsync();
        await using var _ = factory;
        using var __ = client;

        await LoadAsync(client, Beta);
        var page = await WaitForPageAsync(client, page => Has(page, "beta", "a") && Has(page, "beta", "c") && Regex.IsMatch(page, "^gpusim_step_duration_seconds_count\\{[^}]*scenario=\"beta\"", RegexOptions.Multiline), "beta's series");

        // Each family of the host's own writes only beta's series: nothing of small (the silo's first) nor of alpha.
        foreach (var family in (string[])["gpusim_node_compute_seconds_bucket", "gpusim_node_compute_seconds_count", "gpusim_barrier_wait_seconds_count", "gpusim_node_step_compute_seconds"])
        {
            var scenarios = Regex.Matches(page, $"^{family}\\{{scenario=\"([^\"]*)\"", RegexOptions.Multiline).Select(m => m.Groups[1].Value).Distinct().ToArray();
            Assert.Equal(["beta"], scenarios);
        }

        // The step series too (found by probing: the SDK's counters and histogram kept 765 buckets and more for every
        // scenario name the silo had run).
        foreach (var family in (string[])["gpusim_step_duration_seconds_bucket", "gpusim_step_duration_seconds_count", "gpusim_steps_total", "gpusim_lost_steps_total"])
        {
            var scenarios = Regex.Matches(page, $"^{family}\\{{[^}}]*scenario=\"([^\"]*)\"", RegexOptions.Multiline).Select(m => m.Groups[1].Value).Distinct().ToArray();
            Assert.Equal(["beta"], scenarios);
        }

        // dcgm: beta's hosts only, a's GPUs under beta's model (A100), none of b's left.
        var hosts = Regex.Matches(page, "^DCGM_FI_DEV_GPU_UTIL\\{[^}]*Hostname=\"([^\"]*)\"", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        Assert.True(hosts.All(h => h.StartsWith("a-", StringComparison.Ordinal) || h.StartsWith("c-", StringComparison.Ordinal)), string.Join(",", hosts.Order(StringComparer.Ordinal)));
        Assert.Equal(12, hosts.Count);
        var models = Regex.Matches(page, "^DCGM_FI_DEV_GPU_UTIL\\{[^}]*modelName=\"([^\"]*)\",Hostname=\"a-", RegexOptions.Multiline).Select(m => m.Groups[1].Value).Distinct().ToArray();
        Assert.Equal(["NVIDIA A100-SXM4-80GB"], models);
    }

    [Fact]
    public async Task AScenarioLoadedAgainUnderTheSameNameWithFewerSitesTakesTheDroppedSitesNodesOffThePage()
    {
        // alpha again, site b gone and a's nodes now A100s: b's blocks are not configured again (idle until Orleans
        // collects them), and before 2026-11-28 they kept publishing b's per-node and dcgm series under alpha's name,
        // since the registries dropped a block only when a block of another scenario name registered.
        var alphaAgain = Alpha.Replace("\"H100\", \"count\": 6 } ] },\n", "\"A100\", \"count\": 6 } ] },\n", StringComparison.Ordinal);
        alphaAgain = alphaAgain[..alphaAgain.IndexOf("{ \"name\": \"b\"", StringComparison.Ordinal)].TrimEnd().TrimEnd(',') + "\n  ]\n}";
        Assert.DoesNotContain("\"b\"", alphaAgain, StringComparison.Ordinal);
        var (factory, client) = await AlphaLoadedAsync();
        await using var _ = factory;
        using var __ = client;

        await LoadAsync(client, alphaAgain);
        var page = await WaitForPageAsync(client, page => page.Contains("modelName=\"NVIDIA A100-SXM4-80GB\",Hostname=\"a-", StringComparison.Ordinal), "the second alpha's dcgm series");

        Assert.Contains("gpusim_node_step_compute_seconds{scenario=\"alpha\",node=\"a-", page, StringComparison.Ordinal);
        Assert.DoesNotContain("gpusim_node_step_compute_seconds{scenario=\"alpha\",node=\"b-", page, StringComparison.Ordinal);
        Assert.False(Host(page, "b-"), "b's GPUs are still on the dcgm page");
        Assert.DoesNotContain("modelName=\"NVIDIA H100", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARunStoppedBeforeItsFirstStepShowsItsScenarioAtStepZeroAndItsStateNotThePreviousRun()
    {
        // Found by probing: a load that a pause overtook before its first step (or a job's load alone, which leaves it
        // stopped) left the previous run on the page for good: alpha's step and tokens per second while the job was
        // paused, and no gpusim_job_state at all, as only a finished step replaced the run's figures.
        var (factory, client) = await AlphaLoadedAsync();
        await using var _ = factory;
        using var __ = client;
        await MetricsPage.WaitForAsync(client, page => Value(page, "gpusim_step_number", "alpha") >= 2, "alpha's steps", l => l.StartsWith("gpusim_step_number", StringComparison.Ordinal));

        await factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IJobGrain>(IJobGrain.Key).LoadAsync(ScenarioSource.FromJson(Beta));

        var page = await MetricsPage.WaitForAsync(client, page => page.Contains("gpusim_job_state{", StringComparison.Ordinal), "the job's state", l => l.StartsWith("gpusim_job_state", StringComparison.Ordinal) || l.StartsWith("gpusim_step_number", StringComparison.Ordinal));
        Assert.Equal(1, Value(page, "gpusim_job_state", "beta", "state=\"stopped\""));
        Assert.Equal(0, Value(page, "gpusim_step_number", "beta"));
        foreach (var family in (string[])["gpusim_step_number", "gpusim_job_state", "gpusim_tokens_per_second", "gpusim_steps_total", "gpusim_step_duration_seconds_count"])
        {
            Assert.DoesNotMatch($"(?m)^{family}\\{{[^}}]*scenario=\"alpha\"", page);
        }
    }

    // The value of the one series of `family` of `scenario` whose labels hold `label`; null when none.
    private static double? Value(string page, string family, string scenario, string label = "")
    {
        var values = page.Split('\n')
            .Where(l => l.StartsWith(family + "{", StringComparison.Ordinal) && l.Contains($"scenario=\"{scenario}\"", StringComparison.Ordinal) && l.Contains(label, StringComparison.Ordinal))
            .Select(l => double.Parse(l[(l.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture))
            .ToArray();
        Assert.True(values.Length <= 1, $"{values.Length} series of {family} with {label}");
        return values.Length == 0 ? null : values[0];
    }

    private static Task LoadAsync(HttpClient client, string scenario) => MetricsPage.LoadAsync(client, scenario);

    private static Task<string> WaitForPageAsync(HttpClient client, Func<string, bool> condition, string what) =>
        MetricsPage.WaitForAsync(client, condition, what, l => l.StartsWith("gpusim_node", StringComparison.Ordinal) && !l.Contains("_bucket", StringComparison.Ordinal));

    // A silo with per-node gauges and dcgm on, at max pace, alpha loaded and its series of both sites on the page.
    private static async Task<(SiloFactory Factory, HttpClient Client)> AlphaLoadedAsync()
    {
        var factory = new SiloFactory
        {
            Pace = "max",
            Settings = new Dictionary<string, string> { ["Telemetry:PerNode"] = "true", ["Telemetry:Dcgm"] = "true" },
        };
        var client = factory.CreateAdminClient();
        await LoadAsync(client, Alpha);
        await WaitForPageAsync(client, page => Has(page, "alpha", "a") && Has(page, "alpha", "b") && Host(page, "b-0000"), "alpha's series");
        return (factory, client);
    }

    // A histogram series and a per-node gauge of the scenario and site.
    private static bool Has(string page, string scenario, string site) =>
        page.Contains($"gpusim_node_compute_seconds_count{{scenario=\"{scenario}\",site=\"{site}\",", StringComparison.Ordinal)
        && page.Contains($"gpusim_node_step_compute_seconds{{scenario=\"{scenario}\",node=\"{site}-", StringComparison.Ordinal);

    private static bool Host(string page, string prefix) => MetricsPage.HasHost(page, prefix);
}
