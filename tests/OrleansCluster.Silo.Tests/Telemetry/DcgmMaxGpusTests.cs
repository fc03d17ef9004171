using System.Text.RegularExpressions;

namespace OrleansCluster.Silo.Tests.Telemetry;

/// <summary>
/// dcgm mode writes at most <c>Telemetry:DcgmMaxGpus</c> GPUs a silo: whole nodes, lowest in the scenario's order first,
/// and the GPUs it leaves out in <c>gpusim_dcgm_gpus_omitted</c>. Found by probing: nothing bounded the page, and a
/// scenario of 2,496 nodes made a 119 MB page (2.5 s a scrape).
/// </summary>
public sealed partial class DcgmMaxGpusTests
{
    // Twelve nodes of 8 GPUs, 96 GPUs on the one silo.
    private const string Twelve = """
        {
          "name": "twelve", "seed": 3,
          "job": { "flopsPerGpuPerStep": 4e14, "gradientBytes": 1e9, "barrierTimeoutSeconds": 100 },
          "sites": [
            { "name": "a", "fabric": { "bandwidthGbps": 400 }, "nodes": [ { "generation": "H100", "count": 6 } ] },
            { "name": "b", "fabric": { "bandwidthGbps": 400 }, "nodes": [ { "generation": "H100", "count": 6 } ] }
          ],
          "links": [ { "from": "a", "to": "b", "distanceKm": 20, "bandwidthGbps": 400 } ]
        }
        """;

    [Fact]
    public async Task ASiloPastDcgmMaxGpusWritesItsFirstWholeNodesWithinItAndCountsTheRestOmitted()
    {
        await using var factory = new SiloFactory
        {
            Pace = "max",
            Settings = new Dictionary<string, string> { ["Telemetry:Dcgm"] = "true", ["Telemetry:DcgmMaxGpus"] = "20" },
        };
        using var client = factory.CreateAdminClient();
        await MetricsPage.LoadAsync(client, Twelve);

        var page = await MetricsPage.WaitForAsync(client, p => p.Contains("gpusim_dcgm_gpus_omitted{scenario=\"twelve\"}", StringComparison.Ordinal) && MetricsPage.HasHost(p, "a-00000"),
            "twelve's dcgm series", l => l.StartsWith("gpusim_dcgm", StringComparison.Ordinal) || l.StartsWith("DCGM_FI_DEV_GPU_UTIL", StringComparison.Ordinal));

        // Two nodes (16 GPUs) fit within 20, a third would not: 80 of the 96 left out.
        Assert.Contains("gpusim_dcgm_gpus_omitted{scenario=\"twelve\"} 80\n", page, StringComparison.Ordinal);
        var hosts = Utilisation().Matches(page).Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(16, hosts.Length);
        Assert.Equal(["a-00000", "a-00001"], hosts.Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(16 * 26, DcgmSeries().Count(page)); // every family, for those GPUs alone
        Assert.Contains("# TYPE gpusim_dcgm_gpus_omitted gauge\n", page, StringComparison.Ordinal);
    }

    [GeneratedRegex("^DCGM_FI_DEV_GPU_UTIL\\{[^}]*Hostname=\"([^\"]+)\"", RegexOptions.Multiline)]
    private static partial Regex Utilisation();

    [GeneratedRegex("^DCGM_FI_[A-Z_]+\\{", RegexOptions.Multiline)]
    private static partial Regex DcgmSeries();
}
